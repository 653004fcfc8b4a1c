// One statistics record for every reporter. Counters and RTTs are integers (ns, and µs
// where iputils' figures are reproduced); percentiles come from a log-linear histogram of
// fixed size, so memory stays flat however long a run lasts.

import { lossPercent } from '../inet/number.js';
/**
 * Which span a figure measures. Every RTT is a difference of two instants; the clocks differ in
 * where the first (and last) instant is taken:
 * - `ping`: CLOCK_REALTIME read just before the request is handed to the kernel (sendmmsg) →
 *   the reply's kernel RX stamp. iputils ping's own span: the sender's stack and any local
 *   queueing (a qdisc, a full socket buffer) are inside it. The default.
 * - `sched`: the kernel's TX_SCHED stamp (the request enters the qdisc) → RX stamp.
 * - `kernel`: the kernel's TX_SOFTWARE stamp (the request leaves through the device, after
 *   the qdisc) → RX stamp: device to device, the narrowest span.
 * - `hrtime`: process.hrtime before sendmmsg → after recvmmsg: user send to user receive, the
 *   engine's own wake-up included.
 */
export type Clock = 'ping' | 'sched' | 'kernel' | 'hrtime';
export const CLOCKS: readonly Clock[] = ['ping', 'sched', 'kernel', 'hrtime'];
export const CLOCK_TEXT: Record<Clock, string> = {
  ping: "user send → kernel RX stamp (iputils ping's span: CLOCK_REALTIME before sendmmsg to SO_TIMESTAMPNS)",
  sched: 'qdisc entry → kernel RX stamp (SO_TIMESTAMPING TX_SCHED to RX)',
  kernel: 'device to device (SO_TIMESTAMPING TX_SOFTWARE to RX, after the qdisc)',
  hrtime: 'user send → user receive (process.hrtime before sendmmsg to after recvmmsg)',
};
/** The short form the table headers use. */
export const CLOCK_SPAN: Record<Clock, string> = {
  ping: 'user send → RX stamp',
  sched: 'TX_SCHED → RX stamp',
  kernel: 'TX_SOFTWARE → RX stamp',
  hrtime: 'user send → user receive',
};

// Histogram: values < 2048 ns exact; above, 1024 sub-buckets per power of two (< 0.1% error).
const SUB_BITS = 10;
const SUB = 1 << SUB_BITS;
const LINEAR = 2 * SUB;
const MAX_EXP = 52;
const BUCKETS = LINEAR + (MAX_EXP - SUB_BITS) * SUB;

export function bucketOf(ns: number): number {
  if (ns < LINEAR) return ns < 0 ? 0 : ns;
  const e = ns < 0x100000000 ? 31 - Math.clz32(ns) : Math.floor(Math.log2(ns));
  const sub = Math.floor(ns / 2 ** (e - SUB_BITS)) - SUB;
  const i = LINEAR + (e - SUB_BITS - 1) * SUB + sub;
  return i < BUCKETS ? i : BUCKETS - 1;
}
/** lowest value that falls in bucket i */
export function bucketLow(i: number): number {
  if (i < LINEAR) return i;
  const k = i - LINEAR;
  const e = Math.floor(k / SUB) + SUB_BITS + 1;
  return (SUB + (k % SUB)) * 2 ** (e - SUB_BITS);
}

/** Buckets per chunk: a histogram holds only the chunks its samples fall in. */
const CHUNK_BITS = 8;
const CHUNK = 1 << CHUNK_BITS;

