// Statistics of a bench run, as pure functions of the model: sockperf's percentiles, iputils'
// min/avg/max/mdev to the truncation, loss and echo/s, totals over pairs, histograms.
// Every presenter (table, JSON, Prometheus, HTML) reads the RowSummary made here.
// iputils' avg/mdev arithmetic is src/icmp's (one formula for ping and bench).
import { lossPercent } from '../../inet/number.js';
import { iputilsAvgMdev } from '../../icmp/stats.js';
import {
  SEGMENTS,
  type BenchMode,
  type BenchRow,
  type ClockSource,
  type Direction,
  type PeerFigures,
  type SegmentName,
  type TraceSegments,
} from './model.js';

/** The percentiles a bench reports, as fractions. */
export const QUANTILES = [0.5, 0.9, 0.99, 0.999] as const;
export type Quantile = (typeof QUANTILES)[number];

/**
 * sockperf's index of percentile p (a fraction) among n sorted samples:
 * `int index = (int)(0.5 + p * n) - 1;` (sockperf prints nothing when it is negative).
 * C's (int) of a positive double truncates, as Math.trunc does.
 */
export function percentileIndex(p: number, n: number): number {
  return Math.trunc(0.5 + p * n) - 1;
}

/** The p-th percentile of ascending samples by sockperf's rule; undefined when its index is out of range. */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number | undefined {
  const i = percentileIndex(p, sorted.length);
  return i >= 0 && i < sorted.length ? sorted[i] : undefined;
}

/**
 * Is percentile p (a fraction) worth printing over n samples? Only when at least one sample
 * lies beyond it (n·(1 − p) ≥ 1): p99.9 needs 1,000 samples, p99 100, p90 10. Below that the
 * "percentile" is just the max under another name. Every presenter prints the count beside.
 */
export function percentileShown(p: number, n: number): boolean {
  return n * (1 - p) >= 1 - 1e-9;
}

/** The quantiles as [fraction, value] pairs, value null where percentileShown says no. */
export function shownQuantiles(d: Distribution): [Quantile, number | null][] {
  const v = [d.p50Ns, d.p90Ns, d.p99Ns, d.p999Ns];
  return QUANTILES.map((p, i) => [p, percentileShown(p, d.count) ? v[i] : null]);
}

/** An ascending copy (the row keeps its samples in arrival order). */
export function sortedCopy(a: Float64Array): Float64Array {
  return a.slice().sort();
}

/** Distribution of integer-ns values: extremes, sockperf percentiles, mean. */
export interface Distribution {
  count: number;
  minNs: number;
  p50Ns: number;
  p90Ns: number;
  p99Ns: number;
  p999Ns: number;
  maxNs: number;
  /** Sum of the samples, ns (exact: integers below 2^53). */
  sumNs: number;
  /** sumNs / count, truncated to an integer ns. */
  meanNs: number;
}

/** Distribution of ascending samples; null when there are none. */
export function distributionOfSorted(sorted: Float64Array): Distribution | null {
  const n = sorted.length;
  if (n === 0) return null;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  const q = (p: number): number => percentileOfSorted(sorted, p) as number; // n ≥ 1 and p ≥ 0.5: index in range
  return {
    count: n,
    minNs: sorted[0],
    p50Ns: q(0.5),
    p90Ns: q(0.9),
    p99Ns: q(0.99),
    p999Ns: q(0.999),
    maxNs: sorted[n - 1],
    sumNs: sum,
    meanNs: Math.trunc(sum / n),
  };
}

/** iputils' `rtt min/avg/max/mdev` figures, integer µs as ping keeps them. */
export interface IputilsRtt {
  minUs: number;
  avgUs: number;
  maxUs: number;
  mdevUs: number;
}

