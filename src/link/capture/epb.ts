// The capture hot path when writing pcapng (`vping capture … -w file.pcapng`): one loop per
// ring block reads each tpacket3_hdr as words and lays the frame down as an Enhanced Packet
// Block straight into the writer's buffer — no call, no object and no view per frame.
// Under a ping -f flood at both ends this loop runs 400,000 times a second, so:
// - the block's words and the writer's words are locals; the offset is committed once per
//   block (or when the buffer is flushed);
// - the 64-bit ns timestamp is split without BigInt or division per frame: sec·10⁹ is
//   split once per second and nsec added with one carry;
// - small frames are copied word by word (the frame starts 2 bytes past a word in the
//   ring; the EPB data on a word): Buffer#copy makes a view object per call, which costs
//   more than the copy itself below a few hundred bytes.
// Frames whose VLAN tag the kernel took off go through the generic path (`slow`), which
// puts the tag back. The bytes written equal PcapngWriter.packet's (test/unit/capture-epb).
import { EPB, EPB_OPT, BT } from '../pcap/format.js';
import { nsHalves, type PcapngWriter } from '../pcap/writer.js';
import type { BlockWalker, FrameHandler } from './ring.js';
import { SLL, TP3, TP_STATUS, BLOCK, PACKET_TYPE } from './tpacket.js';

/** Frames at least this long are copied with Buffer#copy (memcpy) instead of word by word. */
export const WORD_COPY_MAX = 256;

// word indexes of the tpacket3_hdr fields (the header is 16-byte aligned)
const W_NEXT = TP3.NEXT >>> 2;
const W_SEC = TP3.SEC >>> 2;
const W_NSEC = TP3.NSEC >>> 2;
const W_SNAPLEN = TP3.SNAPLEN >>> 2;
const W_LEN = TP3.LEN >>> 2;
const W_STATUS = TP3.STATUS >>> 2;
const W_MAC = TP3.MAC >>> 2; // mac u16 @24 is the low half of word 6 (little-endian)
const PKTTYPE = TP3.SLL + SLL.PKTTYPE;
const HDR_MIN = TP3.SLL + SLL.SIZE;
// EPB: 28 bytes of header, the data padded to 4, epb_flags (8), opt_endofopt (4), total (4)
const EPB_FIXED = EPB.DATA + 16;
const FLAGS_OPT = EPB_OPT.FLAGS | (4 << 16);
const TWO32 = 4294967296;
/** A block holding no frame (num_pkts 0). */
const EMPTY = new Uint32Array(BLOCK.SIZE >>> 2);

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

/** A BlockWalker that writes each frame of a block as an EPB into `writer`. */
export class EpbWalker {
  /** Frames written by this walker (the slow path counts its own). */
  captured = 0;
  readonly walk: BlockWalker;
  /** sec·10⁹ split, cached for the last second seen: [sec (-1: none), hi, lo]. A typed
   * array, not fields: lo passes 2³¹ (no small integer), and a field changing its
   * representation would change the object's map under the optimized loop. */
  readonly #tsCache = Float64Array.of(-1, 0, 0);
  readonly #ts = new Uint32Array(2);
  // where #run stopped: frame index and offset, and the bytes it needed when out of room
  #at = 0;
  #pos = 0;
  #need = 0;

