// Writing several rings into one pcapng file in time order, still zero-copy: the blocks the
// kernel hands over are held (not given back), their frames are merged by timestamp across
// rings, and each run of consecutive frames from one block goes into one shared EpbVecWalker
// batch (iovecs pointing into the rings); after the batch is written, the blocks whose frames
// are all out go back to the kernel.
//
// A frame is written only when no ring can still hand over an older one. Within a ring frames
// come in time order, so what ring k has not handed over is in the block the kernel is
// filling: nothing when that block is empty, else frames from its first frame's time on (read
// from the block while the kernel writes it: never a later time than the true one) — and in
// any case nothing older than `holdMs`, by the kernel's retire timer. The merge writes up to
// the earliest of those bounds over the rings: under a flood the hold is about one block, and
// an idle ring holds nothing back. "In time order" within a ring is only nearly so: two CPUs
// stamp frames and put them into the ring in either order, a few µs apart. So the bounds a
// ring's order gives are taken SKEW_MS earlier, and each queue is kept sorted as frames come
// (a frame older than the one before it moves back to its place).
import { EpbVecWalker, madeUpBlock, untilCompiled, type EpbWalkerOptions } from './epbv.js';
import { PcapngWriter } from '../pcap/writer.js';
import { BLOCK, SLL, TP3 } from './tpacket.js';

/** What the merge needs of a ring (PacketRing has it; tests give made-up blocks). */
export interface BlockSource {
  readonly bytes: Buffer;
  readonly words: Uint32Array;
  readonly blockSize: number;
  takeBlocks(out: number[]): number;
  releaseBlocks(n: number): void;
  peekOpen(ts: Uint32Array): 'user' | 'empty' | 'open';
}

/** How far a ring's frames may stray from time order (two CPUs filling it), ms. */
const SKEW_MS = 1;
const SKEW_NS = SKEW_MS * 1e6;

const W_NEXT = TP3.NEXT >>> 2;
const W_SEC = TP3.SEC >>> 2;
const W_NSEC = TP3.NSEC >>> 2;

/**
 * One ring's frames taken and not yet written, oldest first (a circular queue in typed arrays,
 * as large as the ring can hold frames: nothing allocated per frame), and the blocks that hold them.
 */
class Queue {
  readonly sec: Uint32Array;
  readonly nsec: Uint32Array;
  readonly blk: Uint32Array;
  readonly idx: Uint32Array;
  readonly pos: Uint32Array;
  readonly mask: number;
  /** next to write, next free (both grow without bound; the slot is `& mask`) */
  head = 0;
  tail = 0;
  /** held blocks, oldest first, with the number of their frames not yet written */
  blocks: number[] = [];
  left: number[] = [];
  lastSec = -1;
  lastNsec = 0;
  captured = 0;
  constructor(capacity: number) {
    let n = 1024;
    while (n < capacity) n *= 2;
    this.mask = n - 1;
    this.sec = new Uint32Array(n);
    this.nsec = new Uint32Array(n);
    this.blk = new Uint32Array(n);
    this.idx = new Uint32Array(n);
    this.pos = new Uint32Array(n);
  }
  get size(): number {
    return this.tail - this.head;
  }
}

export class RingMerge {
  readonly #q: Queue[];
  readonly #taken: number[] = [];
  readonly #ts = new Uint32Array(2);

  /**
   * `walker` writes the batches (its `opts` are set per run to the ring's `opts[k]`); `holdMs`:
   * how long the kernel may keep a frame in a block it has not handed over.
   */
  // each ring's memory, read once (the merge switches rings run by run)
  readonly #words: Uint32Array[];
  readonly #bytes: Buffer[];
  readonly #bs: number[];

  constructor(readonly rings: readonly BlockSource[], readonly walker: EpbVecWalker, readonly opts: readonly EpbWalkerOptions[], readonly holdMs: number) {
    // a frame takes at least its 16-aligned tpacket3_hdr + sockaddr_ll (80 bytes) in a block
    this.#q = rings.map((r) => new Queue(Math.ceil(r.bytes.length / 80) + 1));
    this.#words = rings.map((r) => r.words);
    this.#bytes = rings.map((r) => r.bytes);
    this.#bs = rings.map((r) => r.blockSize);
  }

