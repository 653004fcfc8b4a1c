// Several flows merged into one Stats (PingOptions.threads): the merge must give what one
// engine would compute from the union of the samples. The expected figures come from an
// independent computation over the union (BigInt arithmetic written here from ping_common.c
// finish(), sorted-sample percentiles), never from the production formulas alone.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  Histogram, IputilsSums, histParts, iputilsFigures, mergeFlows, sumsParts, type FlowParts,
} from '../../src/icmp/stats.js';
import { rttLine } from '../../src/icmp/format.js';
import { splitFlows } from '../../src/icmp/engine.js';
import type { EngineConfig } from '../../src/icmp/engine-core.js';
import { idFilterProgram } from '../../src/icmp/socket.js';
import { validateOptions } from '../../src/icmp/options.js';

/** A flow as the engine would record it: samples in µs feed iputils' sums, in ns the histograms. */
interface FlowIn {
  us: number[];
  ns: number[];
  tx: number;
  dups: number;
  pipe: number;
  first: bigint;
  last: bigint;
}

function partsOf(f: FlowIn, over: Partial<FlowParts> = {}): FlowParts {
  const sums = new IputilsSums();
  for (const t of f.us) sums.add(t);
  const k = new Histogram();
  const h = new Histogram();
  for (const t of f.ns) {
    k.record(t);
    h.record(t * 3);
  }
  return {
    transmitted: f.tx, received: f.us.length - f.dups, duplicates: f.dups, corrupted: 1, errors: 2, kernelTxMissing: 0,
    pipe: f.pipe, firstSendNs: f.first, lastSendNs: f.last, timing: true, primaryClock: 'kernel', showIpg: true,
    histogram: true, sampled: false, sums: sumsParts(sums),
    hists: { ping: null, sched: null, kernel: histParts(k), hrtime: histParts(h) }, ...over,
  };
}

// ── the independent reference ──
function isqrt(v: bigint): bigint {
  // largest x with x² ≤ v, by bisection (not Newton's method as llsqrt)
  if (v <= 0n) return 0n;
  let lo = 0n;
  let hi = v + 1n;
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (mid * mid <= v) lo = mid;
    else hi = mid;
  }
  return lo;
}
function refFigures(us: number[], total: number) {
  const n = BigInt(total);
  let tsum = 0n;
  let tsum2 = 0n;
  for (const t of us) {
    tsum += BigInt(t);
    tsum2 += BigInt(t) * BigInt(t);
  }
  const avg = tsum / n;
  const variance = tsum < 2147483647n ? (tsum2 - (tsum * tsum) / n) / n : tsum2 / n - avg * avg;
  return { minUs: Math.min(...us), maxUs: Math.max(...us), avgUs: Number(avg), mdevUs: Number(isqrt(variance)) };
}
function refPercentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.trunc(0.5 + p * sorted.length) - 1)];
}

const flowArb = fc.record({
  us: fc.array(fc.integer({ min: 0, max: 3_000_000 }), { minLength: 1, maxLength: 60 }),
  // below 2048 ns the histogram is exact, so sorted-sample percentiles must match exactly
  ns: fc.array(fc.integer({ min: 1, max: 2047 }), { minLength: 1, maxLength: 60 }),
  extraTx: fc.integer({ min: 0, max: 20 }),
  dups: fc.integer({ min: 0, max: 3 }),
  pipe: fc.integer({ min: 1, max: 64 }),
  start: fc.bigInt({ min: 1n, max: 10n ** 12n }),
  span: fc.bigInt({ min: 0n, max: 10n ** 10n }),
}).map((r): FlowIn => {
  const dups = Math.min(r.dups, r.us.length - 1);
  return { us: r.us, ns: r.ns, tx: r.us.length - dups + r.extraTx, dups, pipe: r.pipe, first: r.start, last: r.start + r.span };
});

