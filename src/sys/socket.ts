// The kernel's socket API as tables with explicit numbers and offsets: protocol levels,
// socket options, timestamping flags, the error-queue record, and the message structs
// (iovec, msghdr/mmsghdr, cmsghdr, sockaddr_in/in6, pollfd). LP64 Linux: the same on
// x86-64 and arm64 (asm-generic socket numbers). One copy for every folder.

export const IPPROTO_IP = 0;
export const IPPROTO_IPV6 = 41;
export const IP_TTL = 2;
/** ask for the TTL of each datagram as an IP_TTL control message */
export const IP_RECVTTL = 12;
export const IPV6_UNICAST_HOPS = 16;
export const IPV6_RECVHOPLIMIT = 51;
export const IPV6_HOPLIMIT = 52;

// linux/net_tstamp.h SOF_TIMESTAMPING_*
export const SOF_TIMESTAMPING = {
  TX_SOFTWARE: 1 << 1,
  /** a TX stamp as the packet enters the qdisc (ee_info SCM_TSTAMP_SCHED) */
  TX_SCHED: 1 << 8,
  RX_SOFTWARE: 1 << 3,
  SOFTWARE: 1 << 4,
  OPT_ID: 1 << 7,
  OPT_TSONLY: 1 << 11,
  /** report RX stamps only when RX generation is asked for (here: never; RX comes from SO_TIMESTAMPNS) */
  OPT_RX_FILTER: 1 << 17,
} as const;
/** SCM_TIMESTAMPING == SO_TIMESTAMPING (37): struct scm_timestamping { timespec ts[3]; } (48) */
export const SCM_TIMESTAMPING = 37;
export const SO_RCVTIMEO = 20;
// struct sock_extended_err { u32 ee_errno @0; u8 ee_origin @4; u8 ee_type @5; u8 ee_code @6;
//                            u8 ee_pad @7; u32 ee_info @8; u32 ee_data @12; }  (16)
export const SOCK_EE = { errno: 0, origin: 4, type: 5, code: 6, info: 8, data: 12, size: 16 } as const;
export const SO_EE_ORIGIN_TIMESTAMPING = 4;
/** sock_extended_err.ee_origin (linux/errqueue.h) */
export const SO_EE_ORIGIN = { LOCAL: 1, ICMP: 2, ICMP6: 3, TIMESTAMPING: 4 } as const;
/** ee_info of a TX stamp: which point of the send path took it (linux/errqueue.h) */
export const SCM_TSTAMP = { SND: 0, SCHED: 1 } as const;
export const SO_SNDTIMEO = 21;
export const IP_RECVERR = 11;
export const IPV6_RECVERR = 25;

// ---- socket message structs (LP64) ----
// struct iovec { void *iov_base @0; size_t iov_len @8; }  (16)
export const IOVEC = { base: 0, len: 8, size: 16 } as const;
// struct msghdr { void *msg_name @0; socklen_t msg_namelen @8; struct iovec *msg_iov @16;
//                 size_t msg_iovlen @24; void *msg_control @32; size_t msg_controllen @40; int msg_flags @48; }  (56)
// struct mmsghdr { struct msghdr msg_hdr @0; unsigned int msg_len @56; }  (64)
export const MMSGHDR = { name: 0, namelen: 8, iov: 16, iovlen: 24, control: 32, controllen: 40, flags: 48, len: 56, size: 64 } as const;
// struct cmsghdr { size_t cmsg_len @0; int cmsg_level @8; int cmsg_type @12; data @16 }
export const CMSG = { len: 0, level: 8, type: 12, data: 16 } as const;
// #define CMSG_ALIGN(len) (((len) + sizeof(long) - 1) & ~(sizeof(long) - 1))
export const cmsgAlign = (n: number): number => (n + 7) & ~7;
// struct sockaddr_in { u16 family @0; be16 port @2; in_addr addr @4; zero[8] }  (16)
// struct sockaddr_in6 { u16 family @0; be16 port @2; u32 flowinfo @4; in6_addr addr @8; u32 scope_id @24 }  (28)
export const SOCKADDR_IN = { family: 0, port: 2, addr: 4, size: 16 } as const;
export const SOCKADDR_IN6 = { family: 0, port: 2, flowinfo: 4, addr: 8, scopeId: 24, size: 28 } as const;
// struct pollfd { int fd @0; short events @4; short revents @6; }  (8)
export const POLLFD = { fd: 0, events: 4, revents: 6, size: 8 } as const;

