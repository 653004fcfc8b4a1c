// Wire layouts and kernel constants the ICMP engine uses, as tables with explicit numbers
// (x86-64 Linux uapi; network byte order on the wire, host order in the structs).

// ---- ICMP (RFC 792) / ICMPv6 (RFC 4443) ----
// struct icmphdr { u8 type @0; u8 code @1; u16 checksum @2; u16 id @4; u16 sequence @6; }  (8)
export const ICMP_HDR = { type: 0, code: 1, checksum: 2, id: 4, seq: 6, size: 8 } as const;

/** ICMPv4 types (linux/icmp.h). */
export const ICMP = {
  ECHOREPLY: 0,
  DEST_UNREACH: 3,
  SOURCE_QUENCH: 4,
  REDIRECT: 5,
  ECHO: 8,
  TIME_EXCEEDED: 11,
  PARAMETERPROB: 12,
} as const;

/** ICMPv6 types (linux/icmpv6.h). */
export const ICMPV6 = {
  DEST_UNREACH: 1,
  PKT_TOOBIG: 2,
  TIME_EXCEED: 3,
  PARAMPROB: 4,
  ECHO_REQUEST: 128,
  ECHO_REPLY: 129,
} as const;

// struct iphdr { u8 version:4,ihl:4 @0; u8 tos @1; u16 tot_len @2; u16 id @4; u16 frag_off @6;
//                u8 ttl @8; u8 protocol @9; u16 check @10; u32 saddr @12; u32 daddr @16; }  (20..60)
export const IP_HDR = { verIhl: 0, totLen: 2, ttl: 8, protocol: 9, saddr: 12, daddr: 16, minSize: 20 } as const;
// struct ipv6hdr { ... u8 hop_limit @7; in6_addr saddr @8; in6_addr daddr @24; }  (40)
export const IP6_HDR = { nexthdr: 6, hopLimit: 7, saddr: 8, daddr: 24, size: 40 } as const;

export const IPPROTO_ICMP = 1;
export const IPPROTO_ICMPV6 = 58;
export const SOL_RAW = 255;
// #define ICMP_FILTER 1  (linux/icmp.h: struct icmp_filter { u32 data; } — a set bit BLOCKS the type)
export const ICMP_FILTER = 1;
// #define ICMP6_FILTER 1  (struct icmp6_filter { u32 data[8]; } — a set bit BLOCKS the type)
export const ICMP6_FILTER = 1;
/** Payload layout vping writes after the ICMP header (when datalen allows). */
export const PAYLOAD = {
  /** u32 seconds, u32 nanoseconds of CLOCK_MONOTONIC at send (host order); like ping's timeval. */
  time: 0,
  /** 8 random bytes, one value per run: replies carrying another tag are someone else's. */
  tag: 8,
  /** payload bytes needed for timing (as iputils: sizeof(struct timeval)). */
  timingMin: 16,
  /** payload bytes needed for the tag. */
  tagMin: 16,
} as const;

export const MAX_DATALEN_V4 = 65507;
export const MAX_DATALEN_V6 = 65527;
