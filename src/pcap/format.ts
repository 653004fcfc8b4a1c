// pcap and pcapng layouts (pcap-savefile(5), draft-ietf-opsawg-pcapng), as tables.

// struct pcap_file_header: magic u32 @0, version_major u16 @4, version_minor u16 @6,
// thiszone s32 @8, sigfigs u32 @12, snaplen u32 @16, linktype u32 @20
export const PCAP_HDR = { MAGIC: 0, VMAJOR: 4, VMINOR: 6, THISZONE: 8, SIGFIGS: 12, SNAPLEN: 16, LINKTYPE: 20, SIZE: 24 } as const;
// struct pcap_sf_pkthdr: ts_sec u32 @0, ts_usec|ts_nsec u32 @4, caplen u32 @8, len u32 @12
export const PCAP_REC = { SEC: 0, FRAC: 4, CAPLEN: 8, LEN: 12, SIZE: 16 } as const;
export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;

// pcapng block types
export const BT = { SHB: 0x0a0d0d0a, IDB: 1, PB: 2, SPB: 3, NRB: 4, ISB: 5, EPB: 6, DSB: 0x0000000a } as const;
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
// Section Header Block: type @0, total len @4, byte-order magic @8, major u16 @12,
// minor u16 @14, section length s64 @16, options @24
export const SHB = { BOM: 8, MAJOR: 12, MINOR: 14, SECLEN: 16, OPTS: 24 } as const;
// Interface Description Block: linktype u16 @8, reserved u16 @10, snaplen u32 @12, options @16
export const IDB = { LINKTYPE: 8, RESERVED: 10, SNAPLEN: 12, OPTS: 16 } as const;
// Enhanced Packet Block: interface id @8, ts high @12, ts low @16, caplen @20, origlen @24, data @28
export const EPB = { IFID: 8, TSHIGH: 12, TSLOW: 16, CAPLEN: 20, ORIGLEN: 24, DATA: 28 } as const;
// Simple Packet Block: origlen @8, data @12
export const SPB = { ORIGLEN: 8, DATA: 12 } as const;
// (obsolete) Packet Block: interface id u16 @8, drops u16 @10, ts high @12, ts low @16, caplen @20, len @24, data @28
export const PB = { IFID: 8, TSHIGH: 12, TSLOW: 16, CAPLEN: 20, ORIGLEN: 24, DATA: 28 } as const;
// Interface Statistics Block: interface id @8, ts high @12, ts low @16, options @20
export const ISB = { IFID: 8, TSHIGH: 12, TSLOW: 16, OPTS: 20 } as const;

// option codes
export const OPT = { ENDOFOPT: 0, COMMENT: 1 } as const;
export const IF_OPT = { NAME: 2, DESCRIPTION: 3, TSRESOL: 9, FILTER: 11, OS: 12, TSOFFSET: 14 } as const;
export const EPB_OPT = { FLAGS: 2, DROPCOUNT: 4 } as const;
export const ISB_OPT = { STARTTIME: 2, ENDTIME: 3, IFRECV: 4, IFDROP: 5, FILTERACCEPT: 6, OSDROP: 7, USRDELIV: 8 } as const;
export const SHB_OPT = { HARDWARE: 2, OS: 3, USERAPPL: 4 } as const;

/** epb_flags bits 0-1: inbound/outbound. */
export const EPB_DIR = { UNKNOWN: 0, INBOUND: 1, OUTBOUND: 2 } as const;

export const pad4 = (n: number): number => (n + 3) & ~3;

/** The largest caplen libpcap accepts (MAXIMUM_SNAPLEN). */
export const MAX_SNAPLEN = 262144;
