// LegFold: how the bench turns the engine's sample batches into a row (warm-up dropped,
// duplicates counted, untimed replies counted but not given an RTT, send instants moved to the
// run's epoch), checked against a straightforward per-sample model on random streams.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SAMPLE, SAMPLE_DUP, type SampleBatch } from '../../src/icmp/index.js';
import { LegFold, floodStampEvery } from '../../src/measure/bench/run.js';

interface S {
  seq: number;
  dup: boolean;
  sent: number;
  k: number;
  h: number;
}

function batches(ss: S[], size: number): SampleBatch[] {
  const out: SampleBatch[] = [];
  for (let i = 0; i < ss.length; i += size) {
    const part = ss.slice(i, i + size);
    const data = new Float64Array(part.length * SAMPLE.SIZE);
    part.forEach((s, j) => {
      const o = j * SAMPLE.SIZE;
      data[o + SAMPLE.SEQ] = s.seq;
      data[o + SAMPLE.FLAGS] = s.dup ? SAMPLE_DUP : 0;
      data[o + SAMPLE.SENT_NS] = s.sent;
      data[o + SAMPLE.KERNEL_RTT_NS] = s.k;
      data[o + SAMPLE.HRTIME_RTT_NS] = s.h;
    });
    out.push({ flow: 0, count: part.length, data });
  }
  return out;
}

describe('LegFold', () => {
  it('drops the first warm-up replies, keeps one RTT per timed reply with its send instant, counts the rest untimed', () => {
    const ss: S[] = [
      { seq: 1, dup: false, sent: 1000, k: 5, h: 9 },
      { seq: 2, dup: false, sent: 2000, k: NaN, h: 8 },
      { seq: 2, dup: true, sent: 2000, k: NaN, h: 10 },
      { seq: 3, dup: false, sent: 3000, k: 7, h: 11 },
      { seq: 4, dup: false, sent: 4000, k: NaN, h: 12 },
    ];
    const f = new LegFold(1, 'kernel', 500);
    expect(batches(ss, 2).reduce((a, b) => a + f.add(b), 0)).toBe(4);
    expect(f.r).toEqual({ received: 3, duplicates: 1, untimed: 3, rttNs: [7], atNs: [2500], firstSentNs: 2000, lastSentNs: 4000 });
    const g = new LegFold(0, 'hrtime', 0);
    for (const b of batches(ss, 3)) g.add(b);
    expect(g.r.rttNs).toEqual([9, 8, 10, 11, 12]);
    expect(g.r.untimed).toBe(0);
  });

  it('equals a per-sample model on random streams, however they are batched', () => {
    const sample = fc.record({
      seq: fc.integer({ min: 0, max: 65535 }),
      dup: fc.boolean(),
      sent: fc.integer({ min: 0, max: 1e12 }),
      k: fc.oneof(fc.constant(NaN), fc.integer({ min: 1, max: 1e6 })),
      h: fc.oneof(fc.constant(NaN), fc.integer({ min: 1, max: 1e6 })),
    });
    fc.assert(fc.property(fc.array(sample, { maxLength: 200 }), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 64 }), fc.boolean(), (ss, warmup, size, kernel) => {
      const f = new LegFold(warmup, kernel ? 'kernel' : 'hrtime', 7);
      for (const b of batches(ss, size)) f.add(b);
      let skip = warmup;
      const m = { received: 0, duplicates: 0, untimed: 0, rttNs: [] as number[], atNs: [] as number[] };
      const sends: number[] = [];
      for (const s of ss) {
        if (!s.dup && skip > 0) {
          skip--;
          continue;
        }
        if (s.dup) m.duplicates++;
        else {
          m.received++;
          sends.push(s.sent);
        }
        const v = kernel ? s.k : s.h;
        if (Number.isNaN(v)) m.untimed++;
        else {
          m.rttNs.push(v);
          m.atNs.push(s.sent - 7);
        }
      }
      expect(f.r).toMatchObject(m);
      expect(f.r.firstSentNs).toEqual(sends.length ? Math.min(...sends) : NaN);
      expect(f.r.lastSentNs).toEqual(sends.length ? Math.max(...sends) : NaN);
    }));
  });
});

describe('flood rows on a TX-stamped clock: how many probes are stamped', () => {
  it('the sparsest sampling (at most 1 in 64) that leaves 1,000 timed samples, every probe below 2,000', () => {
    expect([1, 999, 1000, 1999, 2000, 20000, 64000, 1_000_000].map(floodStampEvery)).toEqual([1, 1, 1, 1, 2, 20, 64, 64]);
    // the engine stamps probes 1..N and every Nth after: at least 1,000 of `count` whenever count allows
    for (const count of [1000, 1500, 2000, 5000, 20000, 64000, 100000]) {
      const every = floodStampEvery(count);
      let stamped = 0;
      for (let k = 1; k <= count; k++) if (k <= every || k % every === 0) stamped++;
      expect(stamped, `count ${count}`).toBeGreaterThanOrEqual(1000);
    }
  });
});
