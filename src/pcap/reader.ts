// A reader for pcap (µs and ns, either byte order) and pcapng (SHB/IDB/EPB/SPB/PB/ISB,
// either byte order, several sections and interfaces). It trusts nothing in the file:
// every length is checked against the bytes present, and anything it cannot walk
// raises a DecodeError naming the offset.
//
// It streams: records come one block at a time from a ByteSource (memory, or a descriptor
// read forward), so a record is yielded as soon as its bytes are in, a consumer that stops
// early stops the reading, and memory is bounded by the largest block the reader accepts
// (MAX_KEPT_BLOCK; a packet's data is at most MAX_SNAPLEN), and blocks it skips are read
// past, not kept.
import { DecodeError } from './errors.js';
import type { Direction } from './frame.js';
import { FdSource, MemorySource, type ByteSource, type FdSourceOptions } from './source.js';
import {
  BT, BYTE_ORDER_MAGIC, EPB, EPB_OPT, IDB, IF_OPT, ISB, ISB_OPT, MAX_SNAPLEN, PB, PCAP_HDR, PCAP_MAGIC_NS, PCAP_MAGIC_US, PCAP_REC, SHB, SPB, pad4,
} from './format.js';

/** An interface of a capture file: name, link type, snaplen, timestamp resolution, and its statistics when the file has them. */
export interface ReadInterface {
  name: string | null;
  linktype: number;
  snaplen: number;
  /** ns per timestamp unit numerator/denominator: ts·mul/div = ns. */
  tsMul: bigint;
  tsDiv: bigint;
  tsOffsetS: bigint;
  /** From an Interface Statistics Block, when the file has one. */
  stats?: { recv?: bigint; drop?: bigint; delivered?: bigint };
}

/** One packet of a capture file: interface, timestamp (ns), captured bytes, wire length, direction when known. */
export interface ReadRecord {
  ifId: number;
  tsNs: bigint;
  data: Uint8Array;
  len: number;
  dir: Direction | undefined;
}

/** An open capture file: its format, its interfaces (pcapng: as they are met), and its records in file order. */
export interface CaptureFile {
  format: 'pcap' | 'pcapng';
  /** pcap: the single interface; pcapng: those seen so far (grows while records() runs). */
  interfaces: ReadInterface[];
  /** The records, read as they are asked for; a DecodeError where the file cannot be walked. */
  records(): Generator<ReadRecord>;
}

const dirOfFlags = (f: number): Direction | undefined => [undefined, 'in', 'out', undefined][f & 3] as Direction | undefined;

/** The largest block the reader keeps in memory (a packet block is far smaller: MAX_SNAPLEN and its options). */
export const MAX_KEPT_BLOCK = 16 * 1024 * 1024;

const hex8 = (b: Uint8Array): string => Array.from(b.subarray(0, 4), (x) => x.toString(16).padStart(2, '0')).join('');

/** Open a capture held in memory. */
export function openCapture(buf: Uint8Array): CaptureFile {
  return openCaptureSource(new MemorySource(buf));
}

/** Open a capture from a file descriptor (a file, pipe, FIFO or standard input), read as the records are asked for. */
export function openCaptureFd(fd: number, opts: FdSourceOptions = {}): CaptureFile {
  return openCaptureSource(new FdSource(fd, opts));
}

/** Open a capture from any forward-only byte source. Reads four bytes, to tell the format. */
export function openCaptureSource(src: ByteSource): CaptureFile {
  const m4 = src.read(0, 4);
  if (m4.length < 4) throw new DecodeError(`not a capture file: ${m4.length} bytes`, 0);
  const dv = new DataView(m4.buffer, m4.byteOffset, 4);
  if (dv.getUint32(0, true) === BT.SHB) return pcapng(src);
  for (const le of [true, false]) {
    const mm = dv.getUint32(0, le);
    if (mm === PCAP_MAGIC_US || mm === PCAP_MAGIC_NS) return pcap(src, le, mm === PCAP_MAGIC_NS);
  }
  throw new DecodeError(`not a pcap or pcapng file (magic 0x${hex8(m4)})`, 0);
}

const viewOf = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

