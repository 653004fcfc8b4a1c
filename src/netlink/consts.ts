// rtnetlink numbers, as tables with explicit values. Each table names the kernel header
// it mirrors; a value is never implied by its position in a list (x86-64 Linux uapi).

// include/uapi/linux/netlink.h
export const NETLINK_ROUTE = 0;
export const SOL_NETLINK = 270;
/** setsockopt(SOL_NETLINK, ...) */
export const NETLINK_OPT = {
  /** NETLINK_CAP_ACK: do not echo the request payload in error acks */
  CAP_ACK: 10,
  /** NETLINK_EXT_ACK: extended acks (text message, offset of the bad attribute) */
  EXT_ACK: 11,
  /** NETLINK_GET_STRICT_CHK: strict checking of dump requests */
  GET_STRICT_CHK: 12,
} as const;

/** struct nlmsghdr { __u32 nlmsg_len; __u16 nlmsg_type; __u16 nlmsg_flags; __u32 nlmsg_seq; __u32 nlmsg_pid; }; */
export const NLMSGHDR = { size: 16, len: 0, type: 4, flags: 6, seq: 8, pid: 12 } as const;

/** Control message types (NLMSG_NOOP ... NLMSG_OVERRUN). */
export const NLMSG = {
  NOOP: 1,
  ERROR: 2,
  DONE: 3,
  OVERRUN: 4,
} as const;

/** nlmsg_flags (NLM_F_*). */
export const NLM_F = {
  REQUEST: 0x1,
  MULTI: 0x2,
  ACK: 0x4,
  ECHO: 0x8,
  DUMP_INTR: 0x10,
  DUMP_FILTERED: 0x20,
  // modifiers to GET requests
  ROOT: 0x100,
  MATCH: 0x200,
  ATOMIC: 0x400,
  DUMP: 0x300,
  // modifiers to NEW requests
  REPLACE: 0x100,
  EXCL: 0x200,
  CREATE: 0x400,
  APPEND: 0x800,
  // flags of an NLMSG_ERROR ack
  CAPPED: 0x100,
  ACK_TLVS: 0x200,
} as const;

/** struct nlmsgerr { int error; struct nlmsghdr msg; ... TLVs }; */
export const NLMSGERR = { error: 0, msg: 4, minSize: 20 } as const;

/** enum nlmsgerr_attrs */
export const NLMSGERR_ATTR = {
  MSG: 1,
  OFFS: 2,
  COOKIE: 3,
  POLICY: 4,
  MISS_TYPE: 5,
  MISS_NEST: 6,
} as const;

/** struct nlattr { __u16 nla_len; __u16 nla_type; }; (struct rtattr is the same) */
export const NLATTR = { size: 4, len: 0, type: 2 } as const;
export const NLA_F_NESTED = 0x8000;
export const NLA_F_NET_BYTEORDER = 0x4000;
/** #define NLA_TYPE_MASK ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) */
export const NLA_TYPE_MASK = 0x3fff;

// include/uapi/linux/rtnetlink.h
export const RTM = {
  NEWLINK: 16,
  DELLINK: 17,
  GETLINK: 18,
  SETLINK: 19,
  NEWADDR: 20,
  DELADDR: 21,
  GETADDR: 22,
  NEWROUTE: 24,
  DELROUTE: 25,
  GETROUTE: 26,
  NEWNEIGH: 28,
  DELNEIGH: 29,
  GETNEIGH: 30,
  NEWNSID: 88,
  DELNSID: 89,
  GETNSID: 90,
} as const;

/** RTEXT_FILTER_* for IFLA_EXT_MASK */
export const RTEXT_FILTER = {
  VF: 1 << 0,
  BRVLAN: 1 << 1,
  BRVLAN_COMPRESSED: 1 << 2,
  SKIP_STATS: 1 << 3,
} as const;

/** enum rt_scope_t */
export const RT_SCOPE = {
  UNIVERSE: 0,
  SITE: 200,
  LINK: 253,
  HOST: 254,
  NOWHERE: 255,
} as const;

/** struct rtgenmsg { unsigned char rtgen_family; }; padded to 4 in requests */
export const RTGENMSG = { size: 4, family: 0 } as const;