export class Histogram {
  // 176 chunks of 256 buckets (2 KB; a quarter of an octave above 2 µs), each made on its first
  // sample: RTTs cluster in a few, so an engine's four histograms cost kilobytes instead of
  // 1.4 MB (a bench of 100 pairs has 100), and a probe that runs for days grows by 2 KB, not
  // 8, each time an outlier lands where none had (100 exporter targets drifted upward by that)
  readonly #chunks: (Float64Array | undefined)[] = new Array<Float64Array | undefined>(Math.ceil(BUCKETS / CHUNK));
  count = 0;
  min = Infinity;
  max = 0;
  sum = 0;
  /** `bucketed` false: count, min, max and sum only; no percentile (they read NaN) */
  constructor(readonly bucketed = true) {}
  record(ns: number): void {
    if (this.bucketed) this.add(bucketOf(ns), 1);
    this.count++;
    this.sum += ns;
    if (ns < this.min) this.min = ns;
    if (ns > this.max) this.max = ns;
  }
  /** n more in bucket i (the sums are the caller's) */
  add(i: number, n: number): void {
    const c = (this.#chunks[i >> CHUNK_BITS] ??= new Float64Array(CHUNK));
    c[i & (CHUNK - 1)] += n;
  }
  /** The count in bucket i. */
  at(i: number): number {
    return this.#chunks[i >> CHUNK_BITS]?.[i & (CHUNK - 1)] ?? 0;
  }
  /** Every non-empty bucket, lowest first: [bucket index, count]. */
  *buckets(): Generator<[number, number]> {
    for (let k = 0; k < this.#chunks.length; k++) {
      const c = this.#chunks[k];
      if (!c) continue;
      for (let j = 0; j < CHUNK; j++) if (c[j]) yield [(k << CHUNK_BITS) + j, c[j]];
    }
  }
  /**
   * The p-quantile (0..1) with sockperf's rank `(int)(0.5 + p·N) − 1` over sorted samples,
   * read as the low edge of the sample's bucket (exact below 2048 ns), clamped to [min, max].
   */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    if (!this.bucketed) return NaN;
    const rank = Math.max(0, Math.trunc(0.5 + p * this.count) - 1);
    let seen = 0;
    for (const [i, n] of this.buckets()) {
      seen += n;
      if (seen > rank) return Math.min(this.max, Math.max(this.min, bucketLow(i)));
    }
    return this.max;
  }
  summary(clock: Clock, withHistogram: boolean): RttSummary {
    const s: RttSummary = {
      clock,
      samples: this.count,
      minNs: this.count ? this.min : 0,
      maxNs: this.max,
      meanNs: this.count ? Math.round(this.sum / this.count) : 0,
      p50Ns: this.percentile(0.5),
      p90Ns: this.percentile(0.9),
      p99Ns: this.percentile(0.99),
      p999Ns: this.percentile(0.999),
    };
    if (withHistogram) {
      const buckets: [number, number][] = [];
      for (const [i, n] of this.buckets()) buckets.push([bucketLow(i), n]);
      s.histogram = buckets;
    }
    return s;
  }
}

/** One span's RTT distribution: samples, min, mean, max and percentiles (ns); with the histogram when asked. */
export interface RttSummary {
  clock: Clock;
  samples: number;
  minNs: number;
  maxNs: number;
  meanNs: number;
  p50Ns: number;
  p90Ns: number;
  p99Ns: number;
  p999Ns: number;
  /** [bucket low edge ns, count] for every non-empty bucket */
  histogram?: [number, number][];
}

/** iputils' own figures, integers in µs, computed exactly as ping_common.c finish() does. */
export interface IputilsFigures {
  minUs: number;
  avgUs: number;
  maxUs: number;
  mdevUs: number;
  /** rts->rtt: the EWMA kept ×8 in µs */
  ewma8: number;
  /** inter-packet gap µs, when ping would print ipg/ewma; else null */
  ipgUs: number | null;
}

/** A ping's statistics: ping's counts and figures (iputils' arithmetic), and each span's distribution. */
export interface Stats {
  transmitted: number;
  received: number;
  duplicates: number;
  corrupted: number;
  errors: number;
  /** (tx−rx)·100/tx as ping computes it (a float), 0 when nothing was sent */
  lossPercent: number;
  /** last send − first send, ns (monotonic) */
  elapsedNs: number;
  /** ping's "time N ms" */
  timeMs: number;
  /** largest number of probes outstanding at once (ping's pipe) */
  pipe: number;
  /** true when the payload was big enough to carry a timestamp (datalen ≥ 16) */
  timing: boolean;
  /** which clock fed `iputils` and the per-reply times */
  primaryClock: Clock;
  iputils: IputilsFigures | null;
  /** one summary per span (null when this run could not measure it) */
  rtt: Record<Clock, RttSummary | null>;
  /** replies whose kernel TX stamp was missing (their kernel RTT is absent) */
  kernelTxMissing: number;
}

/** Sums iputils keeps (tsum, tsum2 as long long µs), with tsum2 split to stay exact in doubles. */
export class IputilsSums {
  n = 0;
  tsum = 0;
  tsum2Hi = 0; // units of 2^52
  tsum2Lo = 0;
  tmin = Infinity;
  tmax = 0;
  rtt = 0; // ewma ×8 (int in C)
  add(t: number): void {
    this.n++;
    this.tsum += t;
    this.tsum2Lo += t * t;
    if (this.tsum2Lo >= 4503599627370496) {
      this.tsum2Hi++;
      this.tsum2Lo -= 4503599627370496;
    }
    if (t < this.tmin) this.tmin = t;
    if (t > this.tmax) this.tmax = t;
    this.rtt = this.rtt ? (this.rtt + t - Math.trunc(this.rtt / 8)) | 0 : (t * 8) | 0;
  }
  tsum2(): bigint {
    return BigInt(this.tsum2Hi) * 4503599627370496n + BigInt(this.tsum2Lo);
  }
}

