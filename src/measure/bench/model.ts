// The data of one `vping bench` run: what the runner records and every presenter (terminal
// table, JSON, Prometheus text, HTML report) reads. No I/O and no formatting here.
//
// Units: every time is an integer number of nanoseconds held in a JS number. A Float64Array
// holds integers exactly up to 2^53 ns (104 days), sorts numerically in place
// (TypedArray#sort), and costs 8 bytes a sample like BigInt64Array, without BigInt's slow
// arithmetic in the statistics loops. validateRow() checks the integer invariant.

import type { Clock } from '../../icmp/stats.js';

/** Which way the echo goes: the request leaves the first namespace for the second. */
export type Direction = 'ns1-ns2' | 'ns2-ns1';
export const DIRECTIONS: readonly Direction[] = ['ns1-ns2', 'ns2-ns1'];

/** interval: one echo every intervalMs; flood: the next echo as soon as the reply is in (ping -f). */
export type BenchMode = 'interval' | 'flood';
export const MODES: readonly BenchMode[] = ['interval', 'flood'];

/**
 * Which span an RTT sample measures (the ICMP engine's Clock): ping (user send → kernel RX
 * stamp, iputils ping's span, the default), sched (qdisc entry → RX), kernel (device → RX),
 * hrtime (user send → user receive). Only `ping` is comparable with iputils ping's figures.
 */
export type ClockSource = Clock;

/** ICMP echo payload bounds (iputils `-s`): 0..65507 over IPv4. */
export const MIN_PAYLOAD = 0;
export const MAX_PAYLOAD_V4 = 65507;

/** What identifies a row of the bench: one pair, one direction, one size, one mode. */
export interface RowKey {
  /** Lab pair number, 1-based (pair 1 is the tutorial's ns1/ns2). */
  pair: number;
  dir: Direction;
  /** ICMP payload bytes (ping's -s). */
  size: number;
  mode: BenchMode;
}

/** The six legs of one echo's journey: the qdisc entry stamp and the four capture points (vping trace). */
export type SegmentName = 'sendPath' | 'queue' | 'crossing' | 'turnaround' | 'crossingBack' | 'receivePath';

/**
 * The legs in order. The send path ends where the request enters the qdisc (the kernel's
 * TX_SCHED stamp); `queue` is its wait there until the device takes it (tap1 out): zero-ish on
 * an idle veth, the shaper's delay under tbf or htb.
 */
export const SEGMENTS: readonly { name: SegmentName; label: string; from: string; to: string }[] = [
  { name: 'sendPath', label: 'send path', from: 'user send', to: 'qdisc entry' },
  { name: 'queue', label: 'queue', from: 'qdisc entry', to: 'tap1 out' },
  { name: 'crossing', label: 'crossing', from: 'tap1 out', to: 'tap2 in' },
  { name: 'turnaround', label: 'turnaround', from: 'tap2 in', to: 'tap2 out' },
  { name: 'crossingBack', label: 'crossing back', from: 'tap2 out', to: 'tap1 in' },
  { name: 'receivePath', label: 'receive path', from: 'tap1 in', to: 'user receive' },
];

/**
 * Per-echo segment durations, integer ns (signed: clock skew would show, not vanish), index-aligned: element i of every array is the same
 * echo (the one sent with seq[i]). Only echoes seen at all four points are here.
 */
export type TraceSegments = Record<SegmentName, Float64Array> & {
  /** ICMP sequence number of each traced echo. */
  seq: Uint16Array;
  /** Send instant of each traced echo, ns since the run's epoch (BenchRun.epochNs). */
  atNs: Float64Array;
};

/**
 * What iputils ping printed for the same row (`--vs-ping`): its statistics lines only.
 * RTT figures are integer µs, exactly as its `rtt min/avg/max/mdev = a.bbb/...` line
 * (a.bbb ms = a*1000 + bbb µs).
 */
export interface PeerFigures {
  tool: 'ping';
  /** `ping -V` text, when known. */
  version?: string;
  /** The command line it ran, for the record. */
  argv?: string[];
  transmitted: number;
  received: number;
  duplicates: number;
  /** ping's `time Nms`: last send − start, ms. */
  timeMs: number;
  /** Absent when ping printed no rtt line (no reply, or payload under 16 bytes). */
  rtt?: { minUs: number; avgUs: number; maxUs: number; mdevUs: number };
}

/** One row: what the runner measured for one RowKey, warm-up excluded. */
export interface BenchRow extends RowKey {
  clock: ClockSource;
  /** Interval between sends in interval mode (ms); 0 in flood mode. */
  intervalMs: number;
  /** Echo requests sent (warm-up excluded). */
  sent: number;
  /** Distinct echo replies matched (ping's "received"). */
  received: number;
  /** Replies to a seq already answered (ping's "+N duplicates"). */
  duplicates: number;
  /** Measurement window: first send to last send, ns (ping's `time`); echo/s = received / it. */
  durationNs: number;
  /**
   * Valid replies that carry no RTT on the row's clock: no kernel TX stamp for that probe, or
   * a payload under 16 bytes (no room for a send time, as ping). Absent means 0.
   */
  untimed?: number;
  /**
   * Send instant of the first measured reply's probe (timed or not), ns since the run's epoch:
   * where durationNs starts. Absent in older runs (the earliest atNs stands in).
   */
  firstAtNs?: number;
  /**
   * Flood rows: probes kept in flight (ping's -l; 1 is ping -f's own). Absent on interval rows.
   */
  window?: number;
  /**
   * sched- and kernel-clock rows whose probes were TX-stamped one in N (the first N, then every Nth): the
   * RTT figures then come from the stamped probes only (the rest are `untimed`). Absent: every probe.
   */
  txStampEvery?: number;
  /**
   * One RTT per valid reply, duplicates included (ping's tsum counts them too), integer ns,
   * in arrival order: rttNs.length === received + duplicates − untimed.
   */
  rttNs: Float64Array;
  /** Send instant of each sample, ns since the run's epoch; same length and order as rttNs. */
  atNs: Float64Array;
  trace?: TraceSegments;
  peer?: PeerFigures;
  /** The run was stopped (SIGINT/SIGTERM) while this row was measured: its figures cover the echoes up to then. */
  interrupted?: boolean;
}

