// What every protocol printer shares while one frame is printed: the bytes, the options
// (tcpdump's -e, -v, -X), the per-capture TCP sequence table, and the text so far.
import { Bytes } from './bytes.js';

export interface PrintOptions {
  /** -e: the link-level header on every line. */
  link?: boolean;
  /** -v count (0, 1, 2…): -v adds the IP header fields and checksums. */
  verbose?: number;
  /** 0 none, 1 -X (from the network header), 2 -XX (from the link header). */
  hex?: 0 | 1 | 2;
  /** -S: absolute TCP sequence numbers. */
  absoluteSeq?: boolean;
}

/** The addresses of one TCP conversation and its initial sequence numbers (print-tcp.c tha/tcp_seq_hash). */
export interface TcpSeqEntry {
  seq: number;
  ack: number;
}

export class Ctx {
  s = '';
  constructor(
    readonly bytes: Bytes,
    readonly opts: PrintOptions,
    readonly tcpSeq: Map<string, TcpSeqEntry>,
  ) {}
  get b(): Uint8Array {
    return this.bytes.b;
  }
  get v(): number {
    return this.opts.verbose ?? 0;
  }
  get e(): boolean {
    return this.opts.link ?? false;
  }
  p(text: string): void {
    this.s += text;
  }
}

/** What the network layer tells the transport printers (print-ip.c passes `ip` and `fragmented`). */
export interface IpInfo {
  version: 4 | 6;
  /** Offset of the IP header (for the pseudo-header). */
  hdr: number;
  /** Offsets of the source and destination addresses (4 or 16 bytes). */
  src: number;
  dst: number;
  /** Offset of the final destination, where a routing header names one: the pseudo-header's (tcpdump's ip6_finddst). */
  cksumDst?: number;
  fragmented: boolean;
}
