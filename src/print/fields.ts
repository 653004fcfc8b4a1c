// One frame's decoded fields, for `capture -j`: the link header, ARP or the IP header (v4, or
// v6 with its extension headers walked), and ICMP, ICMPv6, TCP or UDP — what tcpdump's line
// says, as values a program can read. Pure and bounds-checked: a layer cut short by the
// snapshot length is left out and `truncated` says where decoding stopped.
import { formatIPv4, formatIPv6 } from '../inet/addr.js';
import { macString } from './bytes.js';
import { LINKTYPE } from './printer.js';
import { flagString } from './tcp.js';

export interface FrameFields {
  eth?: { src: string; dst: string; type: number; vlans?: number[] };
  sll?: { pkttype: number; hatype: number; addr: string; protocol: number; ifindex?: number };
  /** BSD loopback / null: the address family in the 4-byte header. */
  loopback?: { family: number };
  arp?: { op: number; senderMac: string; senderIp: string; targetMac: string; targetIp: string };
  ip?: { version: 4; src: string; dst: string; proto: number; ttl: number; id: number; tos: number; len: number; hdrLenBytes: number; df: boolean; mf: boolean; fragOffsetBytes: number };
  ip6?: { version: 6; src: string; dst: string; nextHeader: number; hopLimit: number; flowLabel: number; tclass: number; payloadLenBytes: number; extensions: number[]; fragment?: { offsetBytes: number; more: boolean; id: number } };
  icmp?: { type: number; code: number; id?: number; seq?: number };
  icmp6?: { type: number; code: number; id?: number; seq?: number };
  /** flags: tcpdump's letters (`S.`, `P.`, `F.`…) */
  tcp?: { srcPort: number; dstPort: number; seq: number; ack: number; flags: string; window: number; payloadBytes: number };
  udp?: { srcPort: number; dstPort: number; len: number };
  /** The layer at which the captured bytes ran out, when one did. */
  truncated?: string;
  /** The layer whose header is invalid (an IPv4 header or total length too short: tcpdump's bad-hlen, bad-len), when one is; decoding stops there. */
  invalid?: string;
}

const u16 = (d: Uint8Array, o: number): number => (d[o] << 8) | d[o + 1];
const u32 = (d: Uint8Array, o: number): number => ((d[o] << 24) | (d[o + 1] << 16) | (d[o + 2] << 8) | d[o + 3]) >>> 0;