  static #warmed = false;
  /**
   * Merge two made-up rings of interleaved frames into /dev/null until V8 has compiled take,
   * write and the walker's runs: otherwise the first burst of a flood meets them interpreted,
   * the drains fall tens of ms behind, and the kernel drops what the rings cannot hold (a
   * test saw 12,000 per end). Moves CPU to start-up. Once per process.
   */
  static warm(maxRounds = 300): void {
    if (RingMerge.#warmed) return;
    RingMerge.#warmed = true;
    const bs = 128 << 10;
    const made = [madeUpBlock(bs, 0), madeUpBlock(bs, 999)];
    const fakes: BlockSource[] = made.map(({ ring, words }) => {
      let given = false;
      return {
        bytes: ring, words, blockSize: bs,
        takeBlocks: (out: number[]) => (given ? 0 : ((given = true), out.push(0), 1)),
        releaseBlocks: () => void (given = false),
        peekOpen: () => 'empty' as const,
      };
    });
    let w: PcapngWriter;
    try {
      w = new PcapngWriter('/dev/null', [{ name: 'a', linktype: 1, snaplen: 262144 }, { name: 'b', linktype: 1, snaplen: 262144 }]);
    } catch {
      return;
    }
    try {
      const opts = [0, 1].map((ifId): EpbWalkerOptions => ({ ifId, keepIn: true, keepOut: true, slow: () => {} }));
      const m = new RingMerge(fakes, new EpbVecWalker(w, opts[0]), opts, 133);
      untilCompiled(() => {
        m.take();
        m.write(true);
      }, maxRounds);
    } finally {
      w.close();
    }
  }

  /** Frames written for ring k (since the last takeCaptured). */
  captured(k: number): number {
    return this.#q[k].captured;
  }

  /** Frames written for ring k since the last call (the session adds them to its counts). */
  takeCaptured(k: number): number {
    const n = this.#q[k].captured;
    this.#q[k].captured = 0;
    return n;
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
      const w = this.#words[k];
      const bs = this.#bs[k];
      const m = q.mask;
      for (const blk of taken) {
        const num = w[(blk + BLOCK.NUM_PKTS) >>> 2];
        let p = blk + w[(blk + BLOCK.FIRST_PKT) >>> 2];
        let c = 0;
        for (let i = 0; i < num; i++) {
          if ((p & 3) !== 0 || p + TP3.SLL + SLL.SIZE > blk + bs) break; // a lying header: never read outside the block
          const s = w[(p >>> 2) + W_SEC];
          const ns = w[(p >>> 2) + W_NSEC];
          // keep the queue sorted: move back past the (unwritten) frames that are later
          let j = q.tail;
          while (j > q.head) {
            const x = (j - 1) & m;
            if (q.sec[x] < s || (q.sec[x] === s && q.nsec[x] <= ns)) break;
            const y = j & m;
            q.sec[y] = q.sec[x];
            q.nsec[y] = q.nsec[x];
            q.blk[y] = q.blk[x];
            q.idx[y] = q.idx[x];
            q.pos[y] = q.pos[x];
            j--;
          }
          const t = j & m;
          q.sec[t] = s;
          q.nsec[t] = ns;
          q.blk[t] = blk;
          q.idx[t] = i;
          q.pos[t] = p;
          q.tail++;
          if (s > q.lastSec || (s === q.lastSec && ns > q.lastNsec)) {
            q.lastSec = s;
            q.lastNsec = ns;
          }
          c++;
          const next = w[(p >>> 2) + W_NEXT];
          if (next === 0) break;
          p += next;
        }
        q.blocks.push(blk);
        q.left.push(c);
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
      const hSec = Math.floor(t / 1000);
      const hNsec = Math.round((t - hSec * 1000) * 1e6);
      // a frame the kernel is adding now has a time a little before now
      const e = nowMs - 1;
      const eSec = Math.floor(e / 1000);
      const eNsec = Math.round((e - eSec * 1000) * 1e6);
      const ts = this.#ts;
      for (let k = 0; k < qs.length; k++) {
        const q = qs[k];
        // the latest of: the last frame it handed over, now − hold, and what its open block
        // says (the ones from the ring's order taken SKEW_MS earlier)
        let s = q.lastSec;
        let ns = q.lastNsec - SKEW_NS;
        if (ns < 0) {
          s--;
          ns += 1e9;
        }
        if (hSec > s || (hSec === s && hNsec > ns)) {
          s = hSec;
          ns = hNsec;
        }
        const open = this.rings[k].peekOpen(ts);
        let oSec = -1;
        let oNsec = 0;
        if (open === 'empty') {
          oSec = eSec;
          oNsec = eNsec;
        } else if (open === 'open') {
          // up to SKEW_MS before its first frame
          oSec = ts[0];
          oNsec = ts[1] - SKEW_NS;
          if (oNsec < 0) {
            oSec--;
            oNsec += 1e9;
          }
        }
        if (oSec > s || (oSec === s && oNsec > ns)) {
          s = oSec;
          ns = oNsec;
        }
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
        if (q.head === q.tail) continue;
        const h = q.head & q.mask;
        const s = q.sec[h];
        const ns = q.nsec[h];
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
      const m = q.mask;
      const h = q.head & m;
      const blk = q.blk[h];
      let j = q.head + 1;
      for (; j < q.tail; j++) {
        const x = j & m;
        // a run: the next frames of the same block, in the block's order, not later than the others'
        if (q.blk[x] !== blk || q.idx[x] !== q.idx[(j - 1) & m] + 1 || q.sec[x] > oSec || (q.sec[x] === oSec && q.nsec[x] > oNsec)) break;
      }
      const w = this.walker;
      w.opts = this.opts[k];
      const before = w.captured;
      w.walkRange(this.#words[k], this.#bytes[k], blk, blk + this.#bs[k], q.idx[h], q.pos[h], q.idx[(j - 1) & m] + 1);
      q.captured += w.captured - before;
      written += j - q.head;
      // count the run off its block (the oldest held blocks come first)
      let b = 0;
      while (q.blocks[b] !== blk) b++;
      q.left[b] -= j - q.head;
      q.head = j;
    }
    this.walker.flush();
    // give back the blocks written out, and forget their frames
    for (let k = 0; k < qs.length; k++) {
      const q = qs[k];
      let done = 0;
      while (done < q.blocks.length && q.left[done] === 0) done++;
      if (done === 0) continue;
      this.rings[k].releaseBlocks(done);
      q.blocks.splice(0, done);
      q.left.splice(0, done);
    }
    return written;
  }
}
