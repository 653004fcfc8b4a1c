// AF_PACKET and TPACKET_V3 layouts (linux/if_packet.h, x86-64), as tables.

// #define SOL_PACKET 263 and its options
export const SOL_PACKET = 263;
export const PACKET = { RX_RING: 5, STATISTICS: 6, AUXDATA: 8, VERSION: 10, RESERVE: 12, IGNORE_OUTGOING: 23 } as const;
export const TPACKET_V3 = 2;
// #define ETH_P_ALL 0x0003
export const ETH_P_ALL = 0x0003;
export const SO_ERROR = 4;

// sll_pkttype: PACKET_HOST 0, BROADCAST 1, MULTICAST 2, OTHERHOST 3, OUTGOING 4
export const PACKET_TYPE = { HOST: 0, BROADCAST: 1, MULTICAST: 2, OTHERHOST: 3, OUTGOING: 4 } as const;

// struct sockaddr_ll (20): family u16 @0, protocol be16 @2, ifindex s32 @4, hatype u16 @8,
// pkttype u8 @10, halen u8 @11, addr[8] @12
export const SLL = { FAMILY: 0, PROTOCOL: 2, IFINDEX: 4, HATYPE: 8, PKTTYPE: 10, HALEN: 11, ADDR: 12, SIZE: 20 } as const;

// struct tpacket_req3 (28): block_size @0, block_nr @4, frame_size @8, frame_nr @12,
// retire_blk_tov @16 (ms), sizeof_priv @20, feature_req_word @24
export const REQ3 = { BLOCK_SIZE: 0, BLOCK_NR: 4, FRAME_SIZE: 8, FRAME_NR: 12, RETIRE_TOV: 16, SIZEOF_PRIV: 20, FEATURE: 24, SIZE: 28 } as const;

// struct tpacket_block_desc (48): version u32 @0, offset_to_priv u32 @4, then
// struct tpacket_hdr_v1 @8: block_status @8, num_pkts @12, offset_to_first_pkt @16,
// blk_len @20, seq_num u64 @24, ts_first_pkt @32, ts_last_pkt @40
export const BLOCK = { VERSION: 0, OFFSET_TO_PRIV: 4, STATUS: 8, NUM_PKTS: 12, FIRST_PKT: 16, BLK_LEN: 20, SEQ: 24, TS_FIRST: 32, TS_LAST: 40, SIZE: 48 } as const;

// struct tpacket3_hdr (48): next_offset @0, sec @4, nsec @8, snaplen @12, len @16,
// status @20, mac u16 @24, net u16 @26, hv1 {rxhash @28, vlan_tci @32, vlan_tpid u16 @36};
// struct sockaddr_ll follows at TPACKET_ALIGN(48) = 48
export const TP3 = { NEXT: 0, SEC: 4, NSEC: 8, SNAPLEN: 12, LEN: 16, STATUS: 20, MAC: 24, NET: 26, RXHASH: 28, VLAN_TCI: 32, VLAN_TPID: 36, SLL: 48 } as const;

// #define TP_STATUS_*
export const TP_STATUS = { KERNEL: 0, USER: 1, COPY: 2, LOSING: 4, CSUMNOTREADY: 8, VLAN_VALID: 0x10, BLK_TMO: 0x20, VLAN_TPID_VALID: 0x40 } as const;

// struct tpacket_stats_v3 (12): packets @0, drops @4, freeze_q_cnt @8
export const STATS3 = { PACKETS: 0, DROPS: 4, FREEZE: 8, SIZE: 12 } as const;

// struct sock_fprog (16): len u16 @0, filter ptr @8
export const FPROG = { LEN: 0, FILTER: 8, SIZE: 16 } as const;
