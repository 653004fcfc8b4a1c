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
import { PacketRing, type BlockWalker, type FrameHandler } from './ring.js';
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
 * Fill the block at `blk` (of `bs` bytes) of a made-up ring with ping-sized frames, in and out,
 * and hand it over (TP_STATUS_USER): what warm-ups walk before a capture starts. Frame i is
 * stamped `period`·⌊i / offsets.length⌋ + offsets[i mod offsets.length] ns after (sec, nsec)
 * (the offsets below `period`). Returns the frames.
 */
export function madeUpFrames(words: Uint32Array, ring: Buffer, blk: number, bs: number, sec: number, nsec: number, period: number, offsets: readonly number[]): number {
  const step = (82 + 98 + 15) & ~15;
  const n = Math.floor((bs - BLOCK.SIZE - step) / step);
  words[(blk + BLOCK.NUM_PKTS) >>> 2] = n;
  words[(blk + BLOCK.FIRST_PKT) >>> 2] = BLOCK.SIZE;
  for (let i = 0, p = blk + BLOCK.SIZE; i < n; i++, p += step) {
    const q = p >>> 2;
    const t = nsec + period * Math.floor(i / offsets.length) + offsets[i % offsets.length];
    words[q + W_NEXT] = i + 1 < n ? step : 0;
    words[q + W_SEC] = sec + Math.floor(t / 1e9);
    words[q + W_NSEC] = t % 1e9;
    words[q + W_SNAPLEN] = 98;
    words[q + W_LEN] = 98;
    words[q + W_MAC] = 82;
    ring[p + PKTTYPE] = i & 1 ? PACKET_TYPE.OUTGOING : 0;
  }
  words[(blk + BLOCK.STATUS) >>> 2] = TP_STATUS.USER;
  return n;
}

/**
 * One ring's frames taken and not yet written, in time order: a circular queue in typed
 * arrays, as large as the ring can hold frames, so nothing is allocated per frame. A merge
 * across rings (merge.ts) fills it and EpbVecWalker.emitQueued writes from it.
 */
export class FrameQueue {
  /** per frame: its time as ns after the merge's base second (exact in a double) */
  readonly key: Float64Array;
  /** per frame: the offset of its tpacket3_hdr in the ring */
  readonly pos: Uint32Array;
  /** per frame: the index of its block in the ring */
  readonly blk: Uint32Array;
  readonly mask: number;
  /** next to write, next free (both grow without bound; the slot is `& mask`) */
  head = 0;
  tail = 0;
  /** per block of the ring: its frames in the queue (a block goes back to the kernel at 0) */
  readonly left: Int32Array;
  /** frames written to the batch (the merge takes the count) */
  captured = 0;
  /** the ring's address, as u32 halves */
  readonly addrLo: number;
  readonly addrHi: number;

  constructor(readonly words: Uint32Array, readonly bytes: Buffer, blockCount: number, readonly opts: EpbWalkerOptions) {
    // a frame takes at least its 16-aligned tpacket3_hdr + sockaddr_ll (80 bytes) in a block
    let n = 1024;
    while (n < Math.ceil(bytes.length / 80) + 1) n *= 2;
    this.mask = n - 1;
    this.key = new Float64Array(n);
    this.pos = new Uint32Array(n);
    this.blk = new Uint32Array(n);
    this.left = new Int32Array(blockCount);
    const a = bytes.length > 0 ? addressOf(bytes) : 0n;
    this.addrLo = Number(a & 0xffffffffn);
    this.addrHi = Number(a >> 32n);
  }
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