describe('mergeFlows: the union of the flows, as one engine would count it', () => {
  it('iputils figures, counters, time, ipg and exact percentiles equal the independent computation over the union', () => {
    fc.assert(fc.property(fc.array(flowArb, { minLength: 1, maxLength: 5 }), (flows) => {
      const st = mergeFlows(flows.map((f) => partsOf(f)));
      const allUs = flows.flatMap((f) => f.us);
      const tx = flows.reduce((a, f) => a + f.tx, 0);
      const dups = flows.reduce((a, f) => a + f.dups, 0);
      const rx = allUs.length - dups;
      expect(st.transmitted).toBe(tx);
      expect(st.received).toBe(rx);
      expect(st.duplicates).toBe(dups);
      expect(st.corrupted).toBe(flows.length);
      expect(st.errors).toBe(2 * flows.length);
      expect(st.pipe).toBe(Math.max(...flows.map((f) => f.pipe)));
      const first = flows.reduce((a, f) => (f.first < a ? f.first : a), flows[0].first);
      const last = flows.reduce((a, f) => (f.last > a ? f.last : a), flows[0].last);
      const elapsed = Number(last - first);
      expect(st.elapsedNs).toBe(elapsed);
      expect(st.timeMs).toBe(Math.floor(elapsed / 1e9) * 1000 + Math.trunc(((elapsed % 1e9) + 500000) / 1e6));
      expect(st.lossPercent).toBe(((tx - rx) * 100) / tx);
      const f = st.iputils;
      if (!f) throw new Error('no figures');
      const ref = refFigures(allUs, rx + dups);
      expect({ minUs: f.minUs, avgUs: f.avgUs, maxUs: f.maxUs, mdevUs: f.mdevUs }).toEqual(ref);
      const ipg = tx > 1 ? Math.trunc((Math.floor(elapsed / 1e9) * 1e6 + Math.trunc((elapsed % 1e9) / 1000)) / (tx - 1)) : null;
      expect(f.ipgUs).toBe(ipg);
      // the ewma: each flow's own, weighted by its samples
      const ewmas = flows.map((fl) => {
        const s = new IputilsSums();
        for (const t of fl.us) s.add(t);
        return s.rtt;
      });
      expect(f.ewma8).toBe(Math.trunc(flows.reduce((a, fl, i) => a + fl.us.length * ewmas[i], 0) / allUs.length));
      // percentiles from sorted union samples (exact region of the histogram)
      const k = st.rtt.kernel;
      if (!k) throw new Error('no kernel summary');
      const sorted = flows.flatMap((fl) => fl.ns).sort((a, b) => a - b);
      expect(k.samples).toBe(sorted.length);
      expect(k.minNs).toBe(sorted[0]);
      expect(k.maxNs).toBe(sorted[sorted.length - 1]);
      expect(k.meanNs).toBe(Math.round(sorted.reduce((a, b) => a + b, 0) / sorted.length));
      for (const [p, got] of [[0.5, k.p50Ns], [0.9, k.p90Ns], [0.99, k.p99Ns], [0.999, k.p999Ns]] as const) {
        expect(got).toBe(refPercentile(sorted, p));
      }
      // the histogram: every distinct value with its count
      const counts = new Map<number, number>();
      for (const v of sorted) counts.set(v, (counts.get(v) ?? 0) + 1);
      expect(k.histogram).toEqual([...counts.entries()]);
    }), { numRuns: 300 });
  });

  it('above 2048 ns (bucketed) the merged summary equals one histogram fed every sample', () => {
    fc.assert(fc.property(
      fc.array(fc.array(fc.integer({ min: 0, max: 2 ** 40 }), { minLength: 1, maxLength: 80 }), { minLength: 2, maxLength: 4 }),
      (lists) => {
        const one = new Histogram();
        for (const l of lists) for (const v of l) one.record(v);
        const parts = lists.map((l) => {
          const h = new Histogram();
          for (const v of l) h.record(v);
          return histParts(h);
        });
        const flows = parts.map((hp) => partsOf({ us: [1], ns: [1], tx: 1, dups: 0, pipe: 1, first: 1n, last: 1n }, { hists: { ping: null, sched: null, kernel: null, hrtime: hp } }));
        expect(mergeFlows(flows).rtt.hrtime).toEqual(one.summary('hrtime', true));
      },
    ), { numRuns: 200 });
  });

  it("splitting the REFERENCE's 304, 39, 36 µs across two flows still prints 0.036/0.126/0.304/0.125", () => {
    const a = partsOf({ us: [304], ns: [1], tx: 1, dups: 0, pipe: 1, first: 0n, last: 0n }, { showIpg: false });
    const b = partsOf({ us: [39, 36], ns: [1], tx: 2, dups: 0, pipe: 1, first: 0n, last: 0n }, { showIpg: false });
    expect(rttLine(mergeFlows([a, b]).iputils, 1)).toBe('rtt min/avg/max/mdev = 0.036/0.126/0.304/0.125 ms');
  });

  it('tsum2 beyond 2^53 stays exact across flows (two-word sums carry)', () => {
    const big = [94_906_265, 94_906_265, 94_906_266]; // squares near 2^53 each
    const flows = big.map((t) => partsOf({ us: [t], ns: [1], tx: 1, dups: 0, pipe: 1, first: 0n, last: 0n }));
    const f = mergeFlows(flows).iputils;
    expect(f && { minUs: f.minUs, avgUs: f.avgUs, maxUs: f.maxUs, mdevUs: f.mdevUs }).toEqual(refFigures(big, 3));
  });

  it('a flow that sent nothing does not move the time line; flows on different clocks are refused', () => {
    const a = partsOf({ us: [10], ns: [1], tx: 1, dups: 0, pipe: 1, first: 100n, last: 5_000_100n });
    const none = partsOf({ us: [1], ns: [1], tx: 0, dups: 0, pipe: 0, first: 0n, last: 0n }, {
      firstSendNs: null, lastSendNs: null, received: 0, sums: sumsParts(new IputilsSums()),
      hists: { ping: null, sched: null, kernel: histParts(new Histogram()), hrtime: histParts(new Histogram()) },
    });
    expect(mergeFlows([a, none]).elapsedNs).toBe(5_000_000);
    expect(() => mergeFlows([a, { ...a, primaryClock: 'hrtime' }])).toThrow(/different clocks/);
  });
});

