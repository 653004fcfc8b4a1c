// ICMP (IPv4), as tcpdump's print-icmp.c prints it (-n): echo, unreachable (with the
// quoted datagram's port), time exceeded, redirect; other types by name.
import { csumFinish, cksumShouldBe, ip4String, csumPartial } from './bytes.js';
import type { Ctx, IpInfo } from './context.js';
import { ipPrint } from './ip.js';

// struct icmp: type u8 @0, code u8 @1, cksum u16 @2, id u16 @4, seq u16 @6; quoted ip @8
const ICMP = { TYPE: 0, CODE: 1, CKSUM: 2, ID: 4, SEQ: 6, QUOTE: 8 } as const;

// icmp2str
const typeNames = new Map<number, string>([
  [0, 'echo reply'],
  [3, 'unreachable'],
  [4, 'source quench'],
  [5, 'redirect'],
  [8, 'echo request'],
  [9, 'router advertisement'],
  [10, 'router solicitation'],
  [11, 'time exceeded'],
  [12, 'parameter problem'],
  [13, 'time stamp request'],
  [14, 'time stamp reply'],
  [15, 'information request'],
  [16, 'information reply'],
  [17, 'address mask request'],
  [18, 'address mask reply'],
]);

// unreach2str: %s is the quoted datagram's destination
const unreachText = new Map<number, string>([
  [0, 'net %s unreachable'],
  [1, 'host %s unreachable'],
  [5, '%s unreachable - source route failed'],
  [6, 'net %s unreachable - unknown'],
  [7, 'host %s unreachable - unknown'],
  [8, '%s unreachable - source host isolated'],
  [9, 'net %s unreachable - admin prohibited'],
  [10, 'host %s unreachable - admin prohibited'],
  [11, 'net %s unreachable - tos prohibited'],
  [12, 'host %s unreachable - tos prohibited'],
  [13, 'host %s unreachable - admin prohibited filter'],
  [14, 'host %s unreachable - host precedence violation'],
  [15, 'host %s unreachable - precedence cutoff'],
]);

export function icmpPrint(ctx: Ctx, off: number, len: number, ip: IpInfo): void {
  const { bytes, b } = ctx;
  const type = bytes.u8(off + ICMP.TYPE, 'icmp');
  const code = bytes.u8(off + ICMP.CODE, 'icmp');
  let str: string;
  let quoted = false;
  switch (type) {
    case 0:
    case 8:
      str = `echo ${type === 8 ? 'request' : 'reply'}, id ${bytes.u16(off + ICMP.ID, 'icmp')}, seq ${bytes.u16(off + ICMP.SEQ, 'icmp')}`;
      break;
    case 3: {
      const q = off + ICMP.QUOTE;
      bytes.need(q, 20, 'icmp');
      const qdst = ip4String(b, q + 16);
      quoted = true;
      if (code === 2) {
        str = `${qdst} protocol ${b[q + 9]} unreachable`;
      } else if (code === 3) {
        const qhl = (b[q] & 0xf) * 4;
        const qp = b[q + 9];
        const dport = bytes.u16(q + qhl + 2, 'icmp');
        if (qp === 6) str = `${qdst} tcp port ${dport} unreachable`;
        else if (qp === 17) str = `${qdst} udp port ${dport} unreachable`;
        else str = `${qdst} protocol ${qp} port ${dport} unreachable`;
      } else if (code === 4) {
        const mtu = bytes.u16(off + 6, 'icmp');
        str = mtu ? `${qdst} unreachable - need to frag (mtu ${mtu})` : `${qdst} unreachable - need to frag`;
      } else {
        const t = unreachText.get(code);
        str = t ? t.replace('%s', qdst) : `${qdst} unreachable - #${code}`;
      }
      break;
    }
    case 5: {
      bytes.need(off + ICMP.QUOTE, 20, 'icmp');
      const gw = ip4String(b, off + 4);
      const qdst = ip4String(b, off + ICMP.QUOTE + 16);
      const what = ['net', 'host', 'tos-net', 'tos-host'][code];
      str = what ? `redirect ${qdst} to ${what} ${gw}` : `redirect-#${code} ${qdst} to ${gw}`;
      quoted = true;
      break;
    }
    case 11:
      str = code === 0 ? 'time exceeded in-transit' : code === 1 ? 'ip reassembly time exceeded' : `time exceeded-#${code}`;
      quoted = true;
      break;
    case 12:
      str = code ? `parameter problem - code ${code}` : `parameter problem - octet ${bytes.u8(off + 4, 'icmp')}`;
      quoted = true;
      break;
    default:
      str = typeNames.get(type) ?? `type-#${type}`;
  }
  ctx.p(`ICMP ${str}, length ${len}`);
  if (ctx.v && !ip.fragmented && bytes.has(off, len)) {
    const sum = csumFinish(csumPartial(b, off, len));
    if (sum !== 0) {
      const icmpSum = bytes.u16(off + ICMP.CKSUM, 'icmp');
      ctx.p(` (wrong icmp cksum ${icmpSum.toString(16)} (->${cksumShouldBe(icmpSum, sum).toString(16)})!)`);
    }
  }
  // -v: the quoted datagram, as tcpdump prints it (a nested IP line)
  if (ctx.v && quoted && bytes.has(off + ICMP.QUOTE, 1)) {
    ctx.p('\n\t');
    ipPrint(ctx, off + ICMP.QUOTE, len - ICMP.QUOTE);
  }
}