  /** The ring's options. */
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
      while (this.#run(words, bytes, blk, end, skip, i, p)) {
        this.#flush();
        i = this.#at | 0;
        p = this.#pos | 0;
      }
      this.#flush(); // before the block goes back to the kernel
      return this.#at > skip ? this.#at - skip : 0;
    };
    this.#run(EMPTY, Buffer.alloc(0), 0, BLOCK.SIZE, 0, 0, BLOCK.SIZE);
  }

  /**
   * Add the queues' frames to the batch in time order across them, up to `mark` (a key; the
   * frames of one key go in queue order), writing it whenever it is full. Each frame counts
   * itself off its block's `left`. The caller writes the rest with flush() before a block
   * goes back. The frames were checked when queued (the header and the bytes inside their
   * block, the direction kept). Returns the frames taken from the queues.
   *
   * A record is laid out here as #run lays it, line for line. The shared helper this asks for
   * was measured: a call per frame with the batch state passed in and out made #run's frames
   * 24 → 35 ns and these 48 → 56 ns (test/unit/capture-epbv pins both to the same bytes).
   */
  emitQueued(qs: readonly FrameQueue[], mark: number): number {
    const sw = this.#sw;
    const iw = this.#iw;
    const sLo = this.#addr[0];
    const sHi = this.#addr[1];
    const tsc = this.#tsCache;
    let sec0 = tsc[0];
    let hi0 = tsc[1];
    let lo0 = tsc[2];
    let frames = this.#frames;
    let niov = this.#niov;
    let so = this.#so;
    let bytes = this.#bytes;
    let taken = 0;
    for (;;) {
      // the queue whose next frame is oldest, and the oldest next frame of the others
      let k = -1;
      let best = Infinity;
      let other = Infinity;
      for (let j = 0; j < qs.length; j++) {
        const q = qs[j];
        if (q.head === q.tail) continue;
        const key = q.key[q.head & q.mask];
        if (key < best) {
          other = best;
          best = key;
          k = j;
        } else if (key < other) other = key;
      }
      if (k < 0 || best > mark) break;
      // a run: queue k's frames up to the others' next and the mark
      const until = other < mark ? other : mark;
      const q = qs[k];
      const { key, pos, blk, left, mask, words: rw, bytes: rb, addrLo: rLo, addrHi: rHi } = q;
      const { ifId, slow } = q.opts;
      let h = q.head;
      let n = 0;
      do {
        const x = h & mask;
        const p = pos[x];
        const r = p >>> 2;
        const caplen = rw[r + W_SNAPLEN];
        const s = p + (rw[r + W_MAC] & 0xffff);
        const pkttype = rb[p + PKTTYPE];
        const status = rw[r + W_STATUS];
        if (status & TP_STATUS.VLAN_VALID) {
          // the slow path writes through the writer's buffer: the batch goes first
          if (frames !== 0) {
            this.#frames = frames;
            this.#niov = niov;
            this.#so = so;
            this.#bytes = bytes;
            this.#flush();
            frames = niov = so = bytes = 0;
          }
          const vlan = rw[(p + TP3.VLAN_TCI) >>> 2] & 0xffff;
          const tpid = status & TP_STATUS.VLAN_TPID_VALID ? rw[(p + TP3.VLAN_TPID) >>> 2] & 0xffff : 0x8100;
          slow(rb, s, caplen, rw[r + W_LEN], rw[r + W_SEC], rw[r + W_NSEC], pkttype, vlan, tpid);
        } else {
          if (frames === VEC_FRAMES) {
            this.#frames = frames;
            this.#niov = niov;
            this.#so = so;
            this.#bytes = bytes;
            this.#flush();
            frames = niov = so = bytes = 0;
          }
          const pad = (4 - (caplen & 3)) & 3;
          const total = EPB_FIXED + caplen + pad;
          const sec = rw[r + W_SEC];
          if (sec !== sec0) {
            nsHalves(sec, 0, this.#ts);
            sec0 = sec;
            hi0 = this.#ts[0];
            lo0 = this.#ts[1];
          }
          const lo = lo0 + rw[r + W_NSEC];
          // the header, at the end of the open segment (or opening the batch's first)
          let c: number;
          if (niov === 0) {
            const a = sLo + (so << 2);
            iw[0] = a;
            iw[1] = sHi + (a >= TWO32 ? 1 : 0);
            iw[2] = EPB.DATA;
            iw[3] = 0;
            niov = 1;
          } else {
            c = (niov - 1) << 2;
            iw[c + 2] += EPB.DATA;
          }
          sw[so] = BT.EPB;
          sw[so + 1] = total;
          sw[so + 2] = ifId;
          sw[so + 3] = hi0 + (lo >= TWO32 ? 1 : 0);
          sw[so + 4] = lo;
          sw[so + 5] = caplen;
          sw[so + 6] = rw[r + W_LEN];
          so += HDR_WORDS;
          // the frame, where it lies in the ring
          c = niov << 2;
          const fa = rLo + s;
          iw[c] = fa;
          iw[c + 1] = rHi + (fa >= TWO32 ? 1 : 0);
          iw[c + 2] = caplen;
          iw[c + 3] = 0;
          // padding, epb_flags, opt_endofopt and total length: a new open segment
          sw[so] = 0;
          sw[so + 1] = FLAGS_OPT;
          sw[so + 2] = pkttype === PACKET_TYPE.OUTGOING ? 2 : pkttype <= 3 ? 1 : 0;
          sw[so + 3] = 0;
          sw[so + 4] = total;
          const ta = sLo + ((so + 1) << 2) - pad;
          iw[c + 4] = ta;
          iw[c + 5] = sHi + (ta >= TWO32 ? 1 : 0);
          iw[c + 6] = pad + 16;
          iw[c + 7] = 0;
          so += 5;
          niov += 2;
          frames++;
          bytes += total;
          n++;
        }
        left[blk[x]]--;
        h++;
      } while (h !== q.tail && key[h & mask] <= until);
      taken += h - q.head;
      q.head = h;
      q.captured += n;
    }
    this.#frames = frames;
    this.#niov = niov;
    this.#so = so;
    this.#bytes = bytes;
    tsc[0] = sec0;
    tsc[1] = hi0;
    tsc[2] = lo0;
    return taken;
  }

  /** Write what the batch holds. */
  flush(): void {
    this.#flush();
  }

  static #warmed = false;
  /**
   * Walk a made-up ring of ping-sized frames, in and out, into /dev/null until V8 has
   * compiled #run: the compile (about 8 ms of CPU) and the slow interpreted first
   * thousands of frames then happen before the capture starts, not during the first
   * burst of traffic. The ring is a PacketRing over plain memory, drained as a capture
   * drains one, so the feedback V8 compiles from is a capture's. It moves CPU to
   * start-up; it saves none. Once per process.
   */
  static warm(maxRounds = 400): void {
    if (EpbVecWalker.#warmed) return;
    EpbVecWalker.#warmed = true;
    const bs = 256 << 10;
    const ring = PacketRing.overMemory(Buffer.alloc(bs), bs);
    let w: PcapngWriter;
    try {
      w = new PcapngWriter('/dev/null', [{ name: 'warm', linktype: 1, snaplen: 262144 }]);
    } catch {
      return; // no /dev/null: the walker compiles during the capture instead
    }
    try {
      const opts: EpbWalkerOptions = { ifId: 0, keepIn: true, keepOut: true, slow: () => {} };
      const walker = new EpbVecWalker(w, opts);
      let sec = 1_700_000_000;
      untilCompiled(() => {
        madeUpFrames(ring.words, ring.bytes, 0, bs, sec++, 0, 1999, [0]);
        ring.drainBlocks(walker.walk);
      }, maxRounds);
    } finally {
      w.close();
    }
  }

  /** The ring walk() is given (one per walker: its address is read once). */
  #setRing(bytes: Buffer): void {
    this.#ring = bytes;
    const ra = bytes.length > 0 ? addressOf(bytes) : 0n;
    this.#addr[2] = Number(ra & 0xffffffffn);
    this.#addr[3] = Number(ra >> 32n);
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
  #run(rw: Uint32Array, rb: Buffer, blk: number, end: number, skip: number, i: number, p: number): boolean {
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
    const num = rw[(blk + BLOCK.NUM_PKTS) >>> 2];
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