/** The decoded fields of one frame of link type `linktype` (LINKTYPE numbers). */
export function frameFields(d: Uint8Array, linktype: number): FrameFields {
  const f: FrameFields = {};
  const cut = (layer: string): FrameFields => ((f.truncated = layer), f);
  let off = 0;
  let proto: number | null; // ethertype of what follows the link header
  switch (linktype) {
    case LINKTYPE.ETHERNET: {
      if (d.length < 14) return cut('eth');
      let type = u16(d, 12);
      off = 14;
      const vlans: number[] = [];
      while ((type === 0x8100 || type === 0x88a8) && d.length >= off + 4) {
        vlans.push(u16(d, off) & 0x0fff);
        type = u16(d, off + 2);
        off += 4;
      }
      f.eth = { src: macString(d, 6), dst: macString(d, 0), type, ...(vlans.length ? { vlans } : {}) };
      proto = type;
      break;
    }
    case LINKTYPE.LINUX_SLL:
      if (d.length < 16) return cut('sll');
      f.sll = { pkttype: u16(d, 0), hatype: u16(d, 2), addr: macString(d, 6, Math.min(u16(d, 4), 8)), protocol: u16(d, 14) };
      proto = f.sll.protocol;
      off = 16;
      break;
    case LINKTYPE.LINUX_SLL2:
      if (d.length < 20) return cut('sll');
      f.sll = { protocol: u16(d, 0), ifindex: u32(d, 4), hatype: u16(d, 8), pkttype: d[10], addr: macString(d, 12, Math.min(d[11], 8)) };
      proto = f.sll.protocol;
      off = 20;
      break;
    case LINKTYPE.NULL:
    case LINKTYPE.LOOP: {
      if (d.length < 4) return cut('loopback');
      // NULL is in the writer's byte order: a family is small, so the non-zero end says which
      const family = linktype === LINKTYPE.LOOP ? u32(d, 0) : d[0] !== 0 ? d[0] | (d[1] << 8) : u32(d, 0);
      f.loopback = { family };
      proto = family === 2 ? 0x0800 : [10, 24, 28, 30].includes(family) ? 0x86dd : null;
      off = 4;
      break;
    }
    case LINKTYPE.RAW:
    case LINKTYPE.RAW_OLD:
      if (d.length < 1) return cut('ip');
      proto = d[0] >> 4 === 6 ? 0x86dd : 0x0800;
      break;
    case LINKTYPE.IPV4:
      proto = 0x0800;
      break;
    case LINKTYPE.IPV6:
      proto = 0x86dd;
      break;
    default:
      return f;
  }
  if (proto === 0x0806) {
    if (d.length < off + 28) return cut('arp');
    f.arp = { op: u16(d, off + 6), senderMac: macString(d, off + 8), senderIp: formatIPv4(d, off + 14), targetMac: macString(d, off + 18), targetIp: formatIPv4(d, off + 24) };
    return f;
  }
  let l4: number;
  let end: number; // end of the IP datagram's bytes, as its header says, within what was captured
  let dgramEnd: number; // where its header says it ends
  let first = true; // the first fragment (or no fragment): the transport header is there
  if (proto === 0x0800) {
    if (d.length < off + 20) return cut('ip');
    const hl = (d[off] & 15) * 4;
    const frag = u16(d, off + 6);
    f.ip = {
      version: 4, src: formatIPv4(d, off + 12), dst: formatIPv4(d, off + 16), proto: d[off + 9], ttl: d[off + 8],
      id: u16(d, off + 4), tos: d[off + 1], len: u16(d, off + 2), hdrLenBytes: hl, df: (frag & 0x4000) !== 0, mf: (frag & 0x2000) !== 0, fragOffsetBytes: (frag & 0x1fff) * 8,
    };
    if (hl < 20 || f.ip.len < hl) return ((f.invalid = 'ip'), f);
    if (d.length < off + hl) return cut('ip');
    l4 = f.ip.proto;
    dgramEnd = off + f.ip.len;
    end = Math.min(d.length, dgramEnd);
    first = f.ip.fragOffsetBytes === 0;
    off += hl;
  } else if (proto === 0x86dd) {
    if (d.length < off + 40) return cut('ip6');
    const w = u32(d, off);
    const ip6: NonNullable<FrameFields['ip6']> = {
      version: 6, src: formatIPv6(d, off + 8), dst: formatIPv6(d, off + 24), nextHeader: d[off + 6], hopLimit: d[off + 7],
      flowLabel: w & 0xfffff, tclass: (w >>> 20) & 0xff, payloadLenBytes: u16(d, off + 4), extensions: [],
    };
    f.ip6 = ip6;
    dgramEnd = off + 40 + ip6.payloadLenBytes;
    end = Math.min(d.length, dgramEnd);
    off += 40;
    // hop-by-hop, routing, fragment, destination options, AH: walk to the upper layer
    while ([0, 43, 44, 60, 51].includes(ip6.nextHeader)) {
      if (end < off + 8) return cut('ip6');
      const h = ip6.nextHeader;
      ip6.extensions.push(h);
      ip6.nextHeader = d[off];
      if (h === 44) {
        const fo = u16(d, off + 2);
        ip6.fragment = { offsetBytes: fo & 0xfff8, more: (fo & 1) !== 0, id: u32(d, off + 4) };
        first = ip6.fragment.offsetBytes === 0;
        off += 8;
      } else off += h === 51 ? (d[off + 1] + 2) * 4 : (d[off + 1] + 1) * 8;
    }
    l4 = ip6.nextHeader;
  } else return f;
  if (!first) return f;
  switch (l4) {
    case 1:
    case 58: {
      if (end < off + 4) return cut(l4 === 1 ? 'icmp' : 'icmp6');
      const m: { type: number; code: number; id?: number; seq?: number } = { type: d[off], code: d[off + 1] };
      // echo request and reply: id and seq
      if ((l4 === 1 ? [0, 8] : [128, 129]).includes(m.type) && end >= off + 8) {
        m.id = u16(d, off + 4);
        m.seq = u16(d, off + 6);
      }
      if (l4 === 1) f.icmp = m;
      else f.icmp6 = m;
      break;
    }
    case 6: {
      if (end < off + 20) return cut('tcp');
      const doff = (d[off + 12] >> 4) * 4;
      f.tcp = { srcPort: u16(d, off), dstPort: u16(d, off + 2), seq: u32(d, off + 4), ack: u32(d, off + 8), flags: flagString(d[off + 13]), window: u16(d, off + 14), payloadBytes: Math.max(0, dgramEnd - off - doff) };
      break;
    }
    case 17:
      if (end < off + 8) return cut('udp');
      f.udp = { srcPort: u16(d, off), dstPort: u16(d, off + 2), len: u16(d, off + 4) };
      break;
  }
  return f;
}
