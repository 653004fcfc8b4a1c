// The zero-copy variant of the pcapng hot path: JS never touches a frame's bytes. For each
// frame of a ring block it builds the EPB header and trailer in a small pinned buffer and
// points an iovec straight at the frame in the mmap'ed ring, then writev(2)s up to IOV_MAX
// iovecs at a time — so the only copy of a frame is the kernel's, into the page cache (as
// tcpdump's fwrite of a frame is one copy into stdio's buffer and a second into the cache).
// Every batch is written before walk() returns, i.e. before the ring hands the block back
// to the kernel. Bytes written equal PcapngWriter.packet's (test/unit/capture-epbv).
//
// Per frame, 2 iovecs: the frame in the ring, then one scratch segment holding the frame's
// padding, epb_flags, opt_endofopt and total length, followed by the next frame's 28-byte
// header (the batch starts with one header-only segment). Each segment starts `pad` bytes
// before a word so that the words after it are aligned: 12 scratch words a frame.
import { addressOf, pinned } from '../sys/libc.js';
import { IOV_MAX, writevAll } from '../sys/iov.js';
import { IOVEC } from '../sys/socket.js';
import { EPB, EPB_OPT, BT } from '../pcap/format.js';
import { nsHalves, PcapngWriter } from '../pcap/writer.js';
import type { BlockWalker, FrameHandler } from './ring.js';
import { SLL, TP3, TP_STATUS, BLOCK, PACKET_TYPE } from './tpacket.js';

export interface EpbWalkerOptions {
  /** The pcapng interface id of this ring. */
  ifId: number;
  /** Keep inbound (pkttype 0–3) frames. */
  keepIn: boolean;
  /** Keep outbound (PACKET_OUTGOING) frames. */
  keepOut: boolean;
  /** Called for a frame that needs the generic path (a VLAN tag to put back). */
  slow: FrameHandler;
}

const W_NEXT = TP3.NEXT >>> 2;
const W_SEC = TP3.SEC >>> 2;
const W_NSEC = TP3.NSEC >>> 2;
const W_SNAPLEN = TP3.SNAPLEN >>> 2;
const W_LEN = TP3.LEN >>> 2;
const W_STATUS = TP3.STATUS >>> 2;
const W_MAC = TP3.MAC >>> 2;
const PKTTYPE = TP3.SLL + SLL.PKTTYPE;
const HDR_MIN = TP3.SLL + SLL.SIZE;
const EPB_FIXED = EPB.DATA + 16;
const FLAGS_OPT = EPB_OPT.FLAGS | (4 << 16);
const TWO32 = 4294967296;
/** Frames per writev: 2 iovecs each, plus the batch's first header. */
export const VEC_FRAMES = (IOV_MAX - 1) >>> 1;
const HDR_WORDS = EPB.DATA >>> 2; // 7
const FRAME_WORDS = HDR_WORDS + 5; // header + pad word + flags (2) + endofopt + total
const EMPTY = new Uint32Array(BLOCK.SIZE >>> 2);
const NO_LIMIT = 0xffffffff;

/**
 * Run `round` until a round runs at compiled speed (under an eighth of the first, from the
 * ninth on; V8 compiles on another thread meanwhile), or `maxRounds`. From the ninth round it
 * naps 1 ms between rounds, so the compiler thread works rather than the interpreter.
 */
export function untilCompiled(round: () => void, maxRounds: number): void {
  let first = 0;
  const nap = new Int32Array(new SharedArrayBuffer(4));
  for (let r = 0; r < maxRounds; r++) {
    const t0 = process.hrtime.bigint();
    round();
    const dt = Number(process.hrtime.bigint() - t0);
    if (r === 0) first = dt;
    else if (r >= 8 && dt * 8 < first) break;
    if (r >= 8) Atomics.wait(nap, 0, 0, 1);
  }
}

