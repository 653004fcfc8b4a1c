// struct ifinfomsg and the link messages built on it (RTM_NEWLINK/GETLINK/DELLINK):
// the layout, the writer of the fixed header, and the decoder of a link into LinkInfo.
import { IFLA, IFLA_INFO } from '../netlink/consts.js';
import { badMessage } from '../netlink/errors.js';
import { formatLinkAddr } from '../inet/addr.js';
import { AttrSet, type NlAttr, type NlWriter } from '../netlink/nlattr.js';
import type { NlMessage } from '../netlink/nlmsg.js';

/**
 * struct ifinfomsg {
 *   unsigned char  ifi_family;
 *   unsigned char  __ifi_pad;
 *   unsigned short ifi_type;    // ARPHRD_*
 *   int            ifi_index;
 *   unsigned       ifi_flags;   // IFF_*
 *   unsigned       ifi_change;  // IFF_* change mask
 * };
 */
export const IFINFOMSG = { size: 16, family: 0, pad: 1, type: 2, index: 4, flags: 8, change: 12 } as const;

export interface IfInfoHeader {
  family?: number;
  type?: number;
  index?: number;
  flags?: number;
  change?: number;
}

/** Write a struct ifinfomsg at the end of `w`. */
export function putIfinfomsg(w: NlWriter, h: IfInfoHeader = {}): void {
  w.putU8(h.family ?? 0).putU8(0).putU16(h.type ?? 0).putI32(h.index ?? 0).putU32(h.flags ?? 0).putU32(h.change ?? 0);
}

/** A link as the kernel reports it. Absent attributes stay undefined. */
export interface LinkInfo {
  index: number;
  name: string;
  /** ARPHRD_* (1 ether, 772 loopback). */
  type: number;
  family: number;
  /** IFF_* */
  flags: number;
  mtu?: number;
  qdisc?: string;
  /** IF_OPER_* (6 up, 2 down). */
  operstate?: number;
  linkmode?: number;
  txqlen?: number;
  group?: number;
  master?: number;
  /** Link-layer address as ip prints it (`aa:bb:...`). */
  address?: string;
  broadcast?: string;
  permAddress?: string;
  /** IFLA_LINK: for a veth, the peer's ifindex (in the peer's namespace when linkNetnsid is set). */
  link?: number;
  /** IFLA_LINK_NETNSID: the nsid, as seen from here, of the namespace `link` lives in. */
  linkNetnsid?: number;
  /** IFLA_INFO_KIND: `veth`, `dummy`, ... */
  kind?: string;
  ifalias?: string;
  altnames: string[];
  promiscuity?: number;
  allmulti?: number;
  minMtu?: number;
  maxMtu?: number;
  numTxQueues?: number;
  numRxQueues?: number;
  carrier?: number;
  protoDown?: number;
  /** IFLA_STATS64, when the dump asked for statistics (`ip -s`) */
  stats64?: LinkStats64;
  /** Attributes this decoder does not interpret, copied raw. */
  unknown: { type: number; data: Uint8Array }[];
}

/** struct rtnl_link_stats64 (the fields `ip -s` prints), counters since the link was made. */
export interface LinkStats64 {
  rxPackets: number; txPackets: number; rxBytes: number; txBytes: number;
  rxErrors: number; txErrors: number; rxDropped: number; txDropped: number;
  multicast: number; collisions: number;
  rxOverErrors: number; rxMissedErrors: number; txCarrierErrors: number;
  rxCompressed: number; txCompressed: number; rxNohandler: number;
}

/** The u64 fields of struct rtnl_link_stats64 by position (uapi linux/if_link.h). */
const STATS64 = {
  rxPackets: 0, txPackets: 1, rxBytes: 2, txBytes: 3, rxErrors: 4, txErrors: 5, rxDropped: 6, txDropped: 7, multicast: 8, collisions: 9,
  rxOverErrors: 11, rxMissedErrors: 15, txCarrierErrors: 17, rxCompressed: 21, txCompressed: 22, rxNohandler: 23,
} as const;

