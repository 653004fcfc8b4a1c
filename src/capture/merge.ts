// Writing several rings into one pcapng file in time order, still zero-copy: the blocks the
// kernel hands over are held (not given back), their frames are merged by timestamp across
// rings, and each run of consecutive frames from one block goes into one shared EpbVecWalker
// batch (iovecs pointing into the rings); after the batch is written, the blocks whose frames
// are all out go back to the kernel.
//
// A frame is written only when no ring can still hand over an older one. Within a ring frames
// come in time order, so ring k can still deliver a frame older than T only if T is later
// than the last frame it delivered and its open block may hold frames from before T — which
// the kernel's retire timer rules out once T is older than `holdMs`. The merge writes up to
// min over rings of max(last delivered, now − holdMs): under a flood, both rings deliver all
// the time and the hold is about one block; an idle ring holds nothing back for long.
import type { EpbVecWalker, EpbWalkerOptions } from './epbv.js';
import { BLOCK, SLL, TP3 } from './tpacket.js';

/** What the merge needs of a ring (PacketRing has it; tests give made-up blocks). */
export interface BlockSource {
  readonly bytes: Buffer;
  readonly words: Uint32Array;
  readonly blockSize: number;
  takeBlocks(out: number[]): number;
  releaseBlocks(n: number): void;
}

const W_NEXT = TP3.NEXT >>> 2;
const W_SEC = TP3.SEC >>> 2;
const W_NSEC = TP3.NSEC >>> 2;

/** One ring's frames taken and not yet written, oldest first, and the blocks that hold them. */
class Queue {
  sec: number[] = [];
  nsec: number[] = [];
  blk: number[] = [];
  idx: number[] = [];
  pos: number[] = [];
  head = 0;
  /** held blocks, oldest first, with the number of queued frames each holds */
  blocks: number[] = [];
  counts: number[] = [];
  /** frames of the oldest held blocks already written, counted from blocks[0]'s first */
  written = 0;
  lastSec = -1;
  lastNsec = 0;
  captured = 0;
  get size(): number {
    return this.sec.length - this.head;
  }
}

export class RingMerge {
  readonly #q: Queue[];
  readonly #taken: number[] = [];

  /**
   * `walker` writes the batches (its `opts` are set per run to the ring's `opts[k]`); `holdMs`:
   * how long the kernel may keep a frame in a block it has not handed over.
   */
  constructor(readonly rings: readonly BlockSource[], readonly walker: EpbVecWalker, readonly opts: readonly EpbWalkerOptions[], readonly holdMs: number) {
    this.#q = rings.map(() => new Queue());
  }

  /** Frames written for ring k so far. */
  captured(k: number): number {
    return this.#q[k].captured;
  }

  /** Frames taken and not yet written (held in the rings). */
  get pending(): number {
    return this.#q.reduce((n, q) => n + q.size, 0);
  }

  /** Take what every ring (not `skip`ped) handed over. Returns the frames taken. */
  take(skip: (k: number) => boolean = () => false): number {
    let n = 0;
    for (let k = 0; k < this.rings.length; k++) {
      if (skip(k)) continue;
      const r = this.rings[k];
      const q = this.#q[k];
      const taken = this.#taken;
      taken.length = 0;
      r.takeBlocks(taken);
      const w = r.words;
      const bs = r.blockSize;
      for (const blk of taken) {
        const num = w[(blk + BLOCK.NUM_PKTS) >>> 2];
        let p = blk + w[(blk + BLOCK.FIRST_PKT) >>> 2];
        let c = 0;
        for (let i = 0; i < num; i++) {
          if ((p & 3) !== 0 || p + TP3.SLL + SLL.SIZE > blk + bs) break; // a lying header: never read outside the block
          const s = w[(p >>> 2) + W_SEC];
          const ns = w[(p >>> 2) + W_NSEC];
          q.sec.push(s);
          q.nsec.push(ns);
          q.blk.push(blk);
          q.idx.push(i);
          q.pos.push(p);
          q.lastSec = s;
          q.lastNsec = ns;
          c++;
          const next = w[(p >>> 2) + W_NEXT];
          if (next === 0) break;
          p += next;
        }
        q.blocks.push(blk);
        q.counts.push(c);
        n += c;
      }
    }
    return n;
  }

  /**
   * Write every frame no ring can still precede (all of them when `final`), in time order,
   * then give back the blocks written out. Returns the frames written.
   */
  write(final: boolean, nowMs = Date.now()): number {
    const qs = this.#q;
    // the mark: min over rings of max(last delivered, now − hold), as (sec, nsec)
    let mSec = Infinity;
    let mNsec = 0;
    if (!final) {
      const t = nowMs - this.holdMs;
      const tSec = Math.floor(t / 1000);
      const tNsec = (t - tSec * 1000) * 1e6;
      for (const q of qs) {
        const later = q.lastSec > tSec || (q.lastSec === tSec && q.lastNsec > tNsec);
        const s = later ? q.lastSec : tSec;
        const ns = later ? q.lastNsec : tNsec;
        if (s < mSec || (s === mSec && ns < mNsec)) {
          mSec = s;
          mNsec = ns;
        }
      }
    }
    let written = 0;
    for (;;) {
      // the ring whose next frame is oldest, and the oldest next frame of the others
      let k = -1;
      let bSec = Infinity;
      let bNsec = 0;
      let oSec = Infinity;
      let oNsec = 0;
      for (let j = 0; j < qs.length; j++) {
        const q = qs[j];
        if (q.head >= q.sec.length) continue;
        const s = q.sec[q.head];
        const ns = q.nsec[q.head];
        if (s < bSec || (s === bSec && ns < bNsec)) {
          oSec = bSec;
          oNsec = bNsec;
          bSec = s;
          bNsec = ns;
          k = j;
        } else if (s < oSec || (s === oSec && ns < oNsec)) {
          oSec = s;
          oNsec = ns;
        }
      }
      if (k < 0 || bSec > mSec || (bSec === mSec && bNsec > mNsec)) break;
      // the run: frames of ring k's current block up to the other rings' next and the mark
      if (mSec < oSec || (mSec === oSec && mNsec < oNsec)) {
        oSec = mSec;
        oNsec = mNsec;
      }
      const q = qs[k];
      const blk = q.blk[q.head];
      let j = q.head + 1;
      while (j < q.sec.length && q.blk[j] === blk && (q.sec[j] < oSec || (q.sec[j] === oSec && q.nsec[j] <= oNsec))) j++;
      const r = this.rings[k];
      const w = this.walker;
      w.opts = this.opts[k];
      const before = w.captured;
      w.walkRange(r.words, r.bytes, blk, blk + r.blockSize, q.idx[q.head], q.pos[q.head], q.idx[j - 1] + 1);
      q.captured += w.captured - before;
      written += j - q.head;
      q.written += j - q.head;
      q.head = j;
    }
    this.walker.flush();
    // give back the blocks written out, and forget their frames
    for (let k = 0; k < qs.length; k++) {
      const q = qs[k];
      let done = 0;
      while (done < q.blocks.length && q.written >= q.counts[done]) {
        q.written -= q.counts[done];
        done++;
      }
      if (done === 0) continue;
      this.rings[k].releaseBlocks(done);
      q.blocks.splice(0, done);
      q.counts.splice(0, done);
      if (q.head > 4096 || q.head === q.sec.length) {
        for (const a of [q.sec, q.nsec, q.blk, q.idx, q.pos]) a.splice(0, q.head);
        q.head = 0;
      }
    }
    return written;
  }
}