function pcap(src: ByteSource, le: boolean, nano: boolean): CaptureFile {
  const h = src.read(0, PCAP_HDR.SIZE);
  if (h.length < PCAP_HDR.SIZE) throw new DecodeError('truncated pcap file header', 0);
  const hdv = viewOf(h);
  const snaplen = hdv.getUint32(PCAP_HDR.SNAPLEN, le);
  const linktype = hdv.getUint32(PCAP_HDR.LINKTYPE, le) & 0x03ffffff;
  const iface: ReadInterface = { name: null, linktype, snaplen, tsMul: nano ? 1n : 1000n, tsDiv: 1n, tsOffsetS: 0n };
  const maxCap = Math.max(MAX_SNAPLEN, snaplen);
  return {
    format: 'pcap',
    interfaces: [iface],
    *records() {
      let o = PCAP_HDR.SIZE;
      for (;;) {
        const r = src.read(o, PCAP_REC.SIZE);
        if (r.length === 0) return;
        if (r.length < PCAP_REC.SIZE) throw new DecodeError(`truncated record header at offset ${o}`, o);
        const dv = viewOf(r);
        const sec = dv.getUint32(PCAP_REC.SEC, le);
        const frac = dv.getUint32(PCAP_REC.FRAC, le);
        const caplen = dv.getUint32(PCAP_REC.CAPLEN, le);
        const len = dv.getUint32(PCAP_REC.LEN, le);
        if (caplen > maxCap) throw new DecodeError(`invalid packet capture length ${caplen}, bigger than maximum of ${maxCap} at offset ${o}`, o);
        const data = src.read(o + PCAP_REC.SIZE, caplen);
        if (data.length < caplen) throw new DecodeError(`truncated record at offset ${o}: ${caplen} bytes announced, ${data.length} present`, o);
        o += PCAP_REC.SIZE + caplen;
        yield { ifId: 0, tsNs: BigInt(sec) * 1_000_000_000n + BigInt(frac) * iface.tsMul, data, len: Math.max(len, caplen), dir: undefined };
      }
    },
  };
}

