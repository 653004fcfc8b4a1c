// The zero-copy pcapng hot path (EpbVecWalker: writev from the ring), including batches of
// more than one writev.
// The pcapng hot path (EpbVecWalker over a TPACKET_V3 block) against the generic path
// (PcapngWriter.packet, pinned byte for byte by pcap-writer.test.ts): the same frames must
// give the same file. The ring block is built here by hand, laid out as the kernel lays it.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { EpbVecWalker, EpbVecWalker as EpbWalker, VEC_FRAMES, madeUpFrames } from '../../src/capture/epbv.js';
import { PacketRing, type FrameHandler } from '../../src/capture/ring.js';
import { PcapngWriter } from '../../src/pcap/writer.js';
import { RingMerge, type BlockSource } from '../../src/capture/merge.js';
import { openCaptureFd } from '../../src/pcap/reader.js';

// frame lengths around a few hundred bytes, where copying strategies usually switch
const SIZE_EDGE = 256;

const dir = mkdtempSync(join(tmpdir(), 'vping-epbv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Frame {
  sec: number;
  nsec: number;
  caplen: number;
  len: number;
  pkttype: number;
  /** offset of the frame from its tpacket3_hdr (the kernel's macoff; 82 for Ethernet) */
  mac: number;
  vlan?: number;
  seed: number;
}

const BS = 1 << 16;
/** Lay frames into block 0 of a two-block ring: block header, then 16-aligned tpacket3_hdrs. */
function ringOf(frames: Frame[], ringLen = 2 * BS): { ring: Buffer; words: Uint32Array } {
  const ring = Buffer.alloc(ringLen, 0xee); // not zeros: the padding must come from the walker
  const words = new Uint32Array(ring.buffer, ring.byteOffset, ringLen / 4);
  ring.writeUInt32LE(1, 8); // block_status: TP_STATUS_USER
  ring.writeUInt32LE(frames.length, 12); // num_pkts
  ring.writeUInt32LE(48, 16); // offset_to_first_pkt
  let p = 48;
  frames.forEach((f, i) => {
    const next = i + 1 < frames.length ? (f.mac + f.caplen + 15) & ~15 : 0;
    ring.writeUInt32LE(next, p);
    ring.writeUInt32LE(f.sec, p + 4);
    ring.writeUInt32LE(f.nsec, p + 8);
    ring.writeUInt32LE(f.caplen, p + 12);
    ring.writeUInt32LE(f.len, p + 16);
    ring.writeUInt32LE(f.vlan !== undefined ? 0x10 : 0, p + 20); // TP_STATUS_VLAN_VALID
    ring.writeUInt16LE(f.mac, p + 24);
    ring.writeUInt32LE(f.vlan ?? 0, p + 32);
    ring[p + 48 + 10] = f.pkttype; // sockaddr_ll.sll_pkttype
    for (let k = 0; k < f.caplen; k++) ring[p + f.mac + k] = (f.seed + k * 31) & 0xff;
    p += next;
  });
  return { ring, words };
}

const epbDir = (t: number) => (t === 4 ? 2 : t <= 3 ? 1 : 0);

/** The generic path: one PcapngWriter.packet per frame kept. */
function expected(path: string, frames: Frame[], ring: Buffer, keepIn: boolean, keepOut: boolean, skip = 0): Buffer {
  const w = new PcapngWriter(path, [{ name: 'a', linktype: 1, snaplen: 262144 }, { name: 'b', linktype: 1, snaplen: 262144 }]);
  let p = 48;
  frames.forEach((f, i) => {
    const out = f.pkttype === 4;
    if (i >= skip && (out ? keepOut : keepIn)) {
      if (f.vlan !== undefined) w.packet(1, 0, 0, Uint8Array.of(f.vlan & 0xff), 0, 1, 1, 0); // the slow path's stand-in
      else w.packet(1, f.sec, f.nsec, ring, p + f.mac, f.caplen, f.len, epbDir(f.pkttype));
    }
    p += (f.mac + f.caplen + 15) & ~15;
  });
  w.close();
  return readFileSync(path);
}

function walked(path: string, _frames: Frame[], ring: Buffer, words: Uint32Array, keepIn: boolean, keepOut: boolean, skip = 0): { file: Buffer; n: number; captured: number } {
  const w = new PcapngWriter(path, [{ name: 'a', linktype: 1, snaplen: 262144 }, { name: 'b', linktype: 1, snaplen: 262144 }]);
  const slow: FrameHandler = (_b, _o, _c, _l, _s, _n, _t, vlan) => w.packet(1, 0, 0, Uint8Array.of(vlan & 0xff), 0, 1, 1, 0);
  const walker = new EpbWalker(w, { ifId: 1, keepIn, keepOut, slow });
  const n = walker.walk(words, ring, 0, BS, skip);
  w.close();
  return { file: readFileSync(path), n, captured: walker.captured };
}

const frameArb = fc.record({
  sec: fc.oneof(fc.constant(1700000000), fc.integer({ min: 0, max: 0xffffffff })),
  nsec: fc.oneof(fc.integer({ min: 0, max: 999_999_999 }), fc.constant(999_999_999)),
  caplen: fc.oneof(fc.integer({ min: 0, max: 120 }), fc.integer({ min: SIZE_EDGE - 4, max: SIZE_EDGE + 4 }), fc.integer({ min: 0, max: 1600 })),
  len: fc.integer({ min: 0, max: 65535 }),
  pkttype: fc.integer({ min: 0, max: 5 }),
  mac: fc.integer({ min: 68, max: 100 }),
  vlan: fc.option(fc.integer({ min: 0, max: 0xffff }), { nil: undefined, freq: 8 }),
  seed: fc.integer({ min: 0, max: 255 }),
});

describe('EpbVecWalker (zero-copy pcapng hot path)', () => {
  it('after warm() (V8 compiled on made-up frames), a walker still writes what the generic path writes', () => {
    EpbVecWalker.warm();
    EpbVecWalker.warm(); // once per process
    const frames: Frame[] = Array.from({ length: 50 }, (_, i) => ({ sec: 7, nsec: i, caplen: 40 + i, len: 99, pkttype: i % 5, mac: 82, seed: i }));
    const { ring, words } = ringOf(frames);
    const want = expected(join(dir, 'w-want.pcapng'), frames, ring, true, true);
    const got = walked(join(dir, 'w-got.pcapng'), frames, ring, words, true, true);
    expect(got.captured).toBe(50);
    expect(got.file.equals(want)).toBe(true);
  });

  it('writes a ping flood block byte for byte as PcapngWriter.packet does', () => {
    const frames: Frame[] = Array.from({ length: 200 }, (_, i) => ({
      sec: 1700000000 + (i >> 6), nsec: (i * 7_654_321) % 1e9, caplen: 98, len: 98, pkttype: i & 1 ? 4 : 0, mac: 82, seed: i,
    }));
    const { ring, words } = ringOf(frames);
    const want = expected(join(dir, 'a-want.pcapng'), frames, ring, true, true);
    const got = walked(join(dir, 'a-got.pcapng'), frames, ring, words, true, true);
    expect(got.n).toBe(200);
    expect(got.captured).toBe(200);
    expect(got.file.equals(want)).toBe(true);
  });

  it('counts every frame across buffer flushes (several MiB through one walker)', () => {
    const frames: Frame[] = Array.from({ length: 300 }, (_, i) => ({ sec: 9, nsec: i, caplen: 98, len: 98, pkttype: 0, mac: 82, seed: i }));
    const { ring, words } = ringOf(frames);
    const w = new PcapngWriter(join(dir, 'f.pcapng'), [{ name: 'a', linktype: 1, snaplen: 262144 }]);
    const walker = new EpbWalker(w, { ifId: 0, keepIn: true, keepOut: true, slow: () => {} });
    const rounds = 250; // 250 × 300 × 144 bytes = 10.8 MB: the 4 MiB buffer is flushed twice
    for (let r = 0; r < rounds; r++) walker.walk(words, ring, 0, BS, 0);
    w.close();
    expect(walker.captured).toBe(rounds * 300);
    expect(w.records).toBe(rounds * 300);
    expect(readFileSync(join(dir, 'f.pcapng')).length).toBe(w.bytesWritten);
  });

  it('writes a frame larger than the writer buffer (it grows) between small ones', () => {
    const big = 300_000;
    const frames: Frame[] = [
      { sec: 1, nsec: 1, caplen: 60, len: 60, pkttype: 0, mac: 82, seed: 1 },
      { sec: 1, nsec: 2, caplen: big, len: big, pkttype: 4, mac: 82, seed: 2 },
      { sec: 1, nsec: 3, caplen: 61, len: 61, pkttype: 0, mac: 82, seed: 3 },
    ];
    const ringLen = 512 << 10;
    const { ring, words } = ringOf(frames, ringLen);
    const want = expected(join(dir, 'g-want.pcapng'), frames, ring, true, true);
    const w = new PcapngWriter(join(dir, 'g-got.pcapng'), [{ name: 'a', linktype: 1, snaplen: 262144 }, { name: 'b', linktype: 1, snaplen: 262144 }]);
    const walker = new EpbWalker(w, { ifId: 1, keepIn: true, keepOut: true, slow: () => {} });
    expect(walker.walk(words, ring, 0, ringLen, 0)).toBe(3);
    w.close();
    expect(walker.captured).toBe(3);
    expect(readFileSync(join(dir, 'g-got.pcapng')).equals(want)).toBe(true);
  });

  it('equals the generic path for any frames, alignments, directions, VLAN frames and a skip', () => {
    let k = 0;
    fc.assert(
      fc.property(fc.array(frameArb, { minLength: 1, maxLength: 30 }), fc.boolean(), fc.boolean(), fc.nat(3), (frames, keepIn, keepOut, skip0) => {
        const skip = Math.min(skip0, frames.length);
        const { ring, words } = ringOf(frames);
        k++;
        const want = expected(join(dir, `p${k}-want.pcapng`), frames, ring, keepIn, keepOut, skip);
        const got = walked(join(dir, `p${k}-got.pcapng`), frames, ring, words, keepIn, keepOut, skip);
        expect(got.n).toBe(frames.length - skip);
        expect(got.file.equals(want)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('copies a frame that ends at the very end of the ring (no read past it)', () => {
    // one block only: the last frame's bytes end 2 bytes before the ring does
    const frames: Frame[] = [{ sec: 5, nsec: 6, caplen: 62, len: 62, pkttype: 0, mac: 82, seed: 3 }];
    const ringLen = 48 + 82 + 62 + 2;
    const ring = Buffer.alloc(BS);
    const { ring: full } = ringOf(frames, BS);
    full.copy(ring);
    const small = ring.subarray(0, ringLen + (4 - (ringLen % 4)));
    const words = new Uint32Array(small.buffer, small.byteOffset, small.length / 4);
    const want = expected(join(dir, 'e-want.pcapng'), frames, small, true, true);
    const w = new PcapngWriter(join(dir, 'e-got.pcapng'), [{ name: 'a', linktype: 1, snaplen: 262144 }, { name: 'b', linktype: 1, snaplen: 262144 }]);
    new EpbWalker(w, { ifId: 1, keepIn: true, keepOut: true, slow: () => {} }).walk(words, small, 0, small.length, 0);
    w.close();
    expect(readFileSync(join(dir, 'e-got.pcapng')).equals(want)).toBe(true);
  });

  it('stops at a header that lies about its length, reading nothing outside the block', () => {
    const frames: Frame[] = [
      { sec: 1, nsec: 2, caplen: 40, len: 40, pkttype: 0, mac: 82, seed: 1 },
      { sec: 1, nsec: 3, caplen: 40, len: 40, pkttype: 4, mac: 82, seed: 2 },
    ];
    const { ring, words } = ringOf(frames);
    ring.writeUInt32LE(BS * 4, 48); // next_offset of the first frame points far outside
    ring.writeUInt32LE(5000, 12); // num_pkts lies too
    const got = walked(join(dir, 'l-got.pcapng'), frames, ring, words, true, true);
    expect(got.captured).toBe(1);
    ring.writeUInt32LE(BS - 100, 48 + 12); // a caplen past the block: the frame is left out
    const got2 = walked(join(dir, 'l2-got.pcapng'), frames, ring, words, true, true);
    expect(got2.captured).toBe(0);
  });
  it('writes blocks of more frames than one writev takes, with VLAN frames between batches', () => {
    const n = VEC_FRAMES * 3 + 7;
    const frames: Frame[] = Array.from({ length: n }, (_, i) => ({
      sec: 1700000000 + (i >> 8), nsec: (i * 7_654_321) % 1e9, caplen: 60 + (i % 5), len: 98, pkttype: i % 3 ? 4 : 0, mac: 82, seed: i,
      ...(i === VEC_FRAMES + 3 || i === 2 * VEC_FRAMES ? { vlan: i & 0xfff } : {}),
    }));
    const ringLen = 1 << 20;
    const { ring, words } = ringOf(frames, ringLen);
    const want = expected(join(dir, 'm-want.pcapng'), frames, ring, true, true);
    const w = new PcapngWriter(join(dir, 'm-got.pcapng'), [{ name: 'a', linktype: 1, snaplen: 262144 }, { name: 'b', linktype: 1, snaplen: 262144 }]);
    const slow: FrameHandler = (_b, _o, _c, _l, _s, _n, _t, vlan) => w.packet(1, 0, 0, Uint8Array.of(vlan & 0xff), 0, 1, 1, 0);
    const walker = new EpbWalker(w, { ifId: 1, keepIn: true, keepOut: true, slow });
    expect(walker.walk(words, ring, 0, ringLen, 0)).toBe(n);
    w.close();
    expect(walker.captured).toBe(n - 2);
    expect(w.records).toBe(n);
    expect(readFileSync(join(dir, 'm-got.pcapng')).equals(want)).toBe(true);
  });
});

describe('RingMerge (several rings into one file, in time order, zero-copy)', () => {
  class FakeRing implements BlockSource {
    readonly blockSize = BS;
    readonly blockCount = 2;
    released = 0;
    #given = false;
    constructor(readonly bytes: Buffer, readonly words: Uint32Array) {}
    takeBlocks(out: number[]): number {
      if (this.#given) return 0;
      this.#given = true;
      out.push(0);
      return 1;
    }
    releaseBlocks(n: number): void {
      this.released += n;
    }
    /** the kernel's open block: empty, or its first frame's time in ms */
    open: 'empty' | number = 'empty';
    peekOpen(ts: Uint32Array): 'user' | 'empty' | 'open' {
      if (this.open === 'empty') return 'empty';
      ts[0] = 1000;
      ts[1] = this.open * 1e6;
      return 'open';
    }
  }
  const frame = (sec: number, nsec: number, seed: number): Frame => ({ sec, nsec, caplen: 60 + (seed % 40), len: 98, pkttype: seed % 2 ? 4 : 0, mac: 82, seed });

  it('writes what the generic path writes, in time order across the rings: directions kept per ring, VLAN frames by the slow path, more than one writev', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ ring: fc.integer({ min: 0, max: 1 }), gapNs: fc.integer({ min: 1, max: 3_000_000_000 }), caplen: fc.integer({ min: 1, max: 100 }), out: fc.boolean(), vlan: fc.integer({ min: 0, max: 40 }) }), { maxLength: 640 }),
        fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        (spec, keep) => {
          // times strictly increasing over both rings, from 1,000 s on
          let t = 1000e9;
          const all = spec.map((f, i) => {
            t += f.gapNs;
            const frame: Frame = { sec: Math.floor(t / 1e9), nsec: t % 1e9, caplen: f.caplen, len: f.caplen + 3, pkttype: f.out ? 4 : i % 4, mac: 82, seed: i, ...(f.vlan === 0 ? { vlan: i & 0xfff } : {}) };
            return { ring: f.ring, frame };
          });
          const per = [0, 1].map((k) => all.filter((x) => x.ring === k).map((x) => x.frame).slice(0, 320));
          const kept = all.filter((x) => per[x.ring].includes(x.frame));
          const rings = per.map((fs) => ringOf(fs));
          const opt = (k: number) => ({ keepIn: keep[2 * k], keepOut: keep[2 * k + 1] });
          // the generic path, frame by frame in time order
          const ww = new PcapngWriter(join(dir, 'mp-want.pcapng'), [{ name: 'a', linktype: 1, snaplen: 262144 }, { name: 'b', linktype: 1, snaplen: 262144 }]);
          for (const { ring: k, frame: f } of kept) {
            if (!(f.pkttype === 4 ? opt(k).keepOut : opt(k).keepIn)) continue;
            const off = per[k].indexOf(f);
            let p = 48;
            for (let i = 0; i < off; i++) p += (per[k][i].mac + per[k][i].caplen + 15) & ~15;
            if (f.vlan !== undefined) ww.packet(k, 0, 0, Uint8Array.of(f.vlan & 0xff), 0, 1, 1, 0);
            else ww.packet(k, f.sec, f.nsec, rings[k].ring, p + f.mac, f.caplen, f.len, epbDir(f.pkttype));
          }
          ww.close();
          const w = new PcapngWriter(join(dir, 'mp-got.pcapng'), [{ name: 'a', linktype: 1, snaplen: 262144 }, { name: 'b', linktype: 1, snaplen: 262144 }]);
          const opts = [0, 1].map((ifId) => ({ ifId, ...opt(ifId), slow: ((_b, _o, _c, _l, _s, _n, _t, vlan) => w.packet(ifId, 0, 0, Uint8Array.of(vlan & 0xff), 0, 1, 1, 0)) as FrameHandler }));
          const fakes = rings.map((r) => new FakeRing(r.ring, r.words));
          const m = new RingMerge(fakes, new EpbVecWalker(w, opts[0]), opts, 133, 0);
          m.take();
          m.write(true, 0);
          w.close();
          expect(m.pending).toBe(0);
          expect(fakes.map((f) => f.released)).toEqual([1, 1]);
          expect(readFileSync(join(dir, 'mp-got.pcapng')).equals(readFileSync(join(dir, 'mp-want.pcapng')))).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('puts a frame that two CPUs put into a ring late back into time order, and gives each block back only when all of it is written', () => {
    // ring a holds 10, 30, 25 (stamped before 30 on another CPU, put in after it), 50 µs; ring b 20 µs
    const a = ringOf([10, 30, 25, 50].map((us, i) => frame(1000, us * 1000, i)));
    const b = ringOf([20].map((us, i) => frame(1000, us * 1000, 10 + i)));
    const ra = new FakeRing(a.ring, a.words);
    const rb = new FakeRing(b.ring, b.words);
    const path = join(dir, 'merge-skew.pcapng');
    const w = new PcapngWriter(path, [{ name: 'a', linktype: 1, snaplen: 262144 }, { name: 'b', linktype: 1, snaplen: 262144 }]);
    const opts = [0, 1].map((ifId) => ({ ifId, keepIn: true, keepOut: true, slow: (() => {}) as FrameHandler }));
    const m = new RingMerge([ra, rb], new EpbVecWalker(w, opts[0]), opts, 133, 0);
    expect(m.take()).toBe(5);
    expect(m.write(true, 0)).toBe(5);
    expect([ra.released, rb.released]).toEqual([1, 1]);
    w.close();
    const fd = openSync(path, 'r');
    try {
      const recs = [...openCaptureFd(fd).records()].map((r) => ({ us: Number(r.tsNs % 1_000_000_000n) / 1000, ifId: r.ifId, len: r.data.length }));
      expect(recs.map((r) => r.us)).toEqual([10, 20, 25, 30, 50]);
      // each record's bytes are its own frame's (lengths differ by frame)
      expect(recs.map((r) => r.len)).toEqual([60, 70, 62, 61, 63]);
    } finally {
      closeSync(fd);
    }
  });

  it('interleaves two rings by timestamp, holds what a ring could still precede (its open block), and gives blocks back only when written', () => {
    // ring a: t = 10, 30, 50, 70 ms; ring b: t = 20, 40 ms (it has delivered up to 40)
    const a = ringOf([10, 30, 50, 70].map((ms, i) => frame(1000, ms * 1e6, i)));
    const b = ringOf([20, 40].map((ms, i) => frame(1000, ms * 1e6, 10 + i)));
    const ra = new FakeRing(a.ring, a.words);
    const rb = new FakeRing(b.ring, b.words);
    const path = join(dir, 'merge.pcapng');
    const w = new PcapngWriter(path, [{ name: 'a', linktype: 1, snaplen: 262144 }, { name: 'b', linktype: 1, snaplen: 262144 }]);
    const opts = [0, 1].map((ifId) => ({ ifId, keepIn: true, keepOut: true, slow: (() => {}) as FrameHandler }));
    const m = new RingMerge([ra, rb], new EpbVecWalker(w, opts[0]), opts, 133, 0);
    expect(m.take()).toBe(6);
    // b's open block has frames from 45 ms on: up to 1 ms (the skew) before that, so 50 and 70
    // wait (a clock long before the frames' time: the retire timer rules nothing out)
    rb.open = 45;
    expect(m.write(false, 0)).toBe(4);
    expect(m.pending).toBe(2);
    expect([ra.released, rb.released]).toEqual([0, 1]);
    // its first unseen frame is at 60 ms: 50 goes out, 70 waits
    rb.open = 60;
    expect(m.write(false, 0)).toBe(1);
    expect(ra.released).toBe(0);
    // its open block is empty: nothing of b can come before now − 1 ms, long after 70 ms
    rb.open = 'empty';
    expect(m.write(false, 1000 * 1000 + 100)).toBe(1);
    expect([ra.released, rb.released]).toEqual([1, 1]);
    expect(m.write(true, 0)).toBe(0);
    expect([m.captured(0), m.captured(1)]).toEqual([4, 2]);
    w.close();
    // the file: six records, in time order, each on its interface, bytes as the rings hold them
    const fd = openSync(path, 'r');
    try {
      const recs = [...openCaptureFd(fd).records()].map((r) => ({ ms: Number(r.tsNs % 1_000_000_000n) / 1e6, ifId: r.ifId, len: r.data.length }));
      expect(recs.map((r) => r.ms)).toEqual([10, 20, 30, 40, 50, 70]);
      expect(recs.map((r) => r.ifId)).toEqual([0, 1, 0, 1, 0, 0]);
      expect(recs.map((r) => r.len)).toEqual([60, 70, 61, 71, 62, 63]);
    } finally {
      closeSync(fd);
    }
  });
});

describe('PacketRing over plain memory (what the warm-ups walk)', () => {
  it('hands over the blocks whose status says so, in order, peeks the open one, takes them back, and closes without a socket', () => {
    expect(() => PacketRing.overMemory(Buffer.alloc(BS + 16), BS)).toThrow(/not whole blocks/);
    const mem = Buffer.alloc(4 * BS);
    const r = PacketRing.overMemory(mem, BS);
    expect([r.blockCount, r.fd]).toEqual([4, -1]);
    const ts = new Uint32Array(2);
    const out: number[] = [];
    expect(r.takeBlocks(out)).toBe(0);
    expect(r.peekOpen(ts)).toBe('empty');
    madeUpFrames(r.words, r.bytes, 0, BS, 1000, 5, 100, [0]);
    madeUpFrames(r.words, r.bytes, BS, BS, 1001, 7, 100, [0]);
    r.words[(BS + 8) >>> 2] = 0; // block 1: frames in it, not handed over yet
    expect(r.takeBlocks(out)).toBe(1);
    expect(out).toEqual([0]);
    expect(r.peekOpen(ts)).toBe('open');
    expect([...ts]).toEqual([1001, 7]);
    r.releaseBlocks(1);
    expect(r.words[8 >>> 2]).toBe(0); // block 0 back to the kernel
    expect(r.stats()).toEqual({ packets: 0, drops: 0 });
    r.close();
    expect(r.closed).toBe(true);
  });
});
