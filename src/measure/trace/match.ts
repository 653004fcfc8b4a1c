// `vping trace`, the pure part: find the echo in a captured frame, line up each echo's four
// capture points with the prober's own send and receive instants, and cut the journey into
// its five legs. Every instant is CLOCK_REALTIME in ns (bigint): the AF_PACKET ring stamps
// frames with it, and the prober reads it around its send and receive.
import type { SegmentName } from '../bench/model.js';

/** The four capture points, in the order an echo passes them. */
export const POINTS = ['srcOut', 'dstIn', 'dstOut', 'srcIn'] as const;
export type PointName = (typeof POINTS)[number];

/** What the prober knows of one echo. */
export interface Probe {
  seq: number;
  /** Just before sendto. */
  sendNs: bigint;
  /** The kernel's TX_SCHED stamp: the request entered the qdisc; null when none came. */
  schedNs: bigint | null;
  /** Just after the matching reply was read; null when none came in time. */
  recvNs: bigint | null;
}

/** A captured frame as the capture session hands it over. */
export interface PointFrame {
  /** 0: the source end's interface, 1: the destination end's. */
  ifId: number;
  dir: string;
  tsNs: bigint;
  data: Uint8Array;
}

export interface TracedEcho {
  seq: number;
  sendNs: bigint;
  schedNs: bigint | null;
  recvNs: bigint | null;
  points: Record<PointName, bigint | null>;
  /** The six legs in ns, when every instant is known. */
  segments: Record<SegmentName, number> | null;
  /** Round trip as the prober saw it (recv − send), ns. */
  rttNs: number | null;
}

/** An ICMP echo found in a frame. */
export interface EchoInFrame {
  kind: 'request' | 'reply';
  id: number;
  seq: number;
  /** The 8 payload bytes at offset 8 (vping's per-run tag), hex; null when the payload is shorter. */
  tag: string | null;
}

// Ethernet II: dst 6, src 6, ethertype u16 @12; 802.1Q inserts 4 bytes before the ethertype.
const ETH = { type: 12, size: 14, vlanTag: 4 } as const;
const ETHERTYPE = { IPV4: 0x0800, IPV6: 0x86dd, VLAN: 0x8100, QINQ: 0x88a8 } as const;
// struct iphdr: ver/ihl u8 @0, frag_off be16 @6 (offset in low 13 bits), protocol u8 @9.
const IP4 = { verIhl: 0, fragOff: 6, protocol: 9, minSize: 20 } as const;
// struct ipv6hdr: nexthdr u8 @6, 40 bytes.
const IP6 = { nexthdr: 6, size: 40 } as const;
// struct icmphdr / icmp6_hdr: type u8 @0, code u8 @1, checksum @2, id be16 @4, seq be16 @6.
const ICMPH = { type: 0, id: 4, seq: 6, size: 8 } as const;
const ICMP4 = { ECHOREPLY: 0, ECHO: 8, PROTO: 1 } as const;
const ICMP6 = { ECHO_REQUEST: 128, ECHO_REPLY: 129, PROTO: 58 } as const;
/** Where vping's tag sits in the echo payload (src/icmp layout.ts PAYLOAD.tag). */
export const TAG_OFFSET = 8;
export const TAG_SIZE = 8;

const be16 = (b: Uint8Array, o: number): number => (b[o] << 8) | b[o + 1];

export function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

/**
 * The ICMP(v6) echo in an Ethernet frame, or null for anything else (other protocols, a
 * later fragment, a truncated frame). Every read is bounds-checked against the frame.
 */