function decodeStats64(d: Buffer | undefined): LinkStats64 | undefined {
  if (!d || d.length < 8 * 23) return undefined;
  const out = {} as LinkStats64;
  for (const [k, i] of Object.entries(STATS64) as [keyof LinkStats64, number][]) out[k] = 8 * (i + 1) <= d.length ? Number(d.readBigUInt64LE(8 * i)) : 0;
  return out;
}

const KNOWN = new Set<number>([
  IFLA.ADDRESS, IFLA.BROADCAST, IFLA.IFNAME, IFLA.MTU, IFLA.LINK, IFLA.QDISC, IFLA.MASTER, IFLA.TXQLEN,
  IFLA.OPERSTATE, IFLA.LINKMODE, IFLA.LINKINFO, IFLA.IFALIAS, IFLA.GROUP, IFLA.PROMISCUITY,
  IFLA.NUM_TX_QUEUES, IFLA.NUM_RX_QUEUES, IFLA.CARRIER, IFLA.LINK_NETNSID, IFLA.PROTO_DOWN,
  IFLA.MIN_MTU, IFLA.MAX_MTU, IFLA.PROP_LIST, IFLA.PERM_ADDRESS, IFLA.ALLMULTI, IFLA.STATS, IFLA.STATS64,
]);

const copyRaw = (a: NlAttr) => ({ type: a.type, data: Uint8Array.from(a.data) });

/** Decode the payload of an RTM_NEWLINK message (ifinfomsg + attributes). */
export function decodeLink(payload: Buffer): LinkInfo {
  if (payload.length < IFINFOMSG.size) throw badMessage(`link message of ${payload.length} bytes (ifinfomsg needs ${IFINFOMSG.size})`);
  const at = AttrSet.parse(payload, IFINFOMSG.size, payload.length);
  const type = payload.readUInt16LE(IFINFOMSG.type);
  const index = payload.readInt32LE(IFINFOMSG.index);
  const ll = (t: number) => {
    const d = at.get(t);
    return d ? formatLinkAddr(d, type) : undefined;
  };
  const info = at.nested(IFLA.LINKINFO);
  const altnames: string[] = [];
  const props = at.get(IFLA.PROP_LIST);
  if (props) {
    for (const a of AttrSet.parse(props).list) {
      if (a.type === IFLA.ALT_IFNAME) {
        const nul = a.data.indexOf(0);
        altnames.push(a.data.toString('utf8', 0, nul < 0 ? a.data.length : nul));
      }
    }
  }
  return {
    index,
    name: at.str(IFLA.IFNAME) ?? `if${index}`,
    type,
    family: payload.readUInt8(IFINFOMSG.family),
    flags: payload.readUInt32LE(IFINFOMSG.flags),
    mtu: at.u32(IFLA.MTU),
    qdisc: at.str(IFLA.QDISC),
    operstate: at.u8(IFLA.OPERSTATE),
    linkmode: at.u8(IFLA.LINKMODE),
    txqlen: at.u32(IFLA.TXQLEN),
    group: at.u32(IFLA.GROUP),
    master: at.u32(IFLA.MASTER),
    address: ll(IFLA.ADDRESS),
    broadcast: ll(IFLA.BROADCAST),
    permAddress: ll(IFLA.PERM_ADDRESS),
    link: at.u32(IFLA.LINK),
    linkNetnsid: at.s32(IFLA.LINK_NETNSID),
    kind: info?.str(IFLA_INFO.KIND),
    ifalias: at.str(IFLA.IFALIAS),
    altnames,
    promiscuity: at.u32(IFLA.PROMISCUITY),
    allmulti: at.u32(IFLA.ALLMULTI),
    minMtu: at.u32(IFLA.MIN_MTU),
    maxMtu: at.u32(IFLA.MAX_MTU),
    numTxQueues: at.u32(IFLA.NUM_TX_QUEUES),
    numRxQueues: at.u32(IFLA.NUM_RX_QUEUES),
    carrier: at.u8(IFLA.CARRIER),
    protoDown: at.u8(IFLA.PROTO_DOWN),
    stats64: decodeStats64(at.get(IFLA.STATS64)),
    unknown: at.unknown(KNOWN).map(copyRaw),
  };
}

/** Decode a whole RTM_NEWLINK message. */
export function decodeLinkMessage(m: NlMessage): LinkInfo {
  return decodeLink(m.payload);
}