// include/uapi/linux/if_link.h
/** enum IFLA_* (link attributes) */
export const IFLA = {
  UNSPEC: 0,
  ADDRESS: 1,
  BROADCAST: 2,
  IFNAME: 3,
  MTU: 4,
  LINK: 5,
  QDISC: 6,
  STATS: 7,
  COST: 8,
  PRIORITY: 9,
  MASTER: 10,
  WIRELESS: 11,
  PROTINFO: 12,
  TXQLEN: 13,
  MAP: 14,
  WEIGHT: 15,
  OPERSTATE: 16,
  LINKMODE: 17,
  LINKINFO: 18,
  NET_NS_PID: 19,
  IFALIAS: 20,
  NUM_VF: 21,
  VFINFO_LIST: 22,
  STATS64: 23,
  VF_PORTS: 24,
  PORT_SELF: 25,
  AF_SPEC: 26,
  GROUP: 27,
  NET_NS_FD: 28,
  EXT_MASK: 29,
  PROMISCUITY: 30,
  NUM_TX_QUEUES: 31,
  NUM_RX_QUEUES: 32,
  CARRIER: 33,
  PHYS_PORT_ID: 34,
  CARRIER_CHANGES: 35,
  PHYS_SWITCH_ID: 36,
  LINK_NETNSID: 37,
  PHYS_PORT_NAME: 38,
  PROTO_DOWN: 39,
  GSO_MAX_SEGS: 40,
  GSO_MAX_SIZE: 41,
  PAD: 42,
  XDP: 43,
  EVENT: 44,
  NEW_NETNSID: 45,
  TARGET_NETNSID: 46,
  CARRIER_UP_COUNT: 47,
  CARRIER_DOWN_COUNT: 48,
  NEW_IFINDEX: 49,
  MIN_MTU: 50,
  MAX_MTU: 51,
  PROP_LIST: 52,
  ALT_IFNAME: 53,
  PERM_ADDRESS: 54,
  PROTO_DOWN_REASON: 55,
  PARENT_DEV_NAME: 56,
  PARENT_DEV_BUS_NAME: 57,
  GRO_MAX_SIZE: 58,
  TSO_MAX_SIZE: 59,
  TSO_MAX_SEGS: 60,
  ALLMULTI: 61,
} as const;

/** enum IFLA_INFO_* (inside IFLA_LINKINFO) */
export const IFLA_INFO = {
  UNSPEC: 0,
  KIND: 1,
  DATA: 2,
  XSTATS: 3,
  SLAVE_KIND: 4,
  SLAVE_DATA: 5,
} as const;

// include/uapi/linux/if_link.h
/** IFLA_MACVLAN_* (inside IFLA_INFO_DATA of kind "macvlan") and the modes of IFLA_MACVLAN_MODE */
export const IFLA_MACVLAN = { MODE: 1 } as const;
export const MACVLAN_MODE = { private: 1, vepa: 2, bridge: 4, passthru: 8, source: 16 } as const;
/** IFLA_VLAN_* (inside IFLA_INFO_DATA of kind "vlan") */
export const IFLA_VLAN = { ID: 1 } as const;
/** IFLA_VXLAN_* (inside IFLA_INFO_DATA of kind "vxlan"): GROUP carries `remote` too, as ip sends it */
export const IFLA_VXLAN = { ID: 1, GROUP: 2, LINK: 3, LOCAL: 4, TTL: 5, LEARNING: 7, PORT: 15, GROUP6: 16, LOCAL6: 17 } as const;

// include/uapi/linux/veth.h
/** enum VETH_INFO_* (inside IFLA_INFO_DATA of kind "veth") */
export const VETH_INFO = {
  UNSPEC: 0,
  PEER: 1,
} as const;

// include/uapi/linux/if_addr.h
/** enum IFA_* (address attributes) */
export const IFA = {
  UNSPEC: 0,
  ADDRESS: 1,
  LOCAL: 2,
  LABEL: 3,
  BROADCAST: 4,
  ANYCAST: 5,
  CACHEINFO: 6,
  MULTICAST: 7,
  FLAGS: 8,
  RT_PRIORITY: 9,
  TARGET_NETNSID: 10,
  PROTO: 11,
} as const;

/** IFA_F_* address flags */
export const IFA_F = {
  SECONDARY: 0x01,
  NODAD: 0x02,
  OPTIMISTIC: 0x04,
  DADFAILED: 0x08,
  HOMEADDRESS: 0x10,
  DEPRECATED: 0x20,
  TENTATIVE: 0x40,
  PERMANENT: 0x80,
  MANAGETEMPADDR: 0x100,
  NOPREFIXROUTE: 0x200,
  MCAUTOJOIN: 0x400,
  STABLE_PRIVACY: 0x800,
} as const;