  constructor(readonly writer: PcapngWriter, readonly opts: EpbWalkerOptions) {
    this.walk = (words, bytes, blk, end, skip) => {
      let i = 0;
      let p = blk + words[(blk + BLOCK.FIRST_PKT) >>> 2];
      // #run stops when the writer's buffer is full; the flush happens here, outside the
      // loop, so that the loop holds no call it rarely makes
      while (this.#run(words, bytes, blk, end, skip, i, p)) {
        writer.reserve(this.#need);
        i = this.#at | 0; // small integers, whatever representation the optimizer stored
        p = this.#pos | 0;
      }
      return this.#at > skip ? this.#at - skip : 0;
    };
    // One run over an empty block: V8 optimizes #run while its first real block is being
    // walked (on-stack replacement), before the code after the loop ever ran; without
    // type feedback there, that code would be thrown away and compiled again.
    this.#run(EMPTY, Buffer.alloc(0), 0, BLOCK.SIZE, 0, 0, BLOCK.SIZE);
  }

  /**
   * Walk frames [i, num) of the block from offset p. Returns true when it stopped because
   * the writer's buffer has no room for frame #at (which needs #need bytes).
   */
  #run(rw: Uint32Array, rb: Buffer, blk: number, end: number, skip: number, i: number, p: number): boolean {
    const w = this.writer;
    const { ifId, keepIn, keepOut, slow } = this.opts;
    const ringEnd = rb.length;
    let o32 = w.words;
    let oo = w.offset;
    let cap = o32.length << 2;
    const tsc = this.#tsCache;
    let sec0 = tsc[0];
    let hi0 = tsc[1];
    let lo0 = tsc[2];
    let recs = 0; // records written since the last commit
    let taken = 0; // records committed before
    let need = 0;
    const num = rw[(blk + BLOCK.NUM_PKTS) >>> 2];
    for (; i < num; i++) {
      if ((p & 3) !== 0 || p + HDR_MIN > end) break; // a lying header: never read outside the block
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
            w.commit(oo, recs);
            taken += recs;
            recs = 0;
            const vlan = rw[(p + TP3.VLAN_TCI) >>> 2] & 0xffff;
            const tpid = status & TP_STATUS.VLAN_TPID_VALID ? rw[(p + TP3.VLAN_TPID) >>> 2] & 0xffff : 0x8100;
            slow(rb, s, caplen, rw[q + W_LEN], rw[q + W_SEC], rw[q + W_NSEC], pkttype, vlan, tpid);
            o32 = w.words; // the slow path may have flushed or grown the buffer
            oo = w.offset;
            cap = o32.length << 2;
          } else {
            const words = (caplen + 3) >>> 2;
            const total = EPB_FIXED + (words << 2);
            if (oo + total > cap) {
              need = total;
              break;
            }
            const sec = rw[q + W_SEC];
            if (sec !== sec0) {
              nsHalves(sec, 0, this.#ts);
              sec0 = sec;
              hi0 = this.#ts[0];
              lo0 = this.#ts[1];
            }
            // lo may pass 2³²: the Uint32Array store keeps it modulo 2³², and hi takes the carry
            const lo = lo0 + rw[q + W_NSEC];
            const o = oo >>> 2;
            o32[o] = BT.EPB;
            o32[o + 1] = total;
            o32[o + 2] = ifId;
            o32[o + 3] = hi0 + (lo >= TWO32 ? 1 : 0);
            o32[o + 4] = lo;
            o32[o + 5] = caplen;
            o32[o + 6] = rw[q + W_LEN];
            const d = o + (EPB.DATA >>> 2);
            const t = d + words;
            if (caplen <= WORD_COPY_MAX && s + caplen + 8 <= ringEnd) {
              const sh = s & 3;
              let a = s >>> 2;
              let z = d;
              if (sh === 0) {
                while (z < t) o32[z++] = rw[a++];
              } else {
                const rs = sh << 3;
                const ls = 32 - rs;
                let cur = rw[a++];
                while (z < t) {
                  const nx = rw[a++];
                  o32[z++] = (cur >>> rs) | (nx << ls);
                  cur = nx;
                }
              }
            } else {
              rb.copy(w.bytes, oo + EPB.DATA, s, s + caplen);
            }
            const rem = caplen & 3;
            if (rem !== 0) o32[t - 1] &= (1 << (rem << 3)) - 1; // the padding is zeros
            o32[t] = FLAGS_OPT;
            o32[t + 1] = out ? 2 : pkttype <= 3 ? 1 : 0;
            o32[t + 2] = 0;
            o32[t + 3] = total;
            oo += total;
            recs++;
          }
        }
      }
      if (next === 0) {
        i++;
        break;
      }
      p += next;
    }
    w.commit(oo, recs);
    this.captured += taken + recs;
    tsc[0] = sec0;
    tsc[1] = hi0;
    tsc[2] = lo0;
    this.#at = i;
    this.#pos = p;
    this.#need = need;
    return need !== 0;
  }
}
