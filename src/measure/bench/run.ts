// The bench runner: drives the ICMP engine (src/icmp) across the lab's pairs, row by row —
// each payload size, each direction, each mode — with a warm-up before every row, all pairs
// of a row at once, and (with vsPing) iputils ping on the same pairs right after. It records
// every RTT sample with its instant into the BenchRun model; presenters do the rest.
//
// Samples come from the engine's batched stream (PingOptions.samples: Float64Array batches, no
// object per reply), so the bench measures the engine, not a per-reply message. Flood rows run
// on the engine's flood defaults: `window` probes in flight (1, as ping -f, unless asked). On
// the default clock (ping's span: user send → kernel RX stamp) every reply is timed and no TX
// stamp is taken. The sched and kernel clocks need TX stamps, which flood rows take on 1 probe
// in FLOOD_TX_STAMP_EVERY (each costs the kernel an skb clone and an error-queue read): their
// RTT figures then come from the stamped probes only, and the row says how many (`untimed`
// counts the others) and how they were picked (`txStampEvery`); echo/s, sent and received
// count every probe and reply.
import { setMaxListeners } from 'node:events';
import { hostname, release, availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { UsageError } from '../../sys/errors.js';
import { CLOCKS } from '../../icmp/stats.js';
import { FLOOD_TX_STAMP_EVERY, SAMPLE, SAMPLE_DUP, SAMPLE_FIELD, startPing, type PingOptions, type SampleBatch, type Stats } from '../../icmp/index.js';
import { requireLabUp, type ReadyLab } from '../../lab/lab.js';
import { type LabEnd, type LabInput, type LabSpec } from '../../lab/spec.js';
import {
  BENCH_SCHEMA, DIRECTIONS, MAX_PAYLOAD_V4, MIN_PAYLOAD, MODES, validateRow,
  type BenchMode, type BenchParams, type BenchRow, type BenchRun, type ClockSource, type Direction, type PeerFigures, type RowKey,
} from './model.js';
import { assertPeerPing, runPeerPing } from './peer.js';

/** IPv6 allows 20 bytes more payload (no IPv4 header in the 65535). */
const MAX_PAYLOAD_V6 = 65527;

/** What to run: the recorded parameters (model.ts BenchParams) as given, plus how to run them. */
export interface BenchOptions extends Pick<BenchParams, 'sizes' | 'modes' | 'dirs' | 'count' | 'warmup' | 'intervalMs' | 'vsPing'> {
  /** The lab to run on: given as input (resolved and inspected once here) or already ready. */
  lab: LabInput | LabSpec | ReadyLab;
  /** Lab name for the record (default: the first namespace pair, e.g. `ns1,ns2`). */
  labName?: string;
  clock: ClockSource;
  /** Seconds to wait for a reply when none came (ping's -W). Default 2. */
  timeoutS?: number;
  /** Flood rows: probes in flight (ping's -l; vping and, with vsPing, ping alike). Default 1, as ping -f. */
  window?: number;
  /**
   * Flood rows on the sched and kernel clocks: TX-stamp one probe in N (default FLOOD_TX_STAMP_EVERY, the
   * engine's flood default; 1 stamps every probe at a cost in echo/s). Interval rows stamp every probe.
   */
  txStampEvery?: number;
}

/** bench's defaults: sizes, modes, directions, counts, warm-up, interval, window and TX-stamp sampling. */
export const BENCH_DEFAULTS = {
  sizes: [56],
  modes: ['interval', 'flood'] as BenchMode[],
  dirs: ['ns1-ns2', 'ns2-ns1'] as Direction[],
  count: 1000,
  warmup: 100,
  intervalMs: 2,
  clock: 'ping' as ClockSource,
  window: 1,
  txStampEvery: FLOOD_TX_STAMP_EVERY,
} as const;

/** Where a bench run is: which row of how many, which tool, replies so far of those expected. */
export interface BenchProgress {
  /** 1-based row of the sweep (all pairs of one size/dir/mode make one step). */
  step: number;
  steps: number;
  key: Omit<RowKey, 'pair'>;
  pairs: number;
  phase: 'vping' | 'ping';
  /** Replies seen so far in this step, over all pairs (vping phase). */
  received: number;
  /** Replies expected in this step, over all pairs. */
  expected: number;
}

/** What a caller hears while a bench runs: progress, rows as they are measured, and a signal to stop it. */
export interface BenchHooks {
  /** Called as replies come in (at most every 100 ms) and at each row's start and end. */
  onProgress?(p: BenchProgress): void;
  /** The rows of one step, as soon as they are measured. */
  onRows?(rows: BenchRow[]): void;
  /**
   * Stop the run (the CLI aborts it on SIGINT/SIGTERM): the engine sessions of the row being
   * measured stop as ping does on Ctrl-C, that row keeps what came back (marked `interrupted`),
   * no further row starts, and runBench resolves with the rows so far (`run.interrupted`).
   * A running iputils ping (vsPing) gets SIGINT and its statistics so far are kept.
   */
  signal?: AbortSignal;
}

const isInt = (v: number): boolean => Number.isInteger(v);

/**
 * Check the options before anything runs (one UsageError each, exit 2 at the CLI): sizes in
 * range for the lab's address family, known modes and directions, positive counts.
 */
export function checkBenchOptions(o: BenchOptions, family: 4 | 6 = 4): void {
  const max = family === 4 ? MAX_PAYLOAD_V4 : MAX_PAYLOAD_V6;
  if (!o.sizes.length) throw new UsageError('--sizes: give at least one payload size');
  for (const s of o.sizes) {
    if (!isInt(s) || s < MIN_PAYLOAD || s > max) throw new UsageError(`--sizes: payload size ${s} out of range ${MIN_PAYLOAD}-${max}`);
  }
  if (new Set(o.sizes).size !== o.sizes.length) throw new UsageError('--sizes: a size is given twice');
  if (!o.modes.length) throw new UsageError('--modes: give interval, flood or both');
  for (const m of o.modes) if (!MODES.includes(m)) throw new UsageError(`--modes: unknown mode "${m}" (interval, flood)`);
  if (!o.dirs.length) throw new UsageError('--dirs: give ns1-ns2, ns2-ns1 or both');
  for (const d of o.dirs) if (!DIRECTIONS.includes(d)) throw new UsageError(`--dirs: unknown direction "${d}" (ns1-ns2, ns2-ns1)`);
  if (!isInt(o.count) || o.count < 1 || o.count > 10_000_000) throw new UsageError(`--count: ${o.count} out of range 1-10000000`);
  if (!isInt(o.warmup) || o.warmup < 0 || o.warmup > 10_000_000) throw new UsageError(`--warmup: ${o.warmup} out of range 0-10000000`);
  if (!Number.isFinite(o.intervalMs) || o.intervalMs < 0 || o.intervalMs > 60_000) throw new UsageError(`--interval: ${o.intervalMs / 1000} s out of range 0-60`);
  if (!CLOCKS.includes(o.clock)) throw new UsageError(`--clock: expected one of ${CLOCKS.join(', ')}, not "${String(o.clock)}"`);
  if (o.timeoutS !== undefined && (!Number.isFinite(o.timeoutS) || o.timeoutS <= 0)) throw new UsageError(`--timeout: ${o.timeoutS} must be a positive number of seconds`);
  if (o.window !== undefined && (!isInt(o.window) || o.window < 1 || o.window > 65536)) throw new UsageError(`--window: ${o.window} out of range 1-65536`);
  if (o.txStampEvery !== undefined && (!isInt(o.txStampEvery) || o.txStampEvery < 1 || o.txStampEvery > 65536)) {
    throw new UsageError(`--tx-stamp-every: ${o.txStampEvery} out of range 1-65536`);
  }
}

function realNowNs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1e6);
}