/** struct ifa_cacheinfo { __u32 ifa_prefered; __u32 ifa_valid; __u32 cstamp; __u32 tstamp; }; */
export const IFA_CACHEINFO = { size: 16, prefered: 0, valid: 4, cstamp: 8, tstamp: 12 } as const;
/** #define INFINITY_LIFE_TIME 0xFFFFFFFFU */
export const INFINITY_LIFE_TIME = 0xffffffff;

// include/uapi/linux/net_namespace.h
/** enum NETNSA_* */
export const NETNSA = {
  NONE: 0,
  NSID: 1,
  PID: 2,
  FD: 3,
  TARGET_NSID: 4,
  CURRENT_NSID: 5,
} as const;
/** #define NETNSA_NSID_NOT_ASSIGNED -1 */
export const NETNSA_NSID_NOT_ASSIGNED = -1;

// include/uapi/linux/if.h
/** enum net_device_flags (IFF_*) */
export const IFF = {
  UP: 0x1,
  BROADCAST: 0x2,
  DEBUG: 0x4,
  LOOPBACK: 0x8,
  POINTOPOINT: 0x10,
  NOTRAILERS: 0x20,
  RUNNING: 0x40,
  NOARP: 0x80,
  PROMISC: 0x100,
  ALLMULTI: 0x200,
  MASTER: 0x400,
  SLAVE: 0x800,
  MULTICAST: 0x1000,
  PORTSEL: 0x2000,
  AUTOMEDIA: 0x4000,
  DYNAMIC: 0x8000,
  LOWER_UP: 0x10000,
  DORMANT: 0x20000,
  ECHO: 0x40000,
} as const;

/** IF_OPER_* (RFC 2863 operational states), indexed by value */
export const IF_OPER = {
  UNKNOWN: 0,
  NOTPRESENT: 1,
  DOWN: 2,
  LOWERLAYERDOWN: 3,
  TESTING: 4,
  DORMANT: 5,
  UP: 6,
} as const;

/** #define IFNAMSIZ 16 (with the NUL) */
export const IFNAMSIZ = 16;

// include/uapi/linux/if_arp.h: the ARPHRD_* names ip prints after `link/` (iproute2 lib/ll_types.c);
// a type missing here prints as `[N]`, as ip does.
export const ARPHRD_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'netrom'],
  [1, 'ether'],
  [2, 'eether'],
  [3, 'ax25'],
  [4, 'pronet'],
  [5, 'chaos'],
  [6, 'ieee802'],
  [7, 'arcnet'],
  [8, 'atalk'],
  [15, 'dlci'],
  [19, 'atm'],
  [23, 'metricom'],
  [24, 'ieee1394'],
  [27, 'eui64'],
  [32, 'infiniband'],
  [256, 'slip'],
  [257, 'cslip'],
  [258, 'slip6'],
  [259, 'cslip6'],
  [260, 'rsrvd'],
  [264, 'adapt'],
  [270, 'rose'],
  [271, 'x25'],
  [272, 'hwx25'],
  [280, 'can'],
  [512, 'ppp'],
  [513, 'hdlc'],
  [516, 'lapb'],
  [517, 'ddcmp'],
  [518, 'rawhdlc'],
  [519, 'rawip'],
  [768, 'ipip'],
  [769, 'tunnel6'],
  [770, 'frad'],
  [771, 'skip'],
  [772, 'loopback'],
  [773, 'ltalk'],
  [774, 'fddi'],
  [775, 'bif'],
  [776, 'sit'],
  [777, 'ip/ddp'],
  [778, 'gre'],
  [779, 'pimreg'],
  [780, 'hippi'],
  [781, 'ash'],
  [782, 'econet'],
  [783, 'irda'],
  [784, 'fcpp'],
  [785, 'fcal'],
  [786, 'fcpl'],
  [787, 'fcfb0'],
  [800, 'tr'],
  [801, 'ieee802.11'],
  [802, 'ieee802.11/prism'],
  [803, 'ieee802.11/radiotap'],
  [804, 'ieee802.15.4'],
  [805, 'ieee802.15.4/monitor'],
  [820, 'phonet'],
  [821, 'phonet_pipe'],
  [822, 'caif'],
  [823, 'gre6'],
  [824, 'netlink'],
  [825, '6lowpan'],
  [0xfffe, 'none'],
  [0xffff, 'void'],
]);
export const ARPHRD_ETHER = 1;
export const ARPHRD_LOOPBACK = 772;
