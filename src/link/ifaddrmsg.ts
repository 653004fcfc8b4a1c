// struct ifaddrmsg and the address messages built on it (RTM_NEWADDR/GETADDR/DELADDR):
// the layout, the writer of the fixed header, and the decoder of an address into AddrInfo.
import { IFA, IFA_CACHEINFO } from '../netlink/consts.js';
import { badMessage } from '../netlink/errors.js';
import { formatInet } from '../inet/addr.js';
import { AttrSet, type NlWriter } from '../netlink/nlattr.js';

/**
 * struct ifaddrmsg {
 *   __u8  ifa_family;
 *   __u8  ifa_prefixlen;  // the prefix length
 *   __u8  ifa_flags;      // IFA_F_* (the low 8 bits; IFA_FLAGS carries all 32)
 *   __u8  ifa_scope;      // RT_SCOPE_*
 *   __u32 ifa_index;      // link index
 * };
 */
export const IFADDRMSG = { size: 8, family: 0, prefixlen: 1, flags: 2, scope: 3, index: 4 } as const;

export interface IfAddrHeader {
  family: number;
  prefixlen?: number;
  flags?: number;
  scope?: number;
  index?: number;
}

export function putIfaddrmsg(w: NlWriter, h: IfAddrHeader): void {
  w.putU8(h.family).putU8(h.prefixlen ?? 0).putU8(h.flags ?? 0).putU8(h.scope ?? 0).putU32(h.index ?? 0);
}

/** struct ifa_cacheinfo: lifetimes in seconds (0xFFFFFFFF = forever), stamps in 1/100 s. */
export interface AddrCacheInfo {
  preferred: number;
  valid: number;
  cstamp: number;
  tstamp: number;
}

/** An address as the kernel reports it. */
export interface AddrInfo {
  family: number;
  prefixlen: number;
  /** IFA_F_*: IFA_FLAGS when present, else the header's 8 bits (as iproute2 get_ifa_flags). */
  flags: number;
  scope: number;
  index: number;
  local?: string;
  address?: string;
  label?: string;
  broadcast?: string;
  anycast?: string;
  cacheinfo?: AddrCacheInfo;
  /** IFA_RT_PRIORITY */
  metric?: number;
  proto?: number;
  unknown: { type: number; data: Uint8Array }[];
}

const KNOWN = new Set<number>([IFA.ADDRESS, IFA.LOCAL, IFA.LABEL, IFA.BROADCAST, IFA.ANYCAST, IFA.CACHEINFO, IFA.FLAGS, IFA.RT_PRIORITY, IFA.PROTO]);

/** Decode the payload of an RTM_NEWADDR message (ifaddrmsg + attributes). */
export function decodeAddr(payload: Buffer): AddrInfo {
  if (payload.length < IFADDRMSG.size) throw badMessage(`address message of ${payload.length} bytes (ifaddrmsg needs ${IFADDRMSG.size})`);
  const family = payload.readUInt8(IFADDRMSG.family);
  const at = AttrSet.parse(payload, IFADDRMSG.size, payload.length);
  const ip = (t: number) => {
    const d = at.get(t);
    return d ? formatInet(family, d) : undefined;
  };
  const ci = at.get(IFA.CACHEINFO);
  if (ci && ci.length < IFA_CACHEINFO.size) throw badMessage(`IFA_CACHEINFO of ${ci.length} bytes`);
  return {
    family,
    prefixlen: payload.readUInt8(IFADDRMSG.prefixlen),
    flags: at.u32(IFA.FLAGS) ?? payload.readUInt8(IFADDRMSG.flags),
    scope: payload.readUInt8(IFADDRMSG.scope),
    index: payload.readUInt32LE(IFADDRMSG.index),
    local: ip(IFA.LOCAL),
    address: ip(IFA.ADDRESS),
    label: at.str(IFA.LABEL),
    broadcast: ip(IFA.BROADCAST),
    anycast: ip(IFA.ANYCAST),
    cacheinfo: ci
      ? {
          preferred: ci.readUInt32LE(IFA_CACHEINFO.prefered),
          valid: ci.readUInt32LE(IFA_CACHEINFO.valid),
          cstamp: ci.readUInt32LE(IFA_CACHEINFO.cstamp),
          tstamp: ci.readUInt32LE(IFA_CACHEINFO.tstamp),
        }
      : undefined,
    metric: at.u32(IFA.RT_PRIORITY),
    proto: at.u8(IFA.PROTO),
    unknown: at.unknown(KNOWN).map((a) => ({ type: a.type, data: Uint8Array.from(a.data) })),
  };
}