/** finish()'s avg and mdev from the sums over `total` = received + duplicates replies. */
export function iputilsAvgMdev(tsum: bigint, tsum2: bigint, total: bigint): { avg: bigint; mdev: bigint } {
  const avg = tsum / total;
  let variance: bigint;
  const INT_MAX = 2147483647n;
  if (tsum < INT_MAX) variance = (tsum2 - (tsum * tsum) / total) / total;
  else variance = tsum2 / total - avg * avg;
  return { avg, mdev: llsqrt(variance) };
}

/** ping_common.c llsqrt: Newton's method on integers. */
export function llsqrt(a: bigint): bigint {
  let prev = (1n << 63n) - 1n;
  let x = a;
  if (x > 0n) {
    while (x < prev) {
      prev = x;
      x = (x + a / x) / 2n;
    }
  }
  return x;
}


/** ping's "time" figure from elapsed ns: 1000·sec + (nsec + 500000)/1000000. */
export function pingTimeMs(elapsedNs: number): number {
  const sec = Math.floor(elapsedNs / 1e9);
  const nsec = elapsedNs - sec * 1e9;
  return 1000 * sec + Math.trunc((nsec + 500000) / 1000000);
}

/** ipg as finish() computes it: (1e6·sec + nsec/1000) / (tx − 1), as int. */
export function ipgUs(elapsedNs: number, tx: number): number {
  const sec = Math.floor(elapsedNs / 1e9);
  const nsec = elapsedNs - sec * 1e9;
  return Math.trunc((1e6 * sec + Math.trunc(nsec / 1000)) / (tx - 1));
}

/**
 * finish()'s figures. `total` is received + duplicates, as iputils (every reply timed); when
 * only a sample of the replies was timed (`sampled`: a flood's kernel clock TX-stamps 1 in N),
 * the sums cover sums.n replies and are divided by that — dividing them by every reply gave an
 * average below the minimum.
 */
export function iputilsFigures(
  sums: IputilsSums, received: number, duplicates: number, transmitted: number, elapsedNs: number, showIpg: boolean,
  sampled = false,
): IputilsFigures | null {
  if (!received || sums.n === 0) return null;
  const total = sampled ? sums.n : received + duplicates;
  const { avg, mdev } = iputilsAvgMdev(BigInt(sums.tsum), sums.tsum2(), BigInt(total));
  return {
    minUs: sums.tmin,
    avgUs: Number(avg),
    maxUs: sums.tmax,
    mdevUs: Number(mdev),
    ewma8: sums.rtt,
    ipgUs: showIpg && transmitted > 1 ? ipgUs(elapsedNs, transmitted) : null,
  };
}

// ─── Several flows, one record ──────────────────────────────────────────────────────────
// With `threads` > 1 each worker runs its own flow (socket, id, tag, seq space). Each hands
// back the raw material of its Stats — counters, iputils' sums, both histograms' buckets —
// and mergeFlows() builds the one record a single engine would have built from the union of
// the samples: counters, tsum, tsum2 and bucket counts add; min/max combine; avg/mdev and
// percentiles are then computed from the merged sums and buckets exactly as for one flow.
// Two figures depend on the order of samples across flows, which no flow sees; merged as:
// - ipg: elapsed of the union (first send of any flow to last send of any flow) / (tx − 1),
//   the aggregate gap between probes, as ping defines it for the probes it sent;
// - ewma: the flows' EWMAs (×8) averaged with their sample counts as weights, truncated.
// pipe is the largest of the flows' pipes (each flow's window is its own).

/** IputilsSums as plain data (structured-clone friendly). */
export interface SumsParts {
  n: number;
  tsum: number;
  tsum2Hi: number;
  tsum2Lo: number;
  tmin: number;
  tmax: number;
  rtt: number;
}

/** A Histogram as plain data: its non-empty buckets as [bucket index, count]. */
export interface HistParts {
  count: number;
  min: number;
  max: number;
  sum: number;
  buckets: [number, number][];
  /** false: the flow kept no buckets (percentiles: false) */
  bucketed?: boolean;
}

/** One flow's mergeable state. Send instants are on CLOCK_MONOTONIC (process.hrtime), shared by every thread. */
export interface FlowParts {
  transmitted: number;
  received: number;
  duplicates: number;
  corrupted: number;
  errors: number;
  kernelTxMissing: number;
  pipe: number;
  /** first and last send, monotonic ns; null when the flow sent nothing */
  firstSendNs: bigint | null;
  lastSendNs: bigint | null;
  timing: boolean;
  primaryClock: Clock;
  /** ping would print ipg/ewma (interval 0, -f or -A) */
  showIpg: boolean;
  /** keep the histogram buckets in the summaries */
  histogram: boolean;
  /** only a sample of the replies fed `sums` (iputilsFigures' `sampled`) */
  sampled: boolean;
  sums: SumsParts;
  /** each span's histogram (null when the flow could not measure it) */
  hists: Record<Clock, HistParts | null>;
}