function pcapng(src: ByteSource): CaptureFile {
  const interfaces: ReadInterface[] = [];
  return {
    format: 'pcapng',
    interfaces,
    *records() {
      let o = 0;
      let le = true;
      let sectionIfaces: ReadInterface[] = [];
      for (;;) {
        const h = src.read(o, 12);
        if (h.length === 0) return;
        if (h.length < 12) throw new DecodeError(`truncated block header at offset ${o}`, o);
        const hdv = viewOf(h);
        let type = hdv.getUint32(0, le);
        if (hdv.getUint32(0, true) === BT.SHB) {
          type = BT.SHB;
          const bom = hdv.getUint32(8, true);
          if (bom === BYTE_ORDER_MAGIC) le = true;
          else if (bom === 0x4d3c2b1a) le = false;
          else throw new DecodeError(`bad byte-order magic 0x${bom.toString(16)} at offset ${o}`, o);
        }
        const total = hdv.getUint32(4, le);
        if (total < 12 || total % 4 !== 0) throw new DecodeError(`bad block length ${total} at offset ${o}`, o);
        const keep = type === BT.SHB || type === BT.IDB || type === BT.ISB || type === BT.EPB || type === BT.PB || type === BT.SPB;
        if (!keep) {
          // NRB, DSB, custom blocks: skipped, read past without being kept; the trailing length still checked
          const t = src.read(o + total - 4, 4);
          if (t.length < 4) throw new DecodeError(`bad block length ${total} at offset ${o} (the file ends first)`, o);
          if (viewOf(t).getUint32(0, le) !== total) throw new DecodeError(`block at offset ${o}: trailing length ${viewOf(t).getUint32(0, le)} differs from ${total}`, o);
          o += total;
          continue;
        }
        if (total > MAX_KEPT_BLOCK) throw new DecodeError(`bad block length ${total} at offset ${o} (more than ${MAX_KEPT_BLOCK}, the most this reader keeps)`, o);
        const b = src.read(o, total);
        if (b.length < total) throw new DecodeError(`bad block length ${total} at offset ${o} (${b.length} bytes left)`, o);
        const dv = viewOf(b);
        if (dv.getUint32(total - 4, le) !== total) throw new DecodeError(`block at offset ${o}: trailing length ${dv.getUint32(total - 4, le)} differs from ${total}`, o);
        const end = total - 4;
        const at = o;
        const ifOf = (id: number): ReadInterface => {
          const i = sectionIfaces[id];
          if (!i) throw new DecodeError(`packet for undeclared interface ${id} at offset ${at}`, at);
          return i;
        };
        const tsOf = (i: ReadInterface, hi: number, lo: number): bigint =>
          (((BigInt(hi) << 32n) | BigInt(lo)) * i.tsMul) / i.tsDiv + i.tsOffsetS * 1_000_000_000n;
        o += total;
        switch (type) {
          case BT.SHB:
            if (total < 28) throw new DecodeError(`truncated section header at offset ${at}`, at);
            if (dv.getUint16(SHB.MAJOR, le) !== 1) throw new DecodeError(`unsupported pcapng major version ${dv.getUint16(SHB.MAJOR, le)} at offset ${at}`, at);
            sectionIfaces = [];
            break;
          case BT.IDB: {
            if (IDB.OPTS > end) throw new DecodeError(`short interface block at offset ${at}`, at);
            const iface: ReadInterface = { name: null, linktype: dv.getUint16(IDB.LINKTYPE, le), snaplen: dv.getUint32(IDB.SNAPLEN, le), tsMul: 1000n, tsDiv: 1n, tsOffsetS: 0n };
            for (const [code, v] of options(b, dv, IDB.OPTS, end, le, at)) {
              if (code === IF_OPT.NAME) iface.name = new TextDecoder().decode(v).replace(/\0+$/, '');
              else if (code === IF_OPT.TSRESOL && v.length >= 1) {
                const r = v[0];
                if (r & 0x80) {
                  const p = r & 0x7f;
                  if (p > 64) throw new DecodeError(`if_tsresol 2^-${p} out of range at offset ${at}`, at);
                  iface.tsMul = 1_000_000_000n;
                  iface.tsDiv = 1n << BigInt(p);
                } else {
                  if (r > 18) throw new DecodeError(`if_tsresol 10^-${r} out of range at offset ${at}`, at);
                  if (r <= 9) {
                    iface.tsMul = 10n ** BigInt(9 - r);
                    iface.tsDiv = 1n;
                  } else {
                    iface.tsMul = 1n;
                    iface.tsDiv = 10n ** BigInt(r - 9);
                  }
                }
              } else if (code === IF_OPT.TSOFFSET && v.length >= 8) {
                iface.tsOffsetS = new DataView(v.buffer, v.byteOffset, 8).getBigInt64(0, le);
              }
            }
            sectionIfaces.push(iface);
            interfaces.push(iface);
            break;
          }
          case BT.EPB:
          case BT.PB: {
            const L = type === BT.EPB ? EPB : PB;
            if (L.DATA > end) throw new DecodeError(`short packet block at offset ${at}`, at);
            const id = type === BT.EPB ? dv.getUint32(EPB.IFID, le) : dv.getUint16(PB.IFID, le);
            const i = ifOf(id);
            const caplen = dv.getUint32(L.CAPLEN, le);
            const len = dv.getUint32(L.ORIGLEN, le);
            if (caplen > end - L.DATA) throw new DecodeError(`packet block at offset ${at}: caplen ${caplen} runs past the block`, at);
            if (caplen > Math.max(MAX_SNAPLEN, i.snaplen || MAX_SNAPLEN)) throw new DecodeError(`invalid packet capture length ${caplen} at offset ${at}`, at);
            let dir: Direction | undefined;
            if (type === BT.EPB) {
              for (const [code, v] of options(b, dv, EPB.DATA + pad4(caplen), end, le, at)) {
                if (code === EPB_OPT.FLAGS && v.length >= 4) dir = dirOfFlags(new DataView(v.buffer, v.byteOffset, 4).getUint32(0, le));
              }
            }
            const data = b.subarray(L.DATA, L.DATA + caplen);
            const ts = tsOf(i, dv.getUint32(L.TSHIGH, le), dv.getUint32(L.TSLOW, le));
            yield { ifId: interfaces.indexOf(i), tsNs: ts, data, len: Math.max(len, caplen), dir };
            break;
          }
          case BT.SPB: {
            if (SPB.DATA > end) throw new DecodeError(`short simple packet block at offset ${at}`, at);
            const i = ifOf(0);
            const len = dv.getUint32(SPB.ORIGLEN, le);
            const caplen = Math.min(len, end - SPB.DATA, i.snaplen || MAX_SNAPLEN);
            const data = b.subarray(SPB.DATA, SPB.DATA + caplen);
            yield { ifId: interfaces.indexOf(i), tsNs: 0n, data, len: Math.max(len, caplen), dir: undefined };
            break;
          }
          case BT.ISB: {
            if (ISB.OPTS > end) throw new DecodeError(`short statistics block at offset ${at}`, at);
            const i = ifOf(dv.getUint32(ISB.IFID, le));
            const stats: NonNullable<ReadInterface['stats']> = {};
            for (const [code, v] of options(b, dv, ISB.OPTS, end, le, at)) {
              if (v.length < 8) continue;
              const n = new DataView(v.buffer, v.byteOffset, 8).getBigUint64(0, le);
              if (code === ISB_OPT.IFRECV) stats.recv = n;
              else if (code === ISB_OPT.IFDROP) stats.drop = n;
              else if (code === ISB_OPT.USRDELIV) stats.delivered = n;
            }
            i.stats = stats;
            break;
          }
        }
      }
    },
  };
}

/** The options of a block between off and end (offsets within the block at file offset `at`), checked against end. */
function* options(buf: Uint8Array, dv: DataView, off: number, end: number, le: boolean, at: number): Generator<[number, Uint8Array]> {
  while (off + 4 <= end) {
    const code = dv.getUint16(off, le);
    const len = dv.getUint16(off + 2, le);
    if (code === 0) return;
    if (off + 4 + len > end) throw new DecodeError(`option ${code} at offset ${at + off} runs past its block (${len} bytes)`, at + off);
    yield [code, buf.subarray(off + 4, off + 4 + len)];
    off += 4 + pad4(len);
  }
}