/**
 * A ring of one block of `bs` bytes, handed over (TP_STATUS_USER), full of ping-sized frames
 * in and out, 1,999 ns apart from `offsetNs` on: what warm-ups walk before a capture starts.
 */
export function madeUpBlock(bs: number, offsetNs: number): { ring: Buffer; words: Uint32Array } {
  const ring = Buffer.alloc(bs);
  const words = new Uint32Array(ring.buffer, ring.byteOffset, bs >>> 2);
  const step = (82 + 98 + 15) & ~15;
  const n = Math.floor((bs - BLOCK.SIZE - step) / step);
  words[(BLOCK.STATUS) >>> 2] = TP_STATUS.USER;
  words[(BLOCK.NUM_PKTS) >>> 2] = n;
  words[(BLOCK.FIRST_PKT) >>> 2] = BLOCK.SIZE;
  for (let i = 0, p = BLOCK.SIZE; i < n; i++, p += step) {
    const q = p >>> 2;
    words[q + W_NEXT] = i + 1 < n ? step : 0;
    words[q + W_SEC] = 1_700_000_000 + (i >>> 9);
    words[q + W_NSEC] = i * 1999 + offsetNs;
    words[q + W_SNAPLEN] = 98;
    words[q + W_LEN] = 98;
    words[q + W_MAC] = 82;
    ring[p + PKTTYPE] = i & 1 ? PACKET_TYPE.OUTGOING : 0;
  }
  return { ring, words };
}

export class EpbVecWalker {
  captured = 0;
  readonly walk: BlockWalker;
  readonly #tsCache = Float64Array.of(-1, 0, 0);
  readonly #ts = new Uint32Array(2);
  readonly #scratch = pinned(VEC_FRAMES * FRAME_WORDS * 4 + 64);
  readonly #sw = new Uint32Array(this.#scratch.buffer, this.#scratch.byteOffset, this.#scratch.length >>> 2);
  readonly #iov = pinned(IOV_MAX * IOVEC.size);
  readonly #iw = new Uint32Array(this.#iov.buffer, this.#iov.byteOffset, this.#iov.length >>> 2);
  /** [scratch lo, scratch hi, ring lo, ring hi]: addresses as u32 halves. */
  readonly #addr = new Float64Array(4);
  #ring: Buffer | null = null;
  // the batch: frames, iovecs (incl. the open trailer), scratch words used, bytes
  #frames = 0;
  #niov = 0;
  #so = 0;
  #bytes = 0;
  #at = 0;
  #pos = 0;

  /** The ring's options: a merge across rings shares one walker (and its batch) and sets them per run. */
  opts: EpbWalkerOptions;

