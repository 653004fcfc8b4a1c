// One frame → the text tcpdump -n prints for it: timestamp, optional interface and
// direction (as `tcpdump -i any`), the protocol line(s), and -X/-XX dumps. A Printer
// keeps what tcpdump keeps between packets: the previous timestamp (-ttt) and the TCP
// sequence table; use one Printer per interface to match one tcpdump per interface.
import type { Direction } from '../pcap/frame.js';
import { Bytes } from './bytes.js';
import { Ctx, type PrintOptions, type TcpSeqEntry } from './context.js';
import { Truncated } from './errors.js';
import { etherPrint } from './ether.js';
import { hexAndAscii } from './hexdump.js';
import { ipPrint } from './ip.js';
import { ip6Print } from './ip6.js';
import { nullPrint, sll2Print, sllPrint } from './sll.js';
import { TsFormatter, type TsMode } from './time.js';

// LINKTYPE_* (pcap-linktype(7))
/** The link types the printers read (pcap-linktype(7) numbers). */
export const LINKTYPE = { NULL: 0, ETHERNET: 1, RAW_OLD: 12, RAW: 101, LOOP: 108, LINUX_SLL: 113, IPV4: 228, IPV6: 229, LINUX_SLL2: 276 } as const;


// sll_pkttype_values as tcpdump prints them for -i any
const dirText: Record<Direction, string> = { in: 'In', out: 'Out', broadcast: 'B', multicast: 'M', otherhost: 'P', unknown: '?' };

/** A frame to print: timestamp (ns), bytes, wire length, and with several interfaces its name and direction. */
export interface PrintableFrame {
  /** Capture time in ns since the epoch. */
  tsNs: bigint;
  /** Captured bytes (length = caplen). */
  data: Uint8Array;
  /** Length on the wire. */
  len: number;
  /** Interface name and direction, printed after the timestamp when given. */
  ifName?: string;
  dir?: Direction;
}

/** tcpdump's printing options (-e, -X, -v, -t…, --nano) and the link type. */
export interface PrinterOptions extends PrintOptions {
  ts?: TsMode;
  nano?: boolean;
  linktype?: number;
  /**
   * The name of interface `index` on this machine, for LINUX_SLL2 records (tcpdump names them by
   * if_indextoname when it reads the file); "?" when it returns null or is not given.
   */
  ifIndexName?: (index: number) => string | null;
}

/** tcpdump -n's one-line printers for one interface (its link type and options), with -t… timestamp state. */
export class Printer {
  readonly #opts: PrinterOptions;
  readonly #ts: TsFormatter;
  readonly #tcp = new Map<string, TcpSeqEntry>();
  constructor(opts: PrinterOptions = {}) {
    this.#opts = { ...opts };
    this.#ts = new TsFormatter(opts.ts ?? 'default', opts.nano ?? false);
  }

  /** The whole text for one frame, without the final newline. */
  format(f: PrintableFrame): string {
    const data = f.data;
    let line = this.#ts.format(f.tsNs);
    if (f.ifName !== undefined) line += `${f.ifName.padEnd(5)} ${dirText[f.dir ?? 'unknown'].padEnd(3)} `;
    const ctx = new Ctx(new Bytes(data, data.length), this.#opts, this.#tcp);
    let hdrLen = 0;
    try {
      switch (this.#opts.linktype ?? LINKTYPE.ETHERNET) {
        case LINKTYPE.ETHERNET:
          hdrLen = etherPrint(ctx, 0, f.len);
          break;
        case LINKTYPE.LINUX_SLL:
          hdrLen = sllPrint(ctx, 0, f.len);
          break;
        case LINKTYPE.LINUX_SLL2:
          hdrLen = sll2Print(ctx, 0, f.len, this.#opts.ifIndexName ?? (() => null));
          break;
        case LINKTYPE.NULL:
        case LINKTYPE.LOOP:
          hdrLen = nullPrint(ctx, 0, f.len, this.#opts.linktype === LINKTYPE.LOOP);
          break;
        case LINKTYPE.RAW:
        case LINKTYPE.RAW_OLD:
        case LINKTYPE.IPV4:
        case LINKTYPE.IPV6:
          // print-raw.c: -e names the link layer as "ip: "
          if (ctx.e) ctx.p('ip: ');
          if (data.length > 0 && data[0] >> 4 === 6) ip6Print(ctx, 0, f.len);
          else ipPrint(ctx, 0, f.len);
          break;
        default:
          ctx.p(`[linktype ${this.#opts.linktype} not decoded]`);
          if (!this.#opts.hex) ctx.p(hexAndAscii(data, 0, data.length));
      }
    } catch (e) {
      if (!(e instanceof Truncated)) throw e;
      ctx.p(` [|${e.proto}]`);
    }
    line += ctx.s;
    if (this.#opts.hex === 1) line += hexAndAscii(data, hdrLen, Math.max(0, data.length - hdrLen));
    else if (this.#opts.hex === 2) line += hexAndAscii(data, 0, data.length);
    return line;
  }
}
