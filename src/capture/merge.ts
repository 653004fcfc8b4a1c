// Writing several rings into one pcapng file in time order, still zero-copy: the blocks the
// kernel hands over are held (not given back), their frames are queued per ring by timestamp,
// and the walker takes them from the queues in time order across the rings into one batch of
// iovecs pointing into the rings (EpbVecWalker.emitQueued); after the batch is written, the
// blocks whose frames are all out go back to the kernel.
//
// A frame is written only when no ring can still hand over an older one. Within a ring frames
// come in time order, so what ring k has not handed over is in the block the kernel is
// filling: nothing when that block is empty, else frames from its first frame's time on (read
// from the block while the kernel writes it: never a later time than the true one) — and in
// any case nothing older than `holdMs`, by the kernel's retire timer. The merge writes up to
// the earliest of those bounds over the rings: under a flood the hold is about one block, and
// an idle ring holds nothing back. "In time order" within a ring is only nearly so: two CPUs
// stamp frames and put them into the ring in either order, a few µs apart. So the bounds a
// ring's order gives are taken SKEW_NS (1 ms) earlier, and each queue is kept sorted as frames
// come (a frame older than the one before it moves back to its place).
//
// Times are keys: ns after a base second, a whole number below 2^53 (exact in a double) for
// about 100 days after it. One number per frame to store and compare, and no branch that
// depends on where in its second a time falls.
import { EpbVecWalker, FrameQueue, madeUpFrames, untilCompiled, type EpbWalkerOptions } from './epbv.js';
import { PacketRing } from './ring.js';
import { PcapngWriter } from '../pcap/writer.js';
import { BLOCK, PACKET_TYPE, SLL, TP3 } from './tpacket.js';

/** What the merge needs of a ring (PacketRing has it; tests give made-up blocks). */
export interface BlockSource {
  readonly bytes: Buffer;
  readonly words: Uint32Array;
  readonly blockSize: number;
  readonly blockCount: number;
  takeBlocks(out: number[]): number;
  releaseBlocks(n: number): void;
  peekOpen(ts: Uint32Array): 'user' | 'empty' | 'open';
}

/** How far a ring's frames may stray from time order (two CPUs filling it), ns. */
const SKEW_NS = 1e6;

const W_NEXT = TP3.NEXT >>> 2;
const W_SEC = TP3.SEC >>> 2;
const W_NSEC = TP3.NSEC >>> 2;
const W_SNAPLEN = TP3.SNAPLEN >>> 2;
const W_MAC = TP3.MAC >>> 2;
const PKTTYPE = TP3.SLL + SLL.PKTTYPE;

export class RingMerge {
  readonly #q: FrameQueue[];
  /** per ring: the blocks held (their indexes), oldest first */
  readonly #held: number[][];
  readonly #taken: number[] = [];
  readonly #ts = new Uint32Array(2);
  /** per ring: the latest key it handed over */
  readonly #last: Float64Array;

  /**
   * `walker` writes the batches; `opts[k]` are ring k's (its interface id, the directions
   * kept, the slow path); `holdMs`: how long the kernel may keep a frame in a block it has
   * not handed over; keys count ns from `baseSec` (a day before now: frames are stamped by
   * the realtime clock).
   */
  constructor(readonly rings: readonly BlockSource[], readonly walker: EpbVecWalker, readonly opts: readonly EpbWalkerOptions[], readonly holdMs: number, readonly baseSec = Math.floor(Date.now() / 1000) - 86400) {
    this.#q = rings.map((r, k) => new FrameQueue(r.words, r.bytes, r.blockCount, opts[k]));
    this.#held = rings.map(() => []);
    this.#last = new Float64Array(rings.length).fill(-Infinity);
    this.off = new Uint8Array(rings.length);
  }

