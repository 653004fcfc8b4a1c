// One statistics record for every reporter. Counters and RTTs are integers (ns, and µs
// where iputils' figures are reproduced); percentiles come from a log-linear histogram of
// fixed size, so memory stays flat however long a run lasts.

/** Which clock a figure came from. */
export type Clock = 'kernel' | 'hrtime';
export const CLOCK_TEXT: Record<Clock, string> = {
  kernel: 'kernel software timestamps (SO_TIMESTAMPING TX to RX, CLOCK_REALTIME differences)',
  hrtime: 'process hrtime (CLOCK_MONOTONIC, before sendmmsg to after recvmmsg)',
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

export class Histogram {
  readonly counts = new Float64Array(BUCKETS);
  count = 0;
  min = Infinity;
  max = 0;
  sum = 0;
  record(ns: number): void {
    this.counts[bucketOf(ns)]++;
    this.count++;
    this.sum += ns;
    if (ns < this.min) this.min = ns;
    if (ns > this.max) this.max = ns;
  }
  /**
   * The p-quantile (0..1) with sockperf's rank `(int)(0.5 + p·N) − 1` over sorted samples,
   * read as the low edge of the sample's bucket (exact below 2048 ns), clamped to [min, max].
   */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(0, Math.trunc(0.5 + p * this.count) - 1);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
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
      for (let i = 0; i < BUCKETS; i++) if (this.counts[i]) buckets.push([bucketLow(i), this.counts[i]]);
      s.histogram = buckets;
    }
    return s;
  }
}

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
  rtt: { kernel: RttSummary | null; hrtime: RttSummary | null };
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

/** ping's loss figure: (float)(((tx − rx) · 100.0) / tx). */
export const lossPercent = (tx: number, rx: number): number => (tx ? Math.fround(((tx - rx) * 100.0) / tx) : 0);

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

export function iputilsFigures(
  sums: IputilsSums, received: number, duplicates: number, transmitted: number, elapsedNs: number, showIpg: boolean,
): IputilsFigures | null {
  if (!received || sums.n === 0) return null;
  const { avg, mdev } = iputilsAvgMdev(BigInt(sums.tsum), sums.tsum2(), BigInt(received + duplicates));
  return {
    minUs: sums.tmin,
    avgUs: Number(avg),
    maxUs: sums.tmax,
    mdevUs: Number(mdev),
    ewma8: sums.rtt,
    ipgUs: showIpg && transmitted > 1 ? ipgUs(elapsedNs, transmitted) : null,
  };
}
