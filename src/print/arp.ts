// ARP and RARP over Ethernet/IPv4, as tcpdump's print-arp.c prints them (-n).
import { ip4String, macString } from './bytes.js';
import type { Ctx } from './context.js';
import { ethertypeNames } from './ether.js';
import { hexAndAscii } from './hexdump.js';

// struct arp_pkthdr: ar_hrd u16 @0, ar_pro u16 @2, ar_hln u8 @4, ar_pln u8 @5, ar_op u16 @6,
// then sha[hln], spa[pln], tha[hln], tpa[pln] @8…
const ARP = { HRD: 0, PRO: 2, HLN: 4, PLN: 5, OP: 6, ADDRS: 8 } as const;

// arpop_values
const ops = new Map<number, string>([
  [1, 'Request'],
  [2, 'Reply'],
  [3, 'Reverse Request'],
  [4, 'Reverse Reply'],
  [8, 'Inverse Request'],
  [9, 'Inverse Reply'],
  [10, 'NACK Reply'],
]);
// arphrd_values
const hrds = new Map<number, string>([
  [1, 'Ethernet'],
  [2, 'Experimental Ethernet'],
  [3, 'AX.25'],
  [6, 'TokenRing'],
  [7, 'ArcNet'],
  [15, 'FrameRelay'],
  [16, 'ATM'],
  [19, 'Strip'],
  [24, 'IEEE1394'],
  [32, 'InfiniBand'],
]);

export function arpPrint(ctx: Ctx, off: number, length: number): void {
  const { bytes, b } = ctx;
  if (!ctx.e) ctx.p('ARP, ');
  const hrd = bytes.u16(off + ARP.HRD, 'arp');
  const pro = bytes.u16(off + ARP.PRO, 'arp');
  const hln = bytes.u8(off + ARP.HLN, 'arp');
  const pln = bytes.u8(off + ARP.PLN, 'arp');
  const op = bytes.u16(off + ARP.OP, 'arp');
  const sha = off + ARP.ADDRS;
  const spa = sha + hln;
  const tha = spa + pln;
  const tpa = tha + hln;
  if (!bytes.has(off, ARP.ADDRS + 2 * hln + 2 * pln)) {
    ctx.p(' [|ARP]');
    return;
  }
  if ((pro !== 0x0800 && pro !== 0x1000) || pln !== 4 || hln === 0 || ctx.v) {
    const h = hrds.get(hrd) ?? `Unknown Hardware (${hrd})`;
    const p = ethertypeNames.get(pro) ?? `Unknown Protocol (0x${pro.toString(16).padStart(4, '0')})`;
    ctx.p(`${h} (len ${hln}), ${p} (len ${pln})`);
    if (!ctx.v) {
      ctx.p(`, length ${length}`);
      return;
    }
  }
  const pa = (o: number): string => (pro === 0x0800 && pln === 4 ? ip4String(b, o) : '<wrong proto type>');
  const ha = (o: number): string => macString(b, o, hln);
  ctx.p(`${ctx.v ? ', ' : ''}${ops.get(op) ?? `Unknown (${op})`} `);
  switch (op) {
    case 1: {
      ctx.p(`who-has ${pa(tpa)}`);
      let nz = false;
      for (let i = 0; i < hln; i++) if (b[tha + i] !== 0) nz = true;
      if (nz) ctx.p(` (${ha(tha)})`);
      ctx.p(` tell ${pa(spa)}`);
      break;
    }
    case 2:
      ctx.p(`${pa(spa)} is-at ${ha(sha)}`);
      break;
    case 3:
      ctx.p(`who-is ${ha(tha)} tell ${ha(sha)}`);
      break;
    case 4:
      ctx.p(`${ha(tha)} at ${pa(tpa)}`);
      break;
    case 8:
      ctx.p(`who-is ${ha(tha)} tell ${ha(sha)}`);
      break;
    case 9:
      ctx.p(`${ha(sha)} at ${pa(spa)}`);
      break;
    default:
      ctx.p(hexAndAscii(b, off, bytes.end - off));
      return;
  }
  ctx.p(`, length ${length}`);
}