/**
 * min/avg/max/mdev exactly as iputils ping 20221126 (the ping this project is judged
 * against), from integer-µs samples in arrival order: `long long tsum, tsum2` summed over
 * every valid reply, duplicates included; total = received + duplicates;
 *   tmavg = tsum / total
 *   tmvar = tsum < INT_MAX ? (tsum2 − tsum·tsum / total) / total : tsum2 / total − tmavg²
 *   mdev  = llsqrt(tmvar)
 * all in integer arithmetic (C division truncates). The arithmetic is src/icmp's, the one
 * `vping ping` prints, so bench and ping can never disagree. Null without samples.
 * (iputils after 2024 keeps tsum and tsum2 as doubles; on µs-sized RTTs the two agree except
 * when a truncated division lands across an integer.)
 */
export function iputilsRtt(samplesUs: ArrayLike<number>): IputilsRtt | null {
  const total = samplesUs.length;
  if (total === 0) return null;
  let tsum = 0;
  let tsum2 = 0n;
  let tmin = Infinity;
  let tmax = 0;
  for (let i = 0; i < total; i++) {
    const t = samplesUs[i];
    if (!Number.isSafeInteger(t) || t < 0) throw new RangeError(`iputilsRtt: sample ${i} = ${t} is not a non-negative integer µs`);
    tsum += t; // exact: integers below 2^53
    tsum2 += BigInt(t) * BigInt(t);
    if (t < tmin) tmin = t;
    if (t > tmax) tmax = t;
  }
  const { avg, mdev } = iputilsAvgMdev(BigInt(tsum), tsum2, BigInt(total));
  return { minUs: tmin, avgUs: Number(avg), maxUs: tmax, mdevUs: Number(mdev) };
}

/**
 * ping's own RTT of an ns sample: it subtracts two timevals, so it sees whole µs. Truncating
 * the ns difference is the same except when the two instants straddle µs boundaries (±1 µs).
 */
export function nsToPingUs(ns: number): number {
  return Math.trunc(ns / 1000);
}

/** iputils figures of integer-ns samples (each truncated to µs first, as ping sees them). */
export function iputilsRttOfNs(samplesNs: Float64Array): IputilsRtt | null {
  const us = new Float64Array(samplesNs.length);
  for (let i = 0; i < us.length; i++) us[i] = nsToPingUs(samplesNs[i]);
  return iputilsRtt(us);
}

/** RTT of a row: the distribution in ns plus ping's figures and the exact standard deviation. */
export interface RttSummary extends Distribution {
  /** Population standard deviation of the ns samples (not truncated to µs), rounded to ns. */
  stddevNs: number;
  iputils: IputilsRtt;
}

/** Summarize RTT samples in arrival order; pass `sorted` when an ascending copy is at hand. */
export function summarizeRtt(samplesNs: Float64Array, sorted: Float64Array = sortedCopy(samplesNs)): RttSummary | null {
  const d = distributionOfSorted(sorted);
  if (!d) return null;
  const mean = d.sumNs / d.count;
  let ss = 0;
  for (let i = 0; i < sorted.length; i++) {
    const e = sorted[i] - mean;
    ss += e * e;
  }
  return { ...d, stddevNs: Math.round(Math.sqrt(ss / d.count)), iputils: iputilsRttOfNs(samplesNs) as IputilsRtt };
}

/** Replies per second over a window of durationNs (0 for an empty window). */
export function perSecond(count: number, durationNs: number): number {
  return durationNs > 0 ? (count * 1e9) / durationNs : 0;
}

/** ping's figures beside a row, with the derived loss and rate. */
export interface PeerSummary extends PeerFigures {
  lossPercent: number;
  /** received per second of ping's `time` (0 when time is 0). */
  echoPerSec: number;
  /** True for a total row: avg and mdev pooled from per-pair figures (ping gives no samples). */
  pooled?: boolean;
}

export type SegmentSummary = Record<SegmentName, Distribution | null> & { echoes: number };