interface Leg {
  pair: number;
  from: LabEnd;
  to: LabEnd;
}

function legs(lab: ReadyLab, dir: Direction): Leg[] {
  return lab.pairs.map((p) => ({ pair: p.index, from: p.ends[dir === 'ns1-ns2' ? 0 : 1], to: p.ends[dir === 'ns1-ns2' ? 1 : 0] }));
}

/** Flood rows: probes in flight. */
export function windowOf(o: Pick<BenchOptions, 'window'>): number {
  return o.window ?? BENCH_DEFAULTS.window;
}

/** Does this clock's span start at a kernel TX stamp (so probes must be TX-stamped)? */
export const needsTxStamps = (clock: ClockSource): boolean => clock === 'sched' || clock === 'kernel';

/** TX-stamp one probe in N for this row (sched and kernel clocks only): the flood's sampling, or every probe. */
export function txStampEveryOf(mode: BenchMode, o: Pick<BenchOptions, 'txStampEvery' | 'count'>): number {
  return mode === 'flood' ? (o.txStampEvery ?? floodStampEvery(o.count)) : 1;
}

/**
 * A flood row's TX-stamp sampling when none is asked: as sparse as the engine's flood default
 * (1 in 64) allows while the row keeps at least 1,000 timed samples for its percentiles — every
 * probe at the default count of 1,000 — so each percentile rests on that many.
 */