  static #warmed = false;
  /**
   * Merge two made-up rings of a flood's frames into /dev/null until V8 has compiled take,
   * write and the walker's runs: otherwise the first burst of a flood meets them interpreted,
   * the drains fall tens of ms behind, and the kernel drops what the rings cannot hold (a
   * test saw 12,000 per end). The rings are PacketRings over plain memory, and the rounds go
   * through every path a capture takes: blocks handed over, the open block empty or holding
   * frames (so some frames wait, their blocks stay held and go out next round), the mark from
   * the clock. Then the code V8 compiled meets nothing new when the capture starts, and is not
   * thrown away at its first frames (compiled from stand-ins, it was: every drain of a flood
   * went back to the interpreter). Moves CPU to start-up. Once per process.
   */
  static warm(maxRounds = 300): void {
    if (RingMerge.#warmed) return;
    RingMerge.#warmed = true;
    const bs = 128 << 10;
    const nb = 4;
    const rings = [0, 1].map(() => PacketRing.overMemory(Buffer.alloc(bs * nb), bs));
    let w: PcapngWriter;
    try {
      w = new PcapngWriter('/dev/null', [{ name: 'a', linktype: 1, snaplen: 262144 }, { name: 'b', linktype: 1, snaplen: 262144 }]);
    } catch {
      return;
    }
    try {
      const opts = [0, 1].map((ifId): EpbWalkerOptions => ({ ifId, keepIn: true, keepOut: true, slow: () => {} }));
      const sec = 1_700_000_000;
      const m = new RingMerge(rings, new EpbVecWalker(w, opts[0]), opts, 133, sec - 1);
      // a flood's order: a request leaves ring a, enters ring b, its reply leaves b, enters a
      const pattern = [[0, 3000], [1000, 2000]];
      const next = [0, 0];
      const hand = (k: number, t: number): number => {
        const r = rings[k];
        const n = madeUpFrames(r.words, r.bytes, next[k] * bs, bs, sec, t, 4000, pattern[k]);
        next[k] = (next[k] + 1) % nb;
        return 4000 * Math.ceil(n / 2);
      };
      m.write(false, Date.now()); // nothing handed over yet
      let round = 0;
      untilCompiled(() => {
        const r = round++;
        // a second apart; every other round's frames cross into the next second
        const t = r * 1e9 + (r % 2 ? 999_500_000 : 5_000_000);
        hand(0, t);
        const span = hand(1, t);
        const kind = r % 4;
        if (kind === 1) {
          // ring b's open block holds a frame from mid-round: what comes after it waits
          const open = (next[1] * bs) >>> 2;
          const mid = t + span / 2;
          rings[1].words[open + (BLOCK.NUM_PKTS >>> 2)] = 1;
          rings[1].words[open + (BLOCK.FIRST_PKT >>> 2)] = BLOCK.SIZE;
          rings[1].words[open + ((BLOCK.SIZE + TP3.SEC) >>> 2)] = sec + Math.floor(mid / 1e9);
          rings[1].words[open + ((BLOCK.SIZE + TP3.NSEC) >>> 2)] = mid % 1e9;
        }
        m.take();
        // ring b hands over another block between the take and the write
        if (kind === 2) hand(1, t + span);
        // the clock: just after the frames, or past the retire timer's bound
        m.write(false, (sec * 1e9 + t + 2 * span) / 1e6 + (kind === 3 ? 200 : 2));
      }, maxRounds);
      m.write(true, Date.now());
    } finally {
      w.close();
    }
  }

  /** Rings not to read (their interface is gone, or they are closed): 1 each. */
  readonly off: Uint8Array;

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
    let n = 0;
    for (const q of this.#q) n += q.tail - q.head;
    return n;
  }

  /**
   * Take what every ring (not `off`) handed over, into its queue: each frame whose header
   * and bytes lie inside its block, in a direction kept. Returns the frames taken.
   */
  take(): number {
    let n = 0;
    const base = this.baseSec;
    for (let k = 0; k < this.rings.length; k++) {
      if (this.off[k] !== 0) continue;
      const r = this.rings[k];
      const q = this.#q[k];
      const taken = this.#taken;
      taken.length = 0;
      r.takeBlocks(taken);
      const w = q.words;
      const b = q.bytes;
      const bs = r.blockSize;
      const { keepIn, keepOut } = q.opts;
      const { key, pos, blk: qb, mask: m } = q;
      let last = this.#last[k];
      for (const blk of taken) {
        const bi = blk / bs;
        const num = w[(blk + BLOCK.NUM_PKTS) >>> 2];
        const end = blk + bs;
        let p = blk + w[(blk + BLOCK.FIRST_PKT) >>> 2];
        let c = 0;
        for (let i = 0; i < num; i++) {
          if ((p & 3) !== 0 || p + TP3.SLL + SLL.SIZE > end) break; // a lying header: never read outside the block
          const r4 = p >>> 2;
          const t = (w[r4 + W_SEC] - base) * 1e9 + w[r4 + W_NSEC];
          const out = b[p + PKTTYPE] === PACKET_TYPE.OUTGOING;
          if (p + (w[r4 + W_MAC] & 0xffff) + w[r4 + W_SNAPLEN] <= end && (out ? keepOut : keepIn)) {
            // keep the queue sorted: move back past the (unwritten) frames that are later
            let j = q.tail;
            while (j !== q.head) {
              const x = (j - 1) & m;
              if (key[x] <= t) break;
              const y = j & m;
              key[y] = key[x];
              pos[y] = pos[x];
              qb[y] = qb[x];
              j--;
            }
            const y = j & m;
            key[y] = t;
            pos[y] = p;
            qb[y] = bi;
            q.tail++;
            if (t > last) last = t;
            c++;
          }
          const next = w[r4 + W_NEXT];
          if (next === 0) break;
          p += next;
        }
        q.left[bi] = c;
        this.#held[k].push(bi);
        n += c;
      }
      this.#last[k] = last;
    }
    return n;
  }

  /**
   * Write every frame no ring can still precede (all of them when `final`), in time order,
   * then give back the blocks written out; `nowMs` is the clock (Date.now()). Returns the
   * frames written.
   */
  write(final: boolean, nowMs: number): number {
    const qs = this.#q;
    // the mark: min over rings of max(last delivered, now − hold, what the open block says)
    let mark = Infinity;
    if (!final) {
      const base = this.baseSec;
      const now = (nowMs - base * 1000) * 1e6;
      const hold = now - this.holdMs * 1e6;
      // a frame the kernel is adding now has a time a little before now
      const adding = now - 1e6;
      const ts = this.#ts;
      for (let k = 0; k < qs.length; k++) {
        // the last frame it handed over (from the ring's order: SKEW_NS earlier), or the
        // retire timer's bound, whichever is later
        let b = Math.max(this.#last[k] - SKEW_NS, hold);
        const open = this.rings[k].peekOpen(ts);
        // its open block: empty, or frames from (up to SKEW_NS before) its first frame's time
        if (open === 'empty') b = Math.max(b, adding);
        else if (open === 'open') b = Math.max(b, (ts[0] - base) * 1e9 + ts[1] - SKEW_NS);
        mark = Math.min(mark, b);
      }
    }
    const written = this.walker.emitQueued(qs, mark);
    this.walker.flush();
    // give back the blocks written out
    for (let k = 0; k < qs.length; k++) {
      const held = this.#held[k];
      const left = qs[k].left;
      let done = 0;
      while (done < held.length && left[held[done]] === 0) done++;
      if (done === 0) continue;
      this.rings[k].releaseBlocks(done);
      held.splice(0, done);
    }
    return written;
  }
}
