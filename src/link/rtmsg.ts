// struct rtmsg and struct ndmsg, and the route and neighbour messages built on them
// (RTM_NEWROUTE/DELROUTE/GETROUTE, RTM_NEWNEIGH/GETNEIGH): layouts, the writer of the route
// header, and decoders into RouteInfo and NeighInfo.
import { badMessage } from '../netlink/errors.js';
import { formatInet } from '../inet/addr.js';
import { AttrSet, type NlWriter } from '../netlink/nlattr.js';

/**
 * struct rtmsg {
 *   __u8 rtm_family; __u8 rtm_dst_len; __u8 rtm_src_len; __u8 rtm_tos;
 *   __u8 rtm_table;  __u8 rtm_protocol; __u8 rtm_scope; __u8 rtm_type;
 *   __u32 rtm_flags;
 * };
 */
export const RTMSG = { size: 12, family: 0, dstLen: 1, srcLen: 2, tos: 3, table: 4, protocol: 5, scope: 6, type: 7, flags: 8 } as const;

/** enum rtattr_type_t (the ones vping reads or writes) */
export const RTA = { DST: 1, SRC: 2, IIF: 3, OIF: 4, GATEWAY: 5, PRIORITY: 6, PREFSRC: 7, METRICS: 8, MULTIPATH: 9, TABLE: 15, PREF: 20 } as const;

/** rtm_type values */
export const RTN = {
  UNSPEC: 0, UNICAST: 1, LOCAL: 2, BROADCAST: 3, ANYCAST: 4, MULTICAST: 5, BLACKHOLE: 6, UNREACHABLE: 7, PROHIBIT: 8, THROW: 9, NAT: 10, XRESOLVE: 11,
} as const;
/** Names of route types as ip prints them (rtnl_rtntype_n2a). */
export const RTN_NAMES = ['none', 'unicast', 'local', 'broadcast', 'anycast', 'multicast', 'blackhole', 'unreachable', 'prohibit', 'throw', 'nat', 'xresolve'];

/** rtm_table: the main table (RT_TABLE_MAIN), the one `ip route` shows. */
export const RT_TABLE_MAIN = 254;
/** rtm_protocol of a route added by hand (`ip route add` without proto). */
export const RTPROT_BOOT = 3;

/** Header fields of a route request. */
export interface RtHeader {
  family: number;
  dstLen?: number;
  table?: number;
  protocol?: number;
  scope?: number;
  type?: number;
  flags?: number;
}

export function putRtmsg(w: NlWriter, h: RtHeader): void {
  w.putU8(h.family).putU8(h.dstLen ?? 0).putU8(0).putU8(0)
    .putU8(h.table ?? RT_TABLE_MAIN).putU8(h.protocol ?? 0).putU8(h.scope ?? 0).putU8(h.type ?? 0)
    .putU32(h.flags ?? 0);
}

/** A route as the kernel reports it. */
export interface RouteInfo {
  family: number;
  dstLen: number;
  table: number;
  protocol: number;
  scope: number;
  type: number;
  flags: number;
  dst?: string;
  gateway?: string;
  oif?: number;
  prefsrc?: string;
  priority?: number;
  /** RTA_PREF (IPv6 router preference): 0 medium, 1 high, 3 low */
  pref?: number;
  /** attributes vping does not print (metrics, multipath, …): their types */
  other: number[];
}

export function decodeRoute(payload: Buffer): RouteInfo {
  if (payload.length < RTMSG.size) throw badMessage(`route message of ${payload.length} bytes (rtmsg needs ${RTMSG.size})`);
  const family = payload.readUInt8(RTMSG.family);
  const at = AttrSet.parse(payload, RTMSG.size, payload.length);
  const ip = (t: number) => {
    const d = at.get(t);
    return d ? formatInet(family, d) : undefined;
  };
  const known = new Set<number>([RTA.DST, RTA.OIF, RTA.GATEWAY, RTA.PRIORITY, RTA.PREFSRC, RTA.TABLE, RTA.PREF, 12 /* RTA_CACHEINFO */]);
  return {
    family,
    dstLen: payload.readUInt8(RTMSG.dstLen),
    table: at.u32(RTA.TABLE) ?? payload.readUInt8(RTMSG.table),
    protocol: payload.readUInt8(RTMSG.protocol),
    scope: payload.readUInt8(RTMSG.scope),
    type: payload.readUInt8(RTMSG.type),
    flags: payload.readUInt32LE(RTMSG.flags),
    dst: ip(RTA.DST),
    gateway: ip(RTA.GATEWAY),
    oif: at.u32(RTA.OIF),
    prefsrc: ip(RTA.PREFSRC),
    priority: at.u32(RTA.PRIORITY),
    pref: at.u8(RTA.PREF),
    other: at.unknown(known).map((a) => a.type),
  };
}

/**
 * struct ndmsg {
 *   __u8 ndm_family; __u8 ndm_pad1; __u16 ndm_pad2;
 *   __s32 ndm_ifindex; __u16 ndm_state; __u8 ndm_flags; __u8 ndm_type;
 * };
 */
export const NDMSG = { size: 12, family: 0, ifindex: 4, state: 8, flags: 10, type: 11 } as const;
/** NDA_* attributes */
export const NDA = { DST: 1, LLADDR: 2, PROBES: 4 } as const;
/** NUD_* states, in the order ip prints them */
export const NUD: [string, number][] = [
  ['INCOMPLETE', 0x01], ['REACHABLE', 0x02], ['STALE', 0x04], ['DELAY', 0x08], ['PROBE', 0x10], ['FAILED', 0x20], ['NOARP', 0x40], ['PERMANENT', 0x80],
];
/** NTF_* flags */
export const NTF = { PROXY: 0x08, EXT_LEARNED: 0x10, OFFLOADED: 0x20, ROUTER: 0x80 } as const;

export function putNdmsg(w: NlWriter, family: number): void {
  w.putU8(family).putU8(0).putU16(0).putU32(0).putU16(0).putU8(0).putU8(0);
}

/** A neighbour (ARP or NDP) entry. */
export interface NeighInfo {
  family: number;
  ifindex: number;
  state: number;
  flags: number;
  dst?: string;
  lladdr?: string;
}

export function decodeNeigh(payload: Buffer): NeighInfo {
  if (payload.length < NDMSG.size) throw badMessage(`neighbour message of ${payload.length} bytes (ndmsg needs ${NDMSG.size})`);
  const family = payload.readUInt8(NDMSG.family);
  const at = AttrSet.parse(payload, NDMSG.size, payload.length);
  const dst = at.get(NDA.DST);
  const ll = at.get(NDA.LLADDR);
  return {
    family,
    ifindex: payload.readInt32LE(NDMSG.ifindex),
    state: payload.readUInt16LE(NDMSG.state),
    flags: payload.readUInt8(NDMSG.flags),
    dst: dst ? formatInet(family, dst) : undefined,
    lladdr: ll ? [...ll].map((b) => b.toString(16).padStart(2, '0')).join(':') : undefined,
  };
}