export function floodStampEvery(count: number): number {
  return Math.max(1, Math.min(BENCH_DEFAULTS.txStampEvery, Math.floor(count / 1000)));
}

function pingOptions(leg: Leg, size: number, mode: BenchMode, o: BenchOptions, count: number, shared: boolean): PingOptions {
  return {
    shared,
    destination: leg.to.cidr.address,
    netns: leg.from.ns,
    count,
    size,
    flood: mode === 'flood',
    interval: mode === 'flood' ? 0 : o.intervalMs / 1000,
    preload: mode === 'flood' ? windowOf(o) : 1,
    timeout: o.timeoutS ?? 2,
    clock: o.clock,
    quiet: true,
    events: false,
    samples: true,
    // ping's span needs only RX stamps; sched/kernel need TX stamps (flood rows: a sample, see the top)
    ...(needsTxStamps(o.clock) ? { txStampEvery: txStampEveryOf(mode, o) }
      : o.clock === 'ping' ? { txStampEvery: 0 } : { kernelTimestamps: false }),
  };
}

/** What one leg's sample stream adds up to, warm-up dropped (exported for the unit test). */
export interface LegSamples {
  received: number;
  duplicates: number;
  untimed: number;
  rttNs: number[];
  atNs: number[];
  /** first and last measured send instant (ns on the stream's clock), NaN when none */
  firstSentNs: number;
  lastSentNs: number;
}

/**
 * Fold sample batches (in arrival order) into a row's figures: the first `warmup` distinct
 * replies are dropped (duplicates meanwhile still count as duplicates, as before); every later
 * valid reply counts, and gives an RTT on `clock` when it has one (else it is `untimed`), at its
 * send instant minus `originNs`.
 */
