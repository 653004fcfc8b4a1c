// Ethernet II and 802.1Q, as tcpdump's print-ether.c prints them (-n).
import { macString } from './bytes.js';
import type { Ctx } from './context.js';
import { hexAndAscii } from './hexdump.js';
import { arpPrint } from './arp.js';
import { ipPrint } from './ip.js';
import { ip6Print } from './ip6.js';

// #define ETHERTYPE_* (ethertype.h), names from ethertype_values
export const ETHERTYPE = {
  IP: 0x0800,
  ARP: 0x0806,
  REVARP: 0x8035,
  VLAN: 0x8100,
  IPV6: 0x86dd,
  QINQ: 0x88a8,
  QINQOLD: 0x9100,
  LLDP: 0x88cc,
  PPPOED: 0x8863,
  PPPOES: 0x8864,
  MPLS: 0x8847,
  LOOPBACK: 0x9000,
} as const;

export const ethertypeNames = new Map<number, string>([
  [0x0800, 'IPv4'],
  [0x0806, 'ARP'],
  [0x8035, 'Reverse ARP'],
  [0x8100, '802.1Q'],
  [0x86dd, 'IPv6'],
  [0x88a8, '802.1Q-QinQ'],
  [0x9100, '802.1Q-9100'],
  [0x88cc, 'LLDP'],
  [0x8863, 'PPPoE D'],
  [0x8864, 'PPPoE S'],
  [0x8847, 'MPLS unicast'],
  [0x8848, 'MPLS multicast'],
  [0x9000, 'Loopback'],
  [0x888e, 'EAPOL'],
  [0x8809, 'Slow Protocols'],
  [0x88f7, 'PTP'],
  [0x8906, 'FCoE'],
  [0x22f0, 'AVB'],
]);

export const ethertypeName = (t: number): string => ethertypeNames.get(t) ?? 'Unknown';
const isVlan = (t: number): boolean => t === ETHERTYPE.VLAN || t === ETHERTYPE.QINQ || t === ETHERTYPE.QINQOLD;
const tHex = (t: number): string => `0x${t.toString(16).padStart(4, '0')}`;

/** Payload printers by ethertype; false when the type is not one vping decodes. */
export function ethertypePrint(ctx: Ctx, type: number, off: number, length: number): boolean {
  switch (type) {
    case ETHERTYPE.IP:
      ipPrint(ctx, off, length);
      return true;
    case ETHERTYPE.IPV6:
      ip6Print(ctx, off, length);
      return true;
    case ETHERTYPE.ARP:
    case ETHERTYPE.REVARP:
      arpPrint(ctx, off, length);
      return true;
    default:
      return false;
  }
}

/**
 * Print an Ethernet frame starting at `off`; `length` is the frame's original length.
 * Returns the link-header length (for -X, which dumps from the network header).
 */
export function etherPrint(ctx: Ctx, off: number, length: number): number {
  const { bytes } = ctx;
  const caplen = bytes.end - off;
  if (caplen < 14) {
    ctx.p('[|ether]');
    return caplen;
  }
  const hdr = () => `${macString(ctx.b, off + 6)} > ${macString(ctx.b, off)}, `;
  if (ctx.e) ctx.p(hdr());
  let type = bytes.u16(off + 12, 'ether');
  let hlen = 14;
  length -= 14;
  if (type <= 1500) {
    // 802.3 length field: tcpdump goes on to LLC; vping shows the header and a dump.
    if (!ctx.e) ctx.p(hdr());
    ctx.p(`802.3, length ${length + 14}: `);
    if (!ctx.opts.hex) ctx.p(hexAndAscii(ctx.b, off + hlen, bytes.end - off - hlen));
    return hlen;
  }
  if (ctx.e) ctx.p(`ethertype ${ethertypeName(type)} (${tHex(type)}), length ${length + 14}: `);
  while (isVlan(type)) {
    if (!bytes.has(off + hlen, 4)) {
      ctx.p(' [|vlan]');
      return hlen;
    }
    const tci = bytes.u16(off + hlen, 'vlan');
    const inner = bytes.u16(off + hlen + 2, 'vlan');
    if (ctx.e) {
      ctx.p(`vlan ${tci & 0xfff}, p ${tci >> 13}${tci & 0x1000 ? ', DEI' : ''}, `);
      ctx.p(`ethertype ${ethertypeName(inner)} (${tHex(inner)}), `);
    }
    type = inner;
    hlen += 4;
    length -= 4;
  }
  if (!ethertypePrint(ctx, type, off + hlen, length)) {
    if (!ctx.e) ctx.p(`${hdr()}ethertype ${ethertypeName(type)} (${tHex(type)}), length ${length + hlen}: `);
    if (!ctx.opts.hex) ctx.p(hexAndAscii(ctx.b, off + hlen, bytes.end - off - hlen));
  }
  return hlen;
}