export function sumsParts(s: IputilsSums): SumsParts {
  return { n: s.n, tsum: s.tsum, tsum2Hi: s.tsum2Hi, tsum2Lo: s.tsum2Lo, tmin: s.tmin, tmax: s.tmax, rtt: s.rtt };
}

export function histParts(h: Histogram): HistParts {
  return { count: h.count, min: h.min, max: h.max, sum: h.sum, buckets: [...h.buckets()], bucketed: h.bucketed };
}

/** Sums over the union: n, tsum, tsum2 add (tsum2 kept exact in two words), min/max combine. */
export function mergeSums(parts: SumsParts[]): IputilsSums {
  const m = new IputilsSums();
  let w = 0;
  for (const p of parts) {
    m.n += p.n;
    m.tsum += p.tsum;
    m.tsum2Hi += p.tsum2Hi;
    m.tsum2Lo += p.tsum2Lo;
    if (m.tsum2Lo >= 4503599627370496) {
      m.tsum2Hi++;
      m.tsum2Lo -= 4503599627370496;
    }
    if (p.tmin < m.tmin) m.tmin = p.tmin;
    if (p.tmax > m.tmax) m.tmax = p.tmax;
    w += p.n * p.rtt;
  }
  // ewma: no flow sees the others' order; the sample-weighted mean of the flows' EWMAs
  m.rtt = m.n ? Math.trunc(w / m.n) : 0;
  return m;
}

/** Bucket counts add, min/max combine: the histogram the union of samples fills. */
export function mergeHists(parts: HistParts[]): Histogram {
  // a flow without buckets leaves the union without percentiles
  const h = new Histogram(parts.every((p) => p.bucketed !== false));
  for (const p of parts) {
    for (const [i, n] of p.buckets) h.add(i, n);
    h.count += p.count;
    h.sum += p.sum;
    if (p.count && p.min < h.min) h.min = p.min;
    if (p.max > h.max) h.max = p.max;
  }
  return h;
}

/** The one Stats record of several flows (see the rules above). */
export function mergeFlows(flows: FlowParts[]): Stats {
  if (flows.length === 0) throw new RangeError('mergeFlows: no flows');
  const add = (k: 'transmitted' | 'received' | 'duplicates' | 'corrupted' | 'errors' | 'kernelTxMissing') =>
    flows.reduce((a, f) => a + f[k], 0);
  const transmitted = add('transmitted');
  const received = add('received');
  const duplicates = add('duplicates');
  let first: bigint | null = null;
  let last: bigint | null = null;
  for (const f of flows) {
    if (f.firstSendNs !== null && (first === null || f.firstSendNs < first)) first = f.firstSendNs;
    if (f.lastSendNs !== null && (last === null || f.lastSendNs > last)) last = f.lastSendNs;
  }
  const elapsed = first !== null && last !== null && last > first ? Number(last - first) : 0;
  const f0 = flows[0];
  // every flow runs the same options in the same namespace, so the same clock; if one did not,
  // its sums would be on another clock and no honest merge exists
  if (flows.some((f) => f.primaryClock !== f0.primaryClock)) throw new RangeError('mergeFlows: flows timed on different clocks');
  const withHistogram = f0.histogram;
  const merged = (c: Clock): RttSummary | null => {
    const hs = flows.map((f) => f.hists[c]).filter((k): k is HistParts => k !== null);
    return hs.length ? mergeHists(hs).summary(c, withHistogram) : null;
  };
  return {
    transmitted,
    received,
    duplicates,
    corrupted: add('corrupted'),
    errors: add('errors'),
    lossPercent: lossPercent(transmitted, received),
    elapsedNs: elapsed,
    timeMs: pingTimeMs(elapsed),
    pipe: flows.reduce((a, f) => Math.max(a, f.pipe), 0),
    timing: f0.timing,
    primaryClock: f0.primaryClock,
    iputils: iputilsFigures(
      mergeSums(flows.map((f) => f.sums)), received, duplicates, transmitted, elapsed, f0.showIpg, flows.some((f) => f.sampled),
    ),
    rtt: { ping: merged('ping'), sched: merged('sched'), kernel: merged('kernel'), hrtime: merged('hrtime') },
    kernelTxMissing: add('kernelTxMissing'),
  };
}