export class LegFold {
  readonly r: LegSamples = { received: 0, duplicates: 0, untimed: 0, rttNs: [], atNs: [], firstSentNs: NaN, lastSentNs: NaN };
  #skip: number;
  readonly #field: number;
  constructor(warmup: number, clock: ClockSource, readonly originNs: number) {
    this.#skip = warmup;
    this.#field = SAMPLE_FIELD[clock];
  }
  /** Returns how many replies of the batch were measured (for progress). */
  add(b: SampleBatch): number {
    const d = b.data;
    const r = this.r;
    let measured = 0;
    for (let i = 0; i < b.count; i++) {
      const o = i * SAMPLE.SIZE;
      const dup = (d[o + SAMPLE.FLAGS] & SAMPLE_DUP) !== 0;
      if (dup) r.duplicates++;
      else if (this.#skip > 0) {
        this.#skip--;
        continue;
      } else r.received++;
      measured++;
      const sent = d[o + SAMPLE.SENT_NS];
      if (!dup) {
        if (!(sent >= r.firstSentNs)) r.firstSentNs = sent;
        if (!(sent <= r.lastSentNs)) r.lastSentNs = sent;
      }
      const v = d[o + this.#field];
      if (v !== v) {
        r.untimed++;
        continue;
      }
      r.rttNs.push(Math.round(v));
      r.atNs.push(Math.round(sent - this.originNs));
    }
    return measured;
  }
}

/**
 * Measure one leg: one engine session sends warm-up + count echoes, so the warm-up also
 * warms the session's own worker (its JIT, its socket, its buffers); the first `warmup`
 * replies are dropped. Every later valid reply gives its RTT on the chosen clock and its send
 * instant (reply instant − RTT).
 */
async function measureLeg(leg: Leg, key: Omit<RowKey, 'pair'>, o: BenchOptions, epochMonoNs: number, onReplies: (n: number) => void, shared: boolean, signal?: AbortSignal): Promise<BenchRow> {
  const fold = new LegFold(o.warmup, o.clock, epochMonoNs);
  const session = startPing(pingOptions(leg, key.size, key.mode, o, o.warmup + o.count, shared));
  session.on('samples', (b) => {
    const n = fold.add(b);
    if (n) onReplies(n);
  });
  let stopped = false;
  const onAbort = (): void => {
    stopped = true;
    session.stop();
  };
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  let r;
  try {
    r = await session.done;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  const st: Stats = r.stats;
  const { received, duplicates, untimed, rttNs: rtt, atNs: at } = fold.r;
  // First to last measured send (ping's `time` over the measured part): the send instants of
  // the measured replies, timed or not. With fewer than two (nothing came back) the engine's
  // first-to-last send, scaled to the measured share of the probes.
  let durationNs = st.transmitted > 1 ? Math.round((st.elapsedNs * Math.max(0, st.transmitted - o.warmup - 1)) / (st.transmitted - 1)) : 0;
  if (received > 1) durationNs = Math.round(fold.r.lastSentNs - fold.r.firstSentNs);
  const row: BenchRow = {
    pair: leg.pair,
    ...key,
    clock: o.clock,
    intervalMs: key.mode === 'flood' ? 0 : o.intervalMs,
    sent: Math.max(0, st.transmitted - o.warmup),
    received,
    duplicates,
    durationNs,
    rttNs: Float64Array.from(rtt),
    atNs: Float64Array.from(at),
  };
  if (untimed) row.untimed = untimed;
  if (received > 0) row.firstAtNs = Math.round(fold.r.firstSentNs - epochMonoNs);
  if (key.mode === 'flood') row.window = windowOf(o);
  if (needsTxStamps(o.clock) && txStampEveryOf(key.mode, o) > 1) row.txStampEvery = txStampEveryOf(key.mode, o);
  if (stopped) row.interrupted = true;
  return row;
}

/** Run the sweep; resolves with the whole run. Rejects on the first engine or peer error. */
export async function runBench(o: BenchOptions, hooks: BenchHooks = {}): Promise<BenchRun> {
  const lab = requireLabUp(o.lab);
  const spec = lab.spec;
  checkBenchOptions(o, lab.family);
  if (o.vsPing) assertPeerPing();
  const startedAt = new Date().toISOString();
  const epochRealNs = realNowNs();
  // the sample stream's send instants are on process.hrtime's clock: atNs counts from this reading
  const epochMonoNs = Number(process.hrtime.bigint());
  const rows: BenchRow[] = [];
  const steps: Omit<RowKey, 'pair'>[] = [];
  for (const size of o.sizes) for (const dir of o.dirs) for (const mode of o.modes) steps.push({ size, dir, mode });
  const signal = hooks.signal;
  // Every pair's leg (and its ping) listens for the stop at once: N pairs, not a leak.
  if (signal) setMaxListeners(Math.max(10, 2 * spec.pairs + 10), signal);
  let interrupted = false;
  for (let i = 0; i < steps.length; i++) {
    if (signal?.aborted) {
      interrupted = true;
      break;
    }
    const key = steps[i];
    const ls = legs(lab, key.dir);
    const progress = (phase: BenchProgress['phase'], received: number): void =>
      hooks.onProgress?.({ step: i + 1, steps: steps.length, key, pairs: ls.length, phase, received, expected: o.count * ls.length });
    let seen = 0;
    let last = 0;
    progress('vping', 0);
    // More legs than cores: they share a worker per core (a worker each costs a V8 isolate,
    // about 15 MB, and more workers than cores only take turns on them anyway).
    const shared = ls.length > availableParallelism();
    const stepRows = await Promise.all(
      ls.map((l) =>
        measureLeg(l, key, o, epochMonoNs, (n) => {
          seen += n;
          const t = performance.now();
          if (t - last > 100) {
            last = t;
            progress('vping', seen);
          }
        }, shared, signal),
      ),
    );
    progress('vping', seen);
    if (stepRows.some((r) => r.interrupted)) {
      // Stopped during this row: keep the pairs that measured anything (a stop in the warm-up
      // leaves nothing), no ping beside them (it would not run the same echoes), no further row.
      const kept = stepRows.filter((r) => r.sent > 0);
      for (const r of kept) {
        r.interrupted = true;
        validateRow(r);
      }
      rows.push(...kept);
      if (kept.length) hooks.onRows?.(kept);
      interrupted = true;
      break;
    }
    if (o.vsPing) {
      progress('ping', 0);
      // Stopped while ping runs: vping's figures for this row are whole; ping's are kept only
      // when its measured run was under way and printed its statistics (marked interrupted).
      try {
        if (o.warmup > 0) {
          await Promise.all(ls.map((l) => runPeerPing({ ns: l.from.ns, destination: l.to.cidr.address, count: o.warmup, size: key.size, flood: key.mode === 'flood', preload: key.mode === 'flood' ? windowOf(o) : 1, intervalMs: o.intervalMs, timeoutS: o.timeoutS }, signal)));
        }
        if (!signal?.aborted) {
          const peers: PeerFigures[] = await Promise.all(
            ls.map((l) => runPeerPing({ ns: l.from.ns, destination: l.to.cidr.address, count: o.count, size: key.size, flood: key.mode === 'flood', preload: key.mode === 'flood' ? windowOf(o) : 1, intervalMs: o.intervalMs, timeoutS: o.timeoutS }, signal)),
          );
          stepRows.forEach((r, k) => (r.peer = peers[k]));
        }
      } catch (e) {
        if (!signal?.aborted) throw e;
      }
      if (signal?.aborted) {
        interrupted = true;
        for (const r of stepRows) if (r.peer) r.interrupted = true;
      }
    }
    for (const r of stepRows) validateRow(r);
    rows.push(...stepRows);
    hooks.onRows?.(stepRows);
    if (interrupted) break;
  }
  return {
    schema: BENCH_SCHEMA,
    startedAt,
    epochNs: epochRealNs,
    host: { hostname: hostname(), kernel: release(), node: process.version, cpus: availableParallelism() },
    params: {
      lab: o.labName ?? spec.ns.join(','),
      pairs: spec.pairs,
      sizes: o.sizes,
      modes: o.modes,
      dirs: o.dirs,
      count: o.count,
      warmup: o.warmup,
      intervalMs: o.intervalMs,
      vsPing: o.vsPing,
      window: windowOf(o),
      txStampEvery: needsTxStamps(o.clock) ? txStampEveryOf('flood', o) : null,
    },
    rows,
    ...(interrupted ? { interrupted: true } : {}),
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}
