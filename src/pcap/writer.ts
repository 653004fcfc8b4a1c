// pcap and pcapng writers for the capture hot path: each packet is copied into one big
// reusable buffer (no allocation per packet) and the buffer goes to the file with
// fs.writeSync in large chunks. The file only ever holds whole records: a failed write
// is cut back to the last whole record.
import { closeSync, ftruncateSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { SysError, VpingError, asErrorCode, fsErrorText } from '../sys/errors.js';
import {
  BT, BYTE_ORDER_MAGIC, EPB, EPB_OPT, IDB, IF_OPT, ISB, ISB_OPT, OPT, PCAP_HDR, PCAP_MAGIC_NS, PCAP_MAGIC_US, PCAP_REC, SHB, SHB_OPT, pad4,
} from './format.js';

/** The file formats the writers write: pcap with µs or ns timestamps, or pcapng. */
export type CaptureFormat = 'pcap' | 'pcap-ns' | 'pcapng';

export interface WriterInterface {
  name: string;
  linktype: number;
  snaplen: number;
}

/** What the capture loop calls per packet; implemented by both writers. */
export interface PacketSink {
  /** Copy src[off, off+caplen) as one record. `dir`: 0 unknown, 1 inbound, 2 outbound. */
  packet(ifId: number, sec: number, nsec: number, src: Uint8Array, off: number, caplen: number, len: number, dir: number): void;
}

export class WriteError extends VpingError {
  constructor(path: string, cause: unknown) {
    const code = asErrorCode((cause as { code?: string })?.code);
    super(code, `${path}: ${fsErrorText(cause)}`, { cause });
  }
}

// 256 KiB: measured on ext4 here, writing a new file from a 256 KiB buffer cost the kernel
// less than from 1 or 4 MiB (the buffer stays in the L2 cache while the kernel copies it
// to the page cache), and much less than from 4–16 KiB (a syscall per few packets).
const BUF_SIZE = 256 << 10;

/** Copy without making a view object per packet when the source is a Buffer (the ring is). */
function copyInto(src: Uint8Array, off: number, len: number, dst: Buffer, at: number): void {
  if (src instanceof Buffer) src.copy(dst, at, off, off + len);
  else dst.set(src.subarray(off, off + len), at);
}
const TWO32 = 4294967296;

/**
 * Split sec·10⁹ + nsec into two u32 halves without BigInt (exact: every partial product
 * stays below 2⁵³).
 */
export function nsHalves(sec: number, nsec: number, out: Uint32Array): void {
  const a = Math.floor(sec / 65536);
  const c = sec % 65536;
  const x = a * 1e9; // < 2^46
  const y = c * 1e9 + nsec + (x % 65536) * 65536; // < 2^47
  const hi = Math.floor(x / 65536) + Math.floor(y / TWO32);
  out[0] = hi;
  out[1] = y % TWO32;
}

abstract class FileWriter implements PacketSink {
  protected buf = Buffer.allocUnsafeSlow(BUF_SIZE);
  /** DataView over buf: its setters are several times faster than Buffer#writeUInt32LE. */
  protected dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  protected off = 0;
  protected fd: number;
  /** Bytes already in the file (always a whole number of records). */
  protected written = 0;
  /** Records taken (in the file, or in the buffer on their way). */
  records = 0;
  /** Records in the file: after a failed write, the only ones that count. */
  #recordsInFile = 0;
  /** The write that failed; after it the writer writes nothing more (close() only closes). */
  failure: WriteError | null = null;
  /** Standard output ("-"): a pipe cannot be cut back, so a failed write ends it as it is. */
  readonly toStdout: boolean;
  #closed = false;
  constructor(readonly path: string) {
    this.toStdout = path === '-';
    try {
      this.fd = this.toStdout ? 1 : openSync(path, 'w', 0o644);
    } catch (e) {
      throw new WriteError(path, e);
    }
  }
  abstract packet(ifId: number, sec: number, nsec: number, src: Uint8Array, off: number, caplen: number, len: number, dir: number): void;

  /** Make room for n bytes (flushing, or growing for a record larger than the buffer). */
  protected room(n: number): void {
    if (this.off + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) {
      this.buf = Buffer.allocUnsafeSlow(n);
      this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
    }
  }

  /** Write what is buffered; on failure the file is cut back to its last whole record (see fail). */
  flush(): void {
    if (this.failure) throw this.failure;
    let done = 0;
    try {
      while (done < this.off) done += writeSync(this.fd, this.buf, done, this.off - done);
    } catch (e) {
      this.fail(new WriteError(this.displayName, e));
    }
    this.written += this.off;
    this.off = 0;
    this.#recordsInFile = this.records;
  }

  /**
   * A write failed (a full disk, EIO, EFBIG, a file size limit): cut the file back to its last
   * whole record, so every frame in it stays readable, count only the records there, write
   * nothing more, throw. The descriptor's offset is past the cut, and a later write would
   * leave a hole of zeros that readers take for a block of length 0: hence no later write.
   */
  protected fail(err: WriteError): never {
    if (!this.toStdout) {
      try {
        ftruncateSync(this.fd, this.written);
      } catch {
        /* nothing better to do */
      }
    }
    this.off = 0;
    this.records = this.#recordsInFile;
    this.failure = err;
    throw err;
  }

  /** The file's name in messages. */
  get displayName(): string {
    return this.toStdout ? 'standard output' : this.path;
  }

  /** The closing blocks (pcapng: statistics), written by close(). */
  protected trailer(): void {}

  /** Flush everything, add the closing blocks, and close the file (after a failure: only close). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      if (!this.failure) {
        this.trailer();
        this.flush();
      }
    } finally {
      if (!this.toStdout) closeSync(this.fd);
    }
  }

  /** Close and remove the file (setup failed before any packet). */
  discard(): void {
    if (!this.#closed) {
      this.#closed = true;
      if (!this.toStdout) closeSync(this.fd);
    }
    if (this.toStdout) return;
    try {
      unlinkSync(this.path);
    } catch {
      /* gone */
    }
  }
  /** `bytes` of `records` whole blocks went to the file directly (after a flush()). */
  wroteDirect(bytes: number, records: number): void {
    this.written += bytes;
    this.records += records;
    this.#recordsInFile = this.records;
  }
  /** A direct write failed with errno: cut the file back to its last whole record, throw. */
  failDirect(op: string, errno: number): never {
    this.fail(new WriteError(this.displayName, new SysError(op, errno)));
  }
  get bytesWritten(): number {
    return this.written + this.off;
  }
}

/** Classic pcap: µs (0xA1B2C3D4) or ns (0xA1B23C4D) magic, one link type. */
export class PcapWriter extends FileWriter {
  readonly nano: boolean;
  constructor(path: string, opts: { nano?: boolean; linktype: number; snaplen: number }) {
    super(path);
    this.nano = opts.nano ?? false;
    const b = this.buf;
    b.writeUInt32LE(this.nano ? PCAP_MAGIC_NS : PCAP_MAGIC_US, PCAP_HDR.MAGIC);
    b.writeUInt16LE(2, PCAP_HDR.VMAJOR);
    b.writeUInt16LE(4, PCAP_HDR.VMINOR);
    b.writeInt32LE(0, PCAP_HDR.THISZONE);
    b.writeUInt32LE(0, PCAP_HDR.SIGFIGS);
    b.writeUInt32LE(opts.snaplen, PCAP_HDR.SNAPLEN);
    b.writeUInt32LE(opts.linktype, PCAP_HDR.LINKTYPE);
    this.off = PCAP_HDR.SIZE;
    this.flush();
  }
  /** Copy src[off, off+caplen) as one record (pcap has no interface or direction field). */
  packet(_ifId: number, sec: number, nsec: number, src: Uint8Array, off: number, caplen: number, len: number, _dir = 0): void {
    this.room(PCAP_REC.SIZE + caplen);
    const dv = this.dv;
    const o = this.off;
    dv.setUint32(o + PCAP_REC.SEC, sec >>> 0, true);
    dv.setUint32(o + PCAP_REC.FRAC, this.nano ? nsec : Math.floor(nsec / 1000), true);
    dv.setUint32(o + PCAP_REC.CAPLEN, caplen, true);
    dv.setUint32(o + PCAP_REC.LEN, len, true);
    copyInto(src, off, caplen, this.buf, o + PCAP_REC.SIZE);
    this.off = o + PCAP_REC.SIZE + caplen;
    this.records++;
  }
}

export interface IfStats {
  /** Packets the kernel passed the filter (received by filter). */
  recv: number;
  /** Packets dropped by the kernel (ring full). */
  drop: number;
  /** Packets delivered to vping. */
  delivered: number;
  startNs?: { sec: number; nsec: number };
  endNs?: { sec: number; nsec: number };
}

/**
 * pcapng: a Section Header Block, one Interface Description Block per interface
 * (if_name, if_tsresol 9 = ns), an Enhanced Packet Block per packet with epb_flags for
 * the direction, and an Interface Statistics Block per interface at close.
 */
export class PcapngWriter extends FileWriter {
  readonly #ts = new Uint32Array(2);
  #stats: (() => IfStats[]) | null = null;
  readonly ifaces: WriterInterface[];
  constructor(path: string, ifaces: WriterInterface[], opts: { userAppl?: string } = {}) {
    super(path);
    this.ifaces = ifaces;
    this.#shb(opts.userAppl ?? 'vping');
    for (const i of ifaces) this.#idb(i);
    this.flush();
  }
  // Raw access for the capture hot path (src/link/capture/epb.ts), which lays whole EPBs
  // down itself: every pcapng block is a multiple of 4 bytes, so the free space always
  // starts on a word.
  /** The buffer as 32-bit words (a new view after reserve() grew the buffer). */
  get words(): Uint32Array {
    if (this.#words.buffer !== this.buf.buffer) this.#words = new Uint32Array(this.buf.buffer, this.buf.byteOffset, this.buf.length >>> 2);
    return this.#words;
  }
  /** The buffer as bytes. */
  get bytes(): Buffer {
    return this.buf;
  }
  /** Where the next block goes (a multiple of 4). */
  get offset(): number {
    return this.off;
  }
  /** Make room for n bytes at offset (flushing, or growing for a larger record). */
  reserve(n: number): void {
    this.room(n);
  }
  /** The caller wrote `records` whole blocks, ending at byte `end`. */
  commit(end: number, records: number): void {
    this.off = end;
    this.records += records;
  }
  #words = new Uint32Array(this.buf.buffer, this.buf.byteOffset, this.buf.length >>> 2);

  // For a writer of whole records straight to the file (src/link/capture/epbv.ts, writev
  // from the ring): it flushes this buffer first, so the file keeps the blocks' order.
  /** The file's descriptor. */
  get fileFd(): number {
    return this.fd;
  }
  /** Where close() reads the per-interface counts for the ISBs. */
  statsFrom(fn: () => IfStats[]): void {
    this.#stats = fn;
  }

  #opt(o: number, code: number, val: Uint8Array | number, len: number): number {
    const b = this.buf;
    b.writeUInt16LE(code, o);
    b.writeUInt16LE(len, o + 2);
    if (typeof val === 'number') {
      if (len === 1) b.writeUInt8(val, o + 4);
      else b.writeUInt32LE(val, o + 4);
    } else b.set(val, o + 4);
    b.fill(0, o + 4 + len, o + 4 + pad4(len));
    return o + 4 + pad4(len);
  }
  #endBlock(start: number, end: number): void {
    const b = this.buf;
    b.writeUInt32LE(0, end); // opt_endofopt
    const total = end + 4 + 4 - start;
    b.writeUInt32LE(total, start + 4);
    b.writeUInt32LE(total, end + 4);
    this.off = end + 8;
  }
  #shb(appl: string): void {
    const o = this.off;
    const b = this.buf;
    b.writeUInt32LE(BT.SHB, o);
    b.writeUInt32LE(BYTE_ORDER_MAGIC, o + SHB.BOM);
    b.writeUInt16LE(1, o + SHB.MAJOR);
    b.writeUInt16LE(0, o + SHB.MINOR);
    b.writeInt32LE(-1, o + SHB.SECLEN);
    b.writeInt32LE(-1, o + SHB.SECLEN + 4);
    const a = Buffer.from(appl);
    let e = this.#opt(o + SHB.OPTS, SHB_OPT.USERAPPL, a, a.length);
    const os = Buffer.from('Linux');
    e = this.#opt(e, SHB_OPT.OS, os, os.length);
    this.#endBlock(o, e);
  }
  #idb(i: WriterInterface): void {
    this.room(64 + 2 * Buffer.byteLength(i.name));
    const o = this.off;
    const b = this.buf;
    b.writeUInt32LE(BT.IDB, o);
    b.writeUInt16LE(i.linktype, o + IDB.LINKTYPE);
    b.writeUInt16LE(0, o + IDB.RESERVED);
    b.writeUInt32LE(i.snaplen, o + IDB.SNAPLEN);
    const n = Buffer.from(i.name);
    let e = this.#opt(o + IDB.OPTS, IF_OPT.NAME, n, n.length);
    e = this.#opt(e, IF_OPT.TSRESOL, 9, 1);
    this.#endBlock(o, e);
  }
  /** Copy src[off, off+caplen) as one Enhanced Packet Block of interface ifId, with its direction. */
  packet(ifId: number, sec: number, nsec: number, src: Uint8Array, off: number, caplen: number, len: number, dir: number): void {
    const padded = (caplen + 3) & ~3;
    const total = EPB.DATA + padded + 16; // + epb_flags (8) + endofopt (4) + total length (4)
    this.room(total);
    const b = this.buf;
    const dv = this.dv;
    const o = this.off;
    const ts = this.#ts;
    nsHalves(sec, nsec, ts);
    dv.setUint32(o, BT.EPB, true);
    dv.setUint32(o + 4, total, true);
    dv.setUint32(o + EPB.IFID, ifId, true);
    dv.setUint32(o + EPB.TSHIGH, ts[0], true);
    dv.setUint32(o + EPB.TSLOW, ts[1], true);
    dv.setUint32(o + EPB.CAPLEN, caplen, true);
    dv.setUint32(o + EPB.ORIGLEN, len, true);
    copyInto(src, off, caplen, b, o + EPB.DATA);
    let p = o + EPB.DATA + caplen;
    while (p < o + EPB.DATA + padded) b[p++] = 0;
    dv.setUint32(p, EPB_OPT.FLAGS | (4 << 16), true);
    dv.setUint32(p + 4, dir, true);
    dv.setUint32(p + 8, 0, true);
    dv.setUint32(p + 12, total, true);
    this.off = o + total;
    this.records++;
  }
  protected override trailer(): void {
    if (!this.#stats) return;
    const stats = this.#stats();
    const ts = this.#ts;
    for (let i = 0; i < stats.length; i++) {
      const s = stats[i];
      this.room(128);
      const o = this.off;
      const b = this.buf;
      const end = s.endNs ?? { sec: Math.floor(Date.now() / 1000), nsec: (Date.now() % 1000) * 1e6 };
      nsHalves(end.sec, end.nsec, ts);
      b.writeUInt32LE(BT.ISB, o);
      b.writeUInt32LE(i, o + ISB.IFID);
      b.writeUInt32LE(ts[0], o + ISB.TSHIGH);
      b.writeUInt32LE(ts[1], o + ISB.TSLOW);
      let e = o + ISB.OPTS;
      const u64 = (code: number, hi: number, lo: number) => {
        b.writeUInt16LE(code, e);
        b.writeUInt16LE(8, e + 2);
        // pcapng 64-bit counters: written in the section's byte order as one u64
        b.writeUInt32LE(lo, e + 4);
        b.writeUInt32LE(hi, e + 8);
        e += 12;
      };
      const ts64 = (code: number, t: { sec: number; nsec: number }) => {
        nsHalves(t.sec, t.nsec, ts);
        // timestamps are written high word first, as in the EPB
        b.writeUInt16LE(code, e);
        b.writeUInt16LE(8, e + 2);
        b.writeUInt32LE(ts[0], e + 4);
        b.writeUInt32LE(ts[1], e + 8);
        e += 12;
      };
      if (s.startNs) ts64(ISB_OPT.STARTTIME, s.startNs);
      ts64(ISB_OPT.ENDTIME, end);
      const split = (n: number): [number, number] => [Math.floor(n / TWO32), n % TWO32];
      u64(ISB_OPT.IFRECV, ...split(s.recv));
      u64(ISB_OPT.IFDROP, ...split(s.drop));
      u64(ISB_OPT.USRDELIV, ...split(s.delivered));
      this.#endBlock(o, e);
    }
  }
}

/** Pick the writer for a path: `.pcapng` (or `.ng`) → pcapng, else pcap. */
export function formatOfPath(path: string, nano: boolean): CaptureFormat {
  return /\.(pcapng|ntar|ng)$/i.test(path) ? 'pcapng' : nano ? 'pcap-ns' : 'pcap';
}

/** Open a writer of `format` at `path` ("-": standard output) for these interfaces. */
export function openWriter(path: string, format: CaptureFormat, ifaces: WriterInterface[]): PcapWriter | PcapngWriter {
  if (format === 'pcapng') return new PcapngWriter(path, ifaces);
  const lt = ifaces[0]?.linktype ?? 1;
  const snap = Math.max(...ifaces.map((i) => i.snaplen), 0) || 262144;
  return new PcapWriter(path, { nano: format === 'pcap-ns', linktype: lt, snaplen: snap });
}

void OPT;