export interface HostInfo {
  hostname: string;
  /** uname -r */
  kernel: string;
  /** process.version */
  node: string;
  cpus: number;
}

export interface BenchParams {
  /** Lab name (namespaces ns1/ns2 of pair 1 by default). */
  lab: string;
  pairs: number;
  sizes: number[];
  modes: BenchMode[];
  dirs: Direction[];
  /** Echoes measured per row (warm-up excluded). */
  count: number;
  /** Echoes sent and discarded before each row. */
  warmup: number;
  intervalMs: number;
  vsPing: boolean;
  /** Flood rows' probes in flight (absent in runs recorded before it was a parameter: 1). */
  window?: number;
  /** sched and kernel clocks: flood rows TX-stamp one probe in N (null on the other clocks; absent in older runs: every probe). */
  txStampEvery?: number | null;
}

export const BENCH_SCHEMA = 'vping.bench/1';

/** A whole run. */
export interface BenchRun {
  schema: typeof BENCH_SCHEMA;
  /** Wall-clock start, ISO 8601. */
  startedAt: string;
  /** Origin of every atNs in the run: the runner's CLOCK_REALTIME at start, ns since the Unix epoch (a double: µs-exact). */
  epochNs: number;
  host: HostInfo;
  params: BenchParams;
  rows: BenchRow[];
  /** The run was stopped before the sweep ended: `rows` holds what was measured until then. */
  interrupted?: boolean;
  /** The process's peak resident size over the run (getrusage ru_maxrss: the workers are its threads), bytes. */
  peakRssBytes?: number;
}

/** The canonical label of a row, e.g. `pair 1 ns1-ns2 56 B flood`. */
export function rowLabel(k: RowKey): string {
  return `pair ${k.pair} ${k.dir} ${k.size} B ${k.mode}`;
}

function checkIntegers(what: string, a: Float64Array, nonNegative: boolean): void {
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (!Number.isSafeInteger(v) || (nonNegative && v < 0)) {
      throw new RangeError(`${what}[${i}] = ${v}: expected a ${nonNegative ? 'non-negative ' : ''}integer number of ns`);
    }
  }
}

/**
 * Check a row's invariants (a runner bug shows here, not as a wrong figure later): counts are
 * non-negative integers, received ≤ sent, one sample per valid reply, integer ns everywhere,
 * trace arrays aligned. Throws RangeError naming the first broken field.
 */
export function validateRow(r: BenchRow): void {
  const label = rowLabel(r);
  const untimed = r.untimed ?? 0;
  for (const [k, v] of [['pair', r.pair], ['size', r.size], ['sent', r.sent], ['received', r.received], ['duplicates', r.duplicates], ['durationNs', r.durationNs], ['untimed', untimed]] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${label}: ${k} = ${v} is not a non-negative integer`);
  }
  if (r.pair < 1) throw new RangeError(`${label}: pair numbers start at 1`);
  if (r.size > MAX_PAYLOAD_V4) throw new RangeError(`${label}: size ${r.size} exceeds ${MAX_PAYLOAD_V4}`);
  if (!DIRECTIONS.includes(r.dir)) throw new RangeError(`${label}: unknown direction ${String(r.dir)}`);
  if (!MODES.includes(r.mode)) throw new RangeError(`${label}: unknown mode ${String(r.mode)}`);
  if (r.received > r.sent) throw new RangeError(`${label}: received ${r.received} > sent ${r.sent}`);
  if (r.rttNs.length !== r.received + r.duplicates - untimed) {
    throw new RangeError(`${label}: ${r.rttNs.length} RTT samples for ${r.received} replies + ${r.duplicates} duplicates − ${untimed} untimed`);
  }
  if (r.atNs.length !== r.rttNs.length) throw new RangeError(`${label}: atNs has ${r.atNs.length} entries, rttNs ${r.rttNs.length}`);
  if (r.firstAtNs !== undefined && !Number.isSafeInteger(r.firstAtNs)) throw new RangeError(`${label}: firstAtNs = ${r.firstAtNs} is not an integer`);
  for (const [k, v] of [['window', r.window], ['txStampEvery', r.txStampEvery]] as const) {
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 1)) throw new RangeError(`${label}: ${k} = ${v} is not a positive integer`);
  }
  checkIntegers(`${label}: rttNs`, r.rttNs, true);
  checkIntegers(`${label}: atNs`, r.atNs, false);
  if (r.trace) {
    const n = r.trace.seq.length;
    if (r.trace.atNs.length !== n) throw new RangeError(`${label}: trace.atNs has ${r.trace.atNs.length} entries, seq ${n}`);
    checkIntegers(`${label}: trace.atNs`, r.trace.atNs, false);
    for (const s of SEGMENTS) {
      const a = r.trace[s.name];
      if (a.length !== n) throw new RangeError(`${label}: trace.${s.name} has ${a.length} entries, seq ${n}`);
      // Signed: a negative leg means two clocks disagree, which trace reports rather than hides.
      checkIntegers(`${label}: trace.${s.name}`, a, false);
    }
  }
}
