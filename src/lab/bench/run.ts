// The bench runner: drives the ICMP engine (src/icmp) across the lab's pairs, row by row —
// each payload size, each direction, each mode — with a warm-up before every row, all pairs
// of a row at once, and (with vsPing) iputils ping on the same pairs right after. It records
// every RTT sample with its instant into the BenchRun model; presenters do the rest.
import { hostname, release, availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { UsageError, VpingError } from '../../sys/errors.js';
import { startPing, type PingEvent, type PingOptions, type Stats } from '../../icmp/index.js';
import { labStatus } from '../lab.js';
import { labPairs, resolveLab, type LabEnd, type LabInput, type LabSpec } from '../spec.js';
import {
  BENCH_SCHEMA, DIRECTIONS, MAX_PAYLOAD_V4, MIN_PAYLOAD, MODES, validateRow,
  type BenchMode, type BenchRow, type BenchRun, type ClockSource, type Direction, type PeerFigures, type RowKey,
} from './model.js';
import { assertPeerPing, runPeerPing } from './peer.js';

/** IPv6 allows 20 bytes more payload (no IPv4 header in the 65535). */
const MAX_PAYLOAD_V6 = 65527;

export interface BenchOptions {
  /** The lab to run on (must be up). */
  lab: LabInput | LabSpec;
  /** Lab name for the record (default: the first namespace pair, e.g. `ns1,ns2`). */
  labName?: string;
  sizes: number[];
  modes: BenchMode[];
  dirs: Direction[];
  /** Echoes measured per row and pair. */
  count: number;
  /** Echoes sent and thrown away at the start of each row (same engine session). */
  warmup: number;
  /** Interval between echoes in interval mode, ms. */
  intervalMs: number;
  clock: ClockSource;
  /** Also run iputils ping on each row (same pairs, same count, right after vping). */
  vsPing: boolean;
  /** Seconds to wait for a reply when none came (ping's -W). Default 2. */
  timeoutS?: number;
}

export const BENCH_DEFAULTS = {
  sizes: [56],
  modes: ['interval', 'flood'] as BenchMode[],
  dirs: ['ns1-ns2', 'ns2-ns1'] as Direction[],
  count: 1000,
  warmup: 100,
  intervalMs: 2,
  clock: 'kernel' as ClockSource,
} as const;

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

export interface BenchHooks {
  onProgress?(p: BenchProgress): void;
  /** The rows of one step, as soon as they are measured. */
  onRows?(rows: BenchRow[]): void;
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
  if (o.clock !== 'kernel' && o.clock !== 'hrtime') throw new UsageError(`--clock: expected kernel or hrtime, not ${String(o.clock)}`);
  if (o.timeoutS !== undefined && (!Number.isFinite(o.timeoutS) || o.timeoutS <= 0)) throw new UsageError(`--timeout: ${o.timeoutS} must be a positive number of seconds`);
}

/** The lab, resolved and checked to be up; a VpingError naming what is missing otherwise. */
export function requireLabUp(input: LabInput | LabSpec): LabSpec {
  const spec = resolveLab(input);
  const st = labStatus(spec);
  if (st.state !== 'up') {
    const first = st.pairs.find((p) => p.state !== 'up');
    const why = first?.problems[0] ?? (first?.state === 'absent' ? `namespaces ${first.ends[0].ns} and ${first.ends[1].ns} do not exist` : 'not up');
    const args = spec.pairs > 1 ? ` --pairs ${spec.pairs}` : '';
    throw new VpingError('ENOLAB', `the lab is not up (${first && spec.pairs > 1 ? `pair ${first.index}: ` : ''}${why}): run vping lab up${args} first`);
  }
  return spec;
}

function familyOfSpec(spec: LabSpec): 4 | 6 {
  return spec.addrs[0].includes(':') ? 6 : 4;
}

function realNowNs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1e6);
}

interface Leg {
  pair: number;
  from: LabEnd;
  to: LabEnd;
}

function legs(spec: LabSpec, dir: Direction): Leg[] {
  return labPairs(spec).map((p) => ({ pair: p.index, from: p.ends[dir === 'ns1-ns2' ? 0 : 1], to: p.ends[dir === 'ns1-ns2' ? 1 : 0] }));
}