/** What every presenter reads about one row (or one total over pairs). */
export interface RowSummary {
  /** Pair number, or 'all' on a total row. */
  pair: number | 'all';
  /** Pairs folded into this row (1 for a pair's own row). */
  pairs: number;
  dir: Direction;
  size: number;
  mode: BenchMode;
  clock: ClockSource | 'mixed';
  intervalMs: number;
  sent: number;
  received: number;
  duplicates: number;
  /** Valid replies without an RTT on the row's clock (see BenchRow.untimed). */
  untimed: number;
  /** Flood rows: probes in flight (BenchRow.window). */
  window?: number;
  /** Kernel TX stamps on one probe in N (BenchRow.txStampEvery); absent: every probe. */
  txStampEvery?: number;
  lossPercent: number;
  echoPerSec: number;
  durationNs: number;
  rtt: RttSummary | null;
  peer?: PeerSummary;
  trace?: SegmentSummary;
  /** BenchRow.interrupted: stopped while measured. */
  interrupted?: boolean;
}

export function summarizePeer(p: PeerFigures): PeerSummary {
  return { ...p, lossPercent: lossPercent(p.transmitted, p.received), echoPerSec: p.timeMs > 0 ? (p.received * 1000) / p.timeMs : 0 };
}

export function summarizeTrace(t: TraceSegments): SegmentSummary {
  const out = { echoes: t.seq.length } as SegmentSummary;
  for (const s of SEGMENTS) out[s.name] = distributionOfSorted(sortedCopy(t[s.name]));
  return out;
}

export function summarizeRow(r: BenchRow): RowSummary {
  const s: RowSummary = {
    pair: r.pair,
    pairs: 1,
    dir: r.dir,
    size: r.size,
    mode: r.mode,
    clock: r.clock,
    intervalMs: r.intervalMs,
    sent: r.sent,
    received: r.received,
    duplicates: r.duplicates,
    untimed: r.untimed ?? 0,
    lossPercent: lossPercent(r.sent, r.received),
    echoPerSec: perSecond(r.received, r.durationNs),
    durationNs: r.durationNs,
    rtt: summarizeRtt(r.rttNs),
  };
  if (r.window !== undefined) s.window = r.window;
  if (r.txStampEvery !== undefined) s.txStampEvery = r.txStampEvery;
  if (r.peer) s.peer = summarizePeer(r.peer);
  if (r.trace) s.trace = summarizeTrace(r.trace);
  if (r.interrupted) s.interrupted = true;
  return s;
}

function concat(arrays: Float64Array[]): Float64Array {
  let n = 0;
  for (const a of arrays) n += a.length;
  const out = new Float64Array(n);
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}