export function echoInFrame(f: Uint8Array): EchoInFrame | null {
  if (f.length < ETH.size) return null;
  let off = ETH.type;
  let type = be16(f, off);
  while (type === ETHERTYPE.VLAN || type === ETHERTYPE.QINQ) {
    off += ETH.vlanTag;
    if (f.length < off + 2) return null;
    type = be16(f, off);
  }
  const net = off + 2;
  let icmp: number;
  let request: number;
  let reply: number;
  if (type === ETHERTYPE.IPV4) {
    if (f.length < net + IP4.minSize || f[net + IP4.verIhl] >> 4 !== 4) return null;
    const ihl = (f[net + IP4.verIhl] & 0x0f) * 4;
    if (ihl < IP4.minSize || f[net + IP4.protocol] !== ICMP4.PROTO) return null;
    if ((be16(f, net + IP4.fragOff) & 0x1fff) !== 0) return null; // not the first fragment
    icmp = net + ihl;
    request = ICMP4.ECHO;
    reply = ICMP4.ECHOREPLY;
  } else if (type === ETHERTYPE.IPV6) {
    if (f.length < net + IP6.size || f[net] >> 4 !== 6 || f[net + IP6.nexthdr] !== ICMP6.PROTO) return null;
    icmp = net + IP6.size;
    request = ICMP6.ECHO_REQUEST;
    reply = ICMP6.ECHO_REPLY;
  } else return null;
  if (f.length < icmp + ICMPH.size) return null;
  const t = f[icmp + ICMPH.type];
  if (t !== request && t !== reply) return null;
  const payload = icmp + ICMPH.size;
  const tag = f.length >= payload + TAG_OFFSET + TAG_SIZE ? hex(f.subarray(payload + TAG_OFFSET, payload + TAG_OFFSET + TAG_SIZE)) : null;
  return { kind: t === request ? 'request' : 'reply', id: be16(f, icmp + ICMPH.id), seq: be16(f, icmp + ICMPH.seq), tag };
}

/** Which point a frame is, from its interface, direction and echo kind; null if none. */
export function pointOf(ifId: number, dir: string, kind: EchoInFrame['kind']): PointName | null {
  if (ifId === 0 && dir === 'out' && kind === 'request') return 'srcOut';
  if (ifId === 1 && dir === 'in' && kind === 'request') return 'dstIn';
  if (ifId === 1 && dir === 'out' && kind === 'reply') return 'dstOut';
  if (ifId === 0 && dir === 'in' && kind === 'reply') return 'srcIn';
  return null;
}

/**
 * The capture points of each of our echoes (matched by id, seq and, when the payload has
 * room for it, the run's tag), by seq. When a point shows twice (a duplicate) the first is kept.
 */
export function pointsBySeq(frames: readonly PointFrame[], id: number, tag: string | null): Map<number, Record<PointName, bigint | null>> {
  const out = new Map<number, Record<PointName, bigint | null>>();
  for (const fr of frames) {
    const e = echoInFrame(fr.data);
    if (!e || e.id !== id) continue;
    if (tag !== null && e.tag !== null && e.tag !== tag) continue;
    const p = pointOf(fr.ifId, fr.dir, e.kind);
    if (!p) continue;
    let rec = out.get(e.seq);
    if (!rec) out.set(e.seq, (rec = { srcOut: null, dstIn: null, dstOut: null, srcIn: null }));
    if (rec[p] === null) rec[p] = fr.tsNs;
  }
  return out;
}

/** The six legs from the seven instants; null when one is missing. They add up to recv − send. */
export function segmentsOf(sendNs: bigint, schedNs: bigint | null, points: Record<PointName, bigint | null>, recvNs: bigint | null): Record<SegmentName, number> | null {
  const { srcOut, dstIn, dstOut, srcIn } = points;
  if (recvNs === null || schedNs === null || srcOut === null || dstIn === null || dstOut === null || srcIn === null) return null;
  return {
    sendPath: Number(schedNs - sendNs),
    queue: Number(srcOut - schedNs),
    crossing: Number(dstIn - srcOut),
    turnaround: Number(dstOut - dstIn),
    crossingBack: Number(srcIn - dstOut),
    receivePath: Number(recvNs - srcIn),
  };
}

/** One TracedEcho per probe, in probe order. */
export function traceEchoes(probes: readonly Probe[], frames: readonly PointFrame[], id: number, tag: string | null): TracedEcho[] {
  const bySeq = pointsBySeq(frames, id, tag);
  return probes.map((p) => traceOne(p, bySeq.get(p.seq & 0xffff)));
}

export function traceOne(p: Probe, pts: Record<PointName, bigint | null> | undefined): TracedEcho {
  const points = pts ?? { srcOut: null, dstIn: null, dstOut: null, srcIn: null };
  return {
    seq: p.seq,
    sendNs: p.sendNs,
    schedNs: p.schedNs,
    recvNs: p.recvNs,
    points: { ...points },
    segments: segmentsOf(p.sendNs, p.schedNs, points, p.recvNs),
    rttNs: p.recvNs === null ? null : Number(p.recvNs - p.sendNs),
  };
}