function pingOptions(leg: Leg, size: number, mode: BenchMode, o: BenchOptions, count: number): PingOptions {
  return {
    destination: leg.to.cidr.address,
    netns: leg.from.ns,
    count,
    size,
    flood: mode === 'flood',
    interval: mode === 'flood' ? 0 : o.intervalMs / 1000,
    timeout: o.timeoutS ?? 2,
    clock: o.clock,
    quiet: true,
    // Every probe TX-stamped: a kernel RTT for every echo, not the flood default's 1 in 64
    // (which keeps \`vping ping -f\` fast but would leave the bench's percentiles to a sample).
    ...(o.clock === 'kernel' ? { txStampEvery: 1 } : { kernelTimestamps: false }),
  };
}

/**
 * Measure one leg: one engine session sends warm-up + count echoes, so the warm-up also
 * warms the session's own worker (its JIT, its socket, its buffers); the first `warmup`
 * replies are dropped. Every later valid reply gives its RTT on the chosen clock and its send
 * instant (reply instant − RTT).
 */
async function measureLeg(leg: Leg, key: Omit<RowKey, 'pair'>, o: BenchOptions, epochRealNs: number, onReplies: (n: number) => void): Promise<BenchRow> {
  const rtt: number[] = [];
  const at: number[] = [];
  let untimed = 0;
  let skip = o.warmup;
  let duplicates = 0;
  let received = 0;
  const session = startPing({ ...pingOptions(leg, key.size, key.mode, o, o.warmup + o.count), events: true });
  session.on('event', (e: PingEvent) => {
    if (e.type !== 'reply' || e.badChecksum) return;
    if (skip > 0 && !e.dup) {
      skip--;
      return;
    }
    if (e.dup) duplicates++;
    else received++;
    const v = o.clock === 'kernel' ? e.kernelRttNs : e.hrtimeRttNs;
    if (v === null) {
      untimed++;
      return;
    }
    rtt.push(Math.round(v));
    at.push(Math.round(e.realUs * 1000 - v - epochRealNs));
    onReplies(1);
  });
  const r = await session.done;
  const st: Stats = r.stats;
  // First to last measured send (ping's `time` over the measured part). Without samples to
  // tell (tiny payloads, nothing came back) the engine's first-to-last send, scaled to the
  // measured share of the probes.
  let durationNs = st.transmitted > 1 ? Math.round((st.elapsedNs * Math.max(0, st.transmitted - o.warmup - 1)) / (st.transmitted - 1)) : 0;
  if (at.length > 1) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const t of at) {
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
    durationNs = hi - lo;
  }
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
  return row;
}

/** Run the sweep; resolves with the whole run. Rejects on the first engine or peer error. */
export async function runBench(o: BenchOptions, hooks: BenchHooks = {}): Promise<BenchRun> {
  const spec = requireLabUp(o.lab);
  checkBenchOptions(o, familyOfSpec(spec));
  if (o.vsPing) assertPeerPing();
  const startedAt = new Date().toISOString();
  const epochRealNs = realNowNs();
  const rows: BenchRow[] = [];
  const steps: Omit<RowKey, 'pair'>[] = [];
  for (const size of o.sizes) for (const dir of o.dirs) for (const mode of o.modes) steps.push({ size, dir, mode });
  for (let i = 0; i < steps.length; i++) {
    const key = steps[i];
    const ls = legs(spec, key.dir);
    const progress = (phase: BenchProgress['phase'], received: number): void =>
      hooks.onProgress?.({ step: i + 1, steps: steps.length, key, pairs: ls.length, phase, received, expected: o.count * ls.length });
    let seen = 0;
    let last = 0;
    progress('vping', 0);
    const stepRows = await Promise.all(
      ls.map((l) =>
        measureLeg(l, key, o, epochRealNs, (n) => {
          seen += n;
          const t = performance.now();
          if (t - last > 100) {
            last = t;
            progress('vping', seen);
          }
        }),
      ),
    );
    progress('vping', seen);
    if (o.vsPing) {
      progress('ping', 0);
      if (o.warmup > 0) {
        await Promise.all(ls.map((l) => runPeerPing({ ns: l.from.ns, destination: l.to.cidr.address, count: o.warmup, size: key.size, flood: key.mode === 'flood', intervalMs: o.intervalMs, timeoutS: o.timeoutS })));
      }
      const peers: PeerFigures[] = await Promise.all(
        ls.map((l) => runPeerPing({ ns: l.from.ns, destination: l.to.cidr.address, count: o.count, size: key.size, flood: key.mode === 'flood', intervalMs: o.intervalMs, timeoutS: o.timeoutS })),
      );
      stepRows.forEach((r, k) => (r.peer = peers[k]));
    }
    for (const r of stepRows) validateRow(r);
    rows.push(...stepRows);
    hooks.onRows?.(stepRows);
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
    },
    rows,
  };
}
