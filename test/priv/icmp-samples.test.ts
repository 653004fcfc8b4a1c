// PingOptions.samples: the engine's batched sample stream across a veth pair the test makes
// (and removes in afterAll). The engine's own counters are the judge of completeness (one
// sample per reply, duplicates flagged, none lost at the end or on stop); the RTTs and send
// instants are checked against what they must be on a clean veth.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describePriv } from '../helpers/priv.js';
import { makePair, type TestPair } from '../helpers/netlab.js';
import { SAMPLE, SAMPLE_DUP, startPing, type PingOptions, type SampleBatch } from '../../src/icmp/index.js';

interface Collected {
  batches: SampleBatch[];
  /** per flow: seq → how many non-duplicate samples */
  seqs: Map<number, number>[];
  samples: number;
  dups: number;
  kernelTimed: number;
  hrtimeTimed: number;
  pingTimed: number;
}

function collect(): { c: Collected; on: (b: SampleBatch) => void } {
  const c: Collected = { batches: [], seqs: [], samples: 0, dups: 0, kernelTimed: 0, hrtimeTimed: 0, pingTimed: 0 };
  const on = (b: SampleBatch) => {
    c.batches.push(b);
    expect(b.data.length).toBe(b.count * SAMPLE.SIZE);
    const m = (c.seqs[b.flow] ??= new Map());
    for (let i = 0; i < b.count; i++) {
      const o = i * SAMPLE.SIZE;
      if (b.data[o + SAMPLE.FLAGS] & SAMPLE_DUP) {
        c.dups++;
        continue;
      }
      c.samples++;
      const seq = b.data[o + SAMPLE.SEQ];
      m.set(seq, (m.get(seq) ?? 0) + 1);
      if (!Number.isNaN(b.data[o + SAMPLE.KERNEL_RTT_NS])) c.kernelTimed++;
      if (!Number.isNaN(b.data[o + SAMPLE.HRTIME_RTT_NS])) c.hrtimeTimed++;
      if (!Number.isNaN(b.data[o + SAMPLE.PING_RTT_NS])) c.pingTimed++;
    }
  };
  return { c, on };
}

describePriv('icmp sample stream', () => {
  let p: TestPair;
  beforeAll(() => {
    p = makePair();
  });
  afterAll(() => p?.destroy());

  const base = (o: Partial<PingOptions>): PingOptions => ({ destination: p.addr2, netns: p.ns1, quiet: true, events: false, samples: true, timeout: 2, ...o });

  it('on the kernel clock a flood TX-stamps a sample of its probes (1 in 64), ping\'s span still times every reply', async () => {
    const { c, on } = collect();
    const s = startPing(base({ flood: true, count: 20000, clock: 'kernel' }));
    s.on('samples', on);
    const r = await s.done;
    expect(r.stats.received).toBe(20000);
    expect(c.pingTimed).toBe(20000);
    expect(c.kernelTimed).toBeGreaterThan(64);
    expect(c.kernelTimed).toBeLessThan(20000);
    expect(r.stats.primaryClock).toBe('kernel');
    expect(r.stats.rtt.kernel?.samples).toBe(c.kernelTimed);
  });

  it('a flood of 20000 gives one sample per reply: count equals received, seqs unique, send instants on one clock', async () => {
    const { c, on } = collect();
    const before = process.hrtime.bigint();
    const s = startPing(base({ flood: true, count: 20000 }));
    s.on('samples', on);
    const r = await s.done;
    const after = process.hrtime.bigint();
    expect(r.stats.received).toBe(20000);
    expect(c.samples).toBe(r.stats.received);
    expect(c.dups).toBe(r.stats.duplicates);
    // 20000 < 65536: every seq once
    expect(c.seqs[0].size).toBe(20000);
    for (const n of c.seqs[0].values()) expect(n).toBe(1);
    // several batches (full ones of 1024, then the rest)
    expect(c.batches.length).toBeGreaterThan(1);
    expect(c.batches.slice(0, -1).every((b) => b.count <= 1024)).toBe(true);
    // every payload of 56 bytes carries a send time, and every reply a kernel RX stamp: ping's
    // span times them all with no TX stamp (the default takes none)
    expect(c.hrtimeTimed).toBe(20000);
    expect(c.pingTimed).toBe(20000);
    expect(c.kernelTimed).toBe(0);
    // send instants on process.hrtime's clock: inside this test's own readings, and in order
    let last = -Infinity;
    for (const b of c.batches) {
      for (let i = 0; i < b.count; i++) {
        const t = b.data[i * SAMPLE.SIZE + SAMPLE.SENT_NS];
        expect(t).toBeGreaterThanOrEqual(Number(before));
        expect(t).toBeLessThanOrEqual(Number(after));
        expect(t).toBeGreaterThanOrEqual(last);
        last = t;
      }
    }
  }, 60_000);

  it('every probe TX-stamped: every sample has a kernel RTT, positive and below its hrtime RTT', async () => {
    const { c, on } = collect();
    const s = startPing(base({ flood: true, count: 3000, txStampEvery: 1 }));
    s.on('samples', on);
    const r = await s.done;
    expect(c.samples).toBe(r.stats.received);
    expect(c.kernelTimed).toBe(r.stats.received);
    for (const b of c.batches) {
      for (let i = 0; i < b.count; i++) {
        const k = b.data[i * SAMPLE.SIZE + SAMPLE.KERNEL_RTT_NS];
        const h = b.data[i * SAMPLE.SIZE + SAMPLE.HRTIME_RTT_NS];
        expect(k).toBeGreaterThan(0);
        expect(k).toBeLessThan(h);
      }
    }
  }, 60_000);

  it('a flood with no count stopped as SIGINT does: every reply counted is in a batch', async () => {
    const { c, on } = collect();
    const s = startPing(base({ flood: true, preload: 8 }));
    s.on('samples', on);
    await new Promise<void>((resolve) => {
      s.on('samples', () => {
        if (c.samples > 5000) resolve();
      });
    });
    s.stop();
    const r = await s.done;
    expect(r.stats.received).toBeGreaterThan(5000);
    expect(c.samples).toBe(r.stats.received);
    expect(c.dups).toBe(r.stats.duplicates);
    let n = 0;
    for (const v of c.seqs[0].values()) n += v;
    expect(n).toBe(r.stats.received);
  }, 60_000);

  it('under 16 bytes of payload: samples still come, with no RTT (ping has no time to read)', async () => {
    const { c, on } = collect();
    const s = startPing(base({ flood: true, count: 500, size: 8 }));
    s.on('samples', on);
    const r = await s.done;
    expect(c.samples).toBe(r.stats.received);
    expect(r.stats.received).toBe(500);
    expect(c.hrtimeTimed).toBe(0);
    expect(c.kernelTimed).toBe(0);
  }, 60_000);

  it('two threads: each flow streams its own replies, seqs unique per flow, the sum equals the merged received', async () => {
    const { c, on } = collect();
    const s = startPing(base({ flood: true, count: 10000, threads: 2 }));
    s.on('samples', on);
    const r = await s.done;
    expect(r.stats.received).toBe(10000);
    expect(c.samples).toBe(10000);
    expect(c.seqs.length).toBe(2);
    expect(c.seqs[0].size).toBe(5000);
    expect(c.seqs[1].size).toBe(5000);
  }, 60_000);
});