describe('sampled figures (a flood TX-stamps 1 probe in N on the kernel clock)', () => {
  it('divide the sums by the samples, not by every reply (else avg falls below min)', () => {
    const s = new IputilsSums();
    for (const t of [2, 2, 3]) s.add(t);
    expect(iputilsFigures(s, 200, 0, 200, 0, false)?.avgUs).toBe(0); // iputils' rule, every reply timed
    const f = iputilsFigures(s, 200, 0, 200, 0, false, true);
    expect(f && [f.minUs, f.avgUs, f.maxUs, f.mdevUs]).toEqual([2, 2, 3, 0]);
    // merged: sampled if any flow was
    const a = partsOf({ us: [2, 2], ns: [1], tx: 100, dups: 0, pipe: 1, first: 0n, last: 0n }, { received: 100, sampled: true });
    const b = partsOf({ us: [3], ns: [1], tx: 100, dups: 0, pipe: 1, first: 0n, last: 0n }, { received: 100, sampled: true });
    expect(mergeFlows([a, b]).iputils?.avgUs).toBe(2);
  });
});

const baseCfg: EngineConfig = {
  netns: null, family: 4, dest: [10, 0, 0, 2], id: 65534, tag: [1, 2, 3, 4, 5, 6, 7, 8], datalen: 56, pattern: null,
  count: 20000, intervalMs: 0, flood: true, preload: 1, adaptive: false, deadlineMs: 0, lingerMs: 10000, ttl: null,
  iface: null, source: null, outstanding: false, clock: 'kernel', histogram: false, events: false, floodTicks: false,
  kernelTimestamps: true, txStampEvery: 64,
};