/** Rows grouped by (dir, size, mode), in first-seen order. */
export function groupAcrossPairs<T extends { dir: Direction; size: number; mode: BenchMode }>(rows: readonly T[]): T[][] {
  const groups = new Map<string, T[]>();
  for (const r of rows) {
    const k = `${r.dir}|${r.size}|${r.mode}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(r);
  }
  return [...groups.values()];
}

function poolPeers(ps: PeerFigures[]): PeerSummary {
  const transmitted = ps.reduce((a, p) => a + p.transmitted, 0);
  const received = ps.reduce((a, p) => a + p.received, 0);
  const duplicates = ps.reduce((a, p) => a + p.duplicates, 0);
  const timeMs = Math.max(...ps.map((p) => p.timeMs));
  const out: PeerSummary = {
    tool: 'ping',
    transmitted,
    received,
    duplicates,
    timeMs,
    lossPercent: lossPercent(transmitted, received),
    // The pairs ran at once: their rates add up.
    echoPerSec: ps.reduce((a, p) => a + (p.timeMs > 0 ? (p.received * 1000) / p.timeMs : 0), 0),
    pooled: true,
  };
  const withRtt = ps.filter((p) => p.rtt);
  if (withRtt.length) {
    // Pooled mean and variance from each pair's (n, avg, mdev): Σn(mdev² + avg²)/N − avg².
    let n = 0;
    let s1 = 0;
    let s2 = 0;
    for (const p of withRtt) {
      const k = p.received + p.duplicates;
      const r = p.rtt!;
      n += k;
      s1 += k * r.avgUs;
      s2 += k * (r.mdevUs * r.mdevUs + r.avgUs * r.avgUs);
    }
    const avg = n ? s1 / n : 0;
    out.rtt = {
      minUs: Math.min(...withRtt.map((p) => p.rtt!.minUs)),
      avgUs: Math.trunc(avg),
      maxUs: Math.max(...withRtt.map((p) => p.rtt!.maxUs)),
      mdevUs: n ? Math.floor(Math.sqrt(Math.max(0, s2 / n - avg * avg))) : 0,
    };
  }
  return out;
}

/**
 * The window the rows of one combination covered together: from the earliest first send to
 * the latest last send (each row's first send is its smallest atNs; its last is that plus its
 * durationNs). Null when a row has no sample to place it.
 */
export function unionWindowNs(rows: readonly BenchRow[]): number | null {
  let start = Infinity;
  let end = -Infinity;
  for (const r of rows) {
    if (r.firstAtNs === undefined && r.atNs.length === 0) return null;
    let first = r.firstAtNs ?? Infinity;
    if (r.firstAtNs === undefined) for (let i = 0; i < r.atNs.length; i++) if (r.atNs[i] < first) first = r.atNs[i];
    start = Math.min(start, first);
    end = Math.max(end, first + r.durationNs);
  }
  return end > start ? end - start : null;
}

/**
 * One total row per (dir, size, mode) over all pairs, for runs with more than one pair
 * (empty otherwise). Counts add up; percentiles and mdev come from all the pairs' samples
 * together; echo/s is every reply of the pairs over the window they covered together
 * (unionWindowNs), which is what they achieved at once — pairs that start apart (a worker
 * each) are not credited with overlapping rates. Without samples to place the rows, the
 * rates are added and the duration is the longest row's.
 */
export function summarizeTotals(rows: readonly BenchRow[]): RowSummary[] {
  if (new Set(rows.map((r) => r.pair)).size < 2) return [];
  return groupAcrossPairs(rows).map((g) => {
    const clocks = new Set(g.map((r) => r.clock));
    const window = unionWindowNs(g);
    const sent = g.reduce((a, r) => a + r.sent, 0);
    const received = g.reduce((a, r) => a + r.received, 0);
    const s: RowSummary = {
      pair: 'all',
      pairs: g.length,
      dir: g[0].dir,
      size: g[0].size,
      mode: g[0].mode,
      clock: clocks.size === 1 ? g[0].clock : 'mixed',
      intervalMs: g[0].intervalMs,
      sent,
      received,
      duplicates: g.reduce((a, r) => a + r.duplicates, 0),
      untimed: g.reduce((a, r) => a + (r.untimed ?? 0), 0),
      lossPercent: lossPercent(sent, received),
      echoPerSec: window !== null ? perSecond(received, window) : g.reduce((a, r) => a + perSecond(r.received, r.durationNs), 0),
      durationNs: window ?? Math.max(...g.map((r) => r.durationNs)),
      rtt: summarizeRtt(concat(g.map((r) => r.rttNs))),
    };
    if (g[0].window !== undefined) s.window = g[0].window;
    if (g[0].txStampEvery !== undefined) s.txStampEvery = g[0].txStampEvery;
    const peers = g.map((r) => r.peer).filter((p): p is PeerFigures => p !== undefined);
    if (peers.length === g.length) s.peer = poolPeers(peers);
    return s;
  });
}

/** Equal-width bins over [lo, hi]; the last bin is closed, values outside are counted apart. */
export interface Histogram {
  lo: number;
  width: number;
  counts: Uint32Array;
  under: number;
  over: number;
}

export function histogram(values: ArrayLike<number>, lo: number, hi: number, bins: number): Histogram {
  if (!(bins >= 1) || !Number.isInteger(bins)) throw new RangeError(`histogram: bins must be a positive integer, not ${bins}`);
  if (!(hi >= lo)) throw new RangeError(`histogram: hi ${hi} < lo ${lo}`);
  const width = hi > lo ? (hi - lo) / bins : 1;
  const counts = new Uint32Array(bins);
  let under = 0;
  let over = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < lo) under++;
    else if (v > hi) over++;
    else counts[Math.min(bins - 1, Math.floor((v - lo) / width))]++;
  }
  return { lo, width, counts, under, over };
}