  constructor(readonly writer: PcapngWriter, opts: EpbWalkerOptions) {
    this.opts = opts;
    const sa = addressOf(this.#scratch);
    this.#addr[0] = Number(sa & 0xffffffffn);
    this.#addr[1] = Number(sa >> 32n);
    this.walk = (words, bytes, blk, end, skip) => {
      if (bytes !== this.#ring) this.#setRing(bytes);
      let i = 0;
      let p = blk + words[(blk + BLOCK.FIRST_PKT) >>> 2];
      // #run stops when the batch is full or a frame needs the slow path; the writev
      // happens here, outside the loop
      while (this.#run(words, bytes, blk, end, skip, i, p, NO_LIMIT)) {
        this.#flush();
        i = this.#at | 0;
        p = this.#pos | 0;
      }
      this.#flush(); // before the block goes back to the kernel
      return this.#at > skip ? this.#at - skip : 0;
    };
    this.#run(EMPTY, Buffer.alloc(0), 0, BLOCK.SIZE, 0, 0, BLOCK.SIZE, NO_LIMIT);
  }

  /**
   * Add frames [i, iEnd) of a block, the first at offset p, to the batch (a merge across rings
   * calls this run by run, in time order; it sets `opts` to the ring's first). The batch is
   * written when full; the caller writes the rest with flush() before the block goes back.
   */
  walkRange(words: Uint32Array, bytes: Buffer, blk: number, end: number, i: number, p: number, iEnd: number): void {
    if (bytes !== this.#ring) this.#setRing(bytes);
    while (this.#run(words, bytes, blk, end, 0, i, p, iEnd)) {
      this.#flush();
      i = this.#at | 0;
      p = this.#pos | 0;
    }
  }

  /** Write what the batch holds. */
  flush(): void {
    this.#flush();
  }

  static #warmed = false;
  /**
   * Walk a made-up block of ping-sized frames, in and out, into /dev/null until V8 has
   * compiled #run: the compile (about 8 ms of CPU) and the slow interpreted first
   * thousands of frames then happen before the capture starts, not during the first
   * burst of traffic. It moves CPU to start-up; it saves none. Once per process.
   */
  static warm(maxRounds = 400): void {
    if (EpbVecWalker.#warmed) return;
    EpbVecWalker.#warmed = true;
    const bs = 256 << 10;
    const { ring, words } = madeUpBlock(bs, 0);
    let w: PcapngWriter;
    try {
      w = new PcapngWriter('/dev/null', [{ name: 'warm', linktype: 1, snaplen: 262144 }]);
    } catch {
      return; // no /dev/null: the walker compiles during the capture instead
    }
    try {
      const opts: EpbWalkerOptions = { ifId: 0, keepIn: true, keepOut: true, slow: () => {} };
      const walker = new EpbVecWalker(w, opts);
      untilCompiled(() => walker.walk(words, ring, 0, bs, 0), maxRounds);
    } finally {
      w.close();
    }
  }

  /** The rings seen, with their addresses as [lo, hi] (a merge switches rings run by run: each is read once). */
  readonly #rings: Buffer[] = [];
  readonly #ringAddr: number[] = [];

  #setRing(bytes: Buffer): void {
    this.#ring = bytes;
    let i = this.#rings.indexOf(bytes);
    if (i < 0) {
      const ra = bytes.length > 0 ? addressOf(bytes) : 0n;
      i = this.#rings.push(bytes) - 1;
      this.#ringAddr.push(Number(ra & 0xffffffffn), Number(ra >> 32n));
    }
    this.#addr[2] = this.#ringAddr[2 * i];
    this.#addr[3] = this.#ringAddr[2 * i + 1];
  }

  /** writev the batch (after whatever the writer holds in its own buffer). */
  #flush(): void {
    if (this.#frames === 0) return;
    const w = this.writer;
    if (w.offset > 0) w.flush();
    const r = writevAll(w.fileFd, this.#iov, this.#iw, this.#niov, this.#bytes);
    const frames = this.#frames;
    const bytes = this.#bytes;
    this.#frames = 0;
    this.#niov = 0;
    this.#so = 0;
    this.#bytes = 0;
    if (r < 0) w.failDirect('writev', -r);
    w.wroteDirect(bytes, frames);
  }

  /**
   * Walk frames [i, num) of the block from offset p into the batch. Returns true when it
   * stopped early: the batch is full, or frame #at needs the slow path after a flush.
   */
  #run(rw: Uint32Array, rb: Buffer, blk: number, end: number, skip: number, i: number, p: number, limit: number): boolean {
    const { ifId, keepIn, keepOut, slow } = this.opts;
    const sw = this.#sw;
    const iw = this.#iw;
    const ad = this.#addr;
    const sLo = ad[0];
    const sHi = ad[1];
    const rLo = ad[2];
    const rHi = ad[3];
    const tsc = this.#tsCache;
    let sec0 = tsc[0];
    let hi0 = tsc[1];
    let lo0 = tsc[2];
    let frames = this.#frames;
    let niov = this.#niov;
    let so = this.#so;
    let bytes = this.#bytes;
    let stop = false;
    const num = Math.min(rw[(blk + BLOCK.NUM_PKTS) >>> 2], limit);
    for (; i < num; i++) {
      if ((p & 3) !== 0 || p + HDR_MIN > end) break;
      const q = p >>> 2;
      const next = rw[q + W_NEXT];
      if (i >= skip) {
        const caplen = rw[q + W_SNAPLEN];
        const s = p + (rw[q + W_MAC] & 0xffff);
        const pkttype = rb[p + PKTTYPE];
        const out = pkttype === PACKET_TYPE.OUTGOING;
        if (s + caplen <= end && (out ? keepOut : keepIn)) {
          const status = rw[q + W_STATUS];
          if (status & TP_STATUS.VLAN_VALID) {
            if (frames !== 0) {
              stop = true; // write the batch first: the slow path writes through the buffer
              break;
            }
            const vlan = rw[(p + TP3.VLAN_TCI) >>> 2] & 0xffff;
            const tpid = status & TP_STATUS.VLAN_TPID_VALID ? rw[(p + TP3.VLAN_TPID) >>> 2] & 0xffff : 0x8100;
            slow(rb, s, caplen, rw[q + W_LEN], rw[q + W_SEC], rw[q + W_NSEC], pkttype, vlan, tpid);
          } else {
            if (frames === VEC_FRAMES) {
              stop = true;
              break;
            }
            const pad = (4 - (caplen & 3)) & 3;
            const total = EPB_FIXED + caplen + pad;
            const sec = rw[q + W_SEC];
            if (sec !== sec0) {
              nsHalves(sec, 0, this.#ts);
              sec0 = sec;
              hi0 = this.#ts[0];
              lo0 = this.#ts[1];
            }
            const lo = lo0 + rw[q + W_NSEC];
            // the header, at the end of the open segment (or opening the batch's first)
            let k: number;
            if (niov === 0) {
              const a = sLo + (so << 2);
              iw[0] = a;
              iw[1] = sHi + (a >= TWO32 ? 1 : 0);
              iw[2] = EPB.DATA;
              iw[3] = 0;
              niov = 1;
            } else {
              k = (niov - 1) << 2;
              iw[k + 2] += EPB.DATA;
            }
            sw[so] = BT.EPB;
            sw[so + 1] = total;
            sw[so + 2] = ifId;
            sw[so + 3] = hi0 + (lo >= TWO32 ? 1 : 0);
            sw[so + 4] = lo;
            sw[so + 5] = caplen;
            sw[so + 6] = rw[q + W_LEN];
            so += HDR_WORDS;
            // the frame, where it lies in the ring
            k = niov << 2;
            const fa = rLo + s;
            iw[k] = fa;
            iw[k + 1] = rHi + (fa >= TWO32 ? 1 : 0);
            iw[k + 2] = caplen;
            iw[k + 3] = 0;
            // padding, epb_flags, opt_endofopt and total length: a new open segment
            sw[so] = 0;
            sw[so + 1] = FLAGS_OPT;
            sw[so + 2] = out ? 2 : pkttype <= 3 ? 1 : 0;
            sw[so + 3] = 0;
            sw[so + 4] = total;
            const ta = sLo + ((so + 1) << 2) - pad;
            iw[k + 4] = ta;
            iw[k + 5] = sHi + (ta >= TWO32 ? 1 : 0);
            iw[k + 6] = pad + 16;
            iw[k + 7] = 0;
            so += 5;
            niov += 2;
            frames++;
            bytes += total;
          }
        }
      }
      if (next === 0) {
        i++;
        break;
      }
      p += next;
    }
    this.captured += frames - this.#frames;
    this.#frames = frames;
    this.#niov = niov;
    this.#so = so;
    this.#bytes = bytes;
    tsc[0] = sec0;
    tsc[1] = hi0;
    tsc[2] = lo0;
    this.#at = i;
    this.#pos = p;
    return stop;
  }
}