describe('splitFlows', () => {
  it('splits -c (remainder to the first flows), gives consecutive ids (wrapping), own tags, and the id filter', () => {
    const f = splitFlows({ ...baseCfg, count: 7 }, 3);
    expect(f.map((c) => c.count)).toEqual([3, 2, 2]);
    expect(f.map((c) => c.id)).toEqual([65534, 65535, 0]);
    expect(new Set(f.map((c) => c.tag.join())).size).toBe(3);
    expect(f.every((c) => c.idFilter)).toBe(true);
    expect(f.every((c) => c.preload === 1 && c.intervalMs === 0 && c.flood)).toBe(true);
    expect(splitFlows(baseCfg, 2).map((c) => c.count)).toEqual([10000, 10000]);
  });
  it('never more flows than probes; no count: every flow unlimited; one flow is the config unchanged', () => {
    expect(splitFlows({ ...baseCfg, count: 1 }, 4).map((c) => c.count)).toEqual([1]);
    expect(splitFlows({ ...baseCfg, count: 0 }, 3).map((c) => c.count)).toEqual([0, 0, 0]);
    const [one] = splitFlows(baseCfg, 1);
    expect(one).toEqual({ ...baseCfg, idFilter: undefined });
    expect(() => splitFlows(baseCfg, 0)).toThrow(RangeError);
    expect(() => splitFlows(baseCfg, 65)).toThrow(RangeError);
  });
});

describe('the id filter (classic BPF), run by a small interpreter written here', () => {
  function runBpf(prog: [number, number, number, number][], pkt: Uint8Array): number {
    let a = 0;
    let x = 0;
    for (let pc = 0; pc < prog.length; pc++) {
      const [code, jt, jf, k] = prog[pc];
      switch (code) {
        case 0xb1: x = 4 * (pkt[k] & 0xf); break;
        case 0x30: a = pkt[k]; break;
        case 0x28: a = (pkt[k] << 8) | pkt[k + 1]; break;
        case 0x50: a = pkt[x + k]; break;
        case 0x48: a = (pkt[x + k] << 8) | pkt[x + k + 1]; break;
        case 0x15: pc += a === k ? jt : jf; break;
        case 0x06: return k;
        default: throw new Error(`opcode ${code}`);
      }
    }
    throw new Error('fell off the end');
  }
  const v4 = (ihlWords: number, type: number, id: number) => {
    const p = new Uint8Array(ihlWords * 4 + 16);
    p[0] = 0x40 | ihlWords;
    p[ihlWords * 4] = type;
    p[ihlWords * 4 + 4] = id >> 8;
    p[ihlWords * 4 + 5] = id & 0xff;
    return p;
  };
  const v6 = (type: number, id: number) => Uint8Array.from([type, 0, 0, 0, id >> 8, id & 0xff, 0, 1]);
  it('IPv4: our echo replies pass, others are dropped, errors pass (with IP options too)', () => {
    const prog = idFilterProgram(4, 0xbeef);
    for (const ihl of [5, 6, 15]) {
      expect(runBpf(prog, v4(ihl, 0, 0xbeef))).toBe(0xffffffff);
      expect(runBpf(prog, v4(ihl, 0, 0xbeee))).toBe(0);
      expect(runBpf(prog, v4(ihl, 3, 0x1234))).toBe(0xffffffff);
      expect(runBpf(prog, v4(ihl, 11, 0))).toBe(0xffffffff);
    }
  });
  it('IPv6: the same on the ICMPv6 header', () => {
    const prog = idFilterProgram(6, 7);
    expect(runBpf(prog, v6(129, 7))).toBe(0xffffffff);
    expect(runBpf(prog, v6(129, 8))).toBe(0);
    expect(runBpf(prog, v6(1, 8))).toBe(0xffffffff);
  });
});

describe('PingOptions.threads', () => {
  it('1..64 integers only, and no per-reply events with more than one flow', () => {
    for (const t of [0, 65, 1.5, -1, NaN]) expect(() => validateOptions({ destination: 'x', threads: t }, 4)).toThrow(/threads/);
    expect(() => validateOptions({ destination: 'x', threads: 64 }, 4)).not.toThrow();
    expect(() => validateOptions({ destination: 'x', threads: 2, events: true }, 4)).toThrow(/icmp_seq/);
    expect(() => validateOptions({ destination: 'x', threads: 2, events: false }, 4)).not.toThrow();
  });
});
