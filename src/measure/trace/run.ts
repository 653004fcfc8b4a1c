// `vping trace`: ping across one lab pair while capturing both of its ends in this process,
// then line each echo up at the four points (source out, destination in, destination out,
// source in) by id, seq and tag, and cut its round trip into five legs.
import { UsageError } from '../../sys/errors.js';
import { CaptureSession, type CaptureTarget, type CapturedFrame, type InterfaceSummary } from '../../capture/session.js';
import { openWriter, PcapngWriter } from '../../pcap/writer.js';
import { type LabInput, type LabSpec } from '../../lab/spec.js';
import { requireLabUp, type ReadyLab } from '../../lab/lab.js';
import { BENCH_SCHEMA, MAX_PAYLOAD_V4, SEGMENTS, type BenchRow, type BenchRun, type Direction, type TraceSegments } from '../bench/model.js';
import { summarizeTrace, type SegmentSummary } from '../bench/summary.js';
import { pointsBySeq, traceOne, type PointFrame, type Probe, type TracedEcho } from './match.js';
import { openProber } from './probe.js';
import { hostname, release, availableParallelism } from 'node:os';

const MAX_PAYLOAD_V6 = 65527;

/** A trace: the lab, direction, size, count, interval, and the capture file to keep, if any. */
export interface TraceOptions {
  /** The lab: given as input (resolved and inspected once here) or already ready. */
  lab: LabInput | LabSpec | ReadyLab;
  /** Lab pair, 1-based (default 1). */
  pair?: number;
  /** ns1-ns2: echoes from the first end to the second (default); ns2-ns1 the other way. */
  dir?: Direction;
  count: number;
  intervalMs: number;
  size: number;
  /** How long to wait for each reply, ms. */
  timeoutMs: number;
  /** Keep the capture of both ends in this pcapng file. */
  pcapng?: string;
}

export interface TraceEnd {
  ns: string;
  ifname: string;
  address: string;
}

/** A trace's echoes, each split into its legs (send path, queue, crossing, turnaround, crossing back, receive path). */
export interface TraceResult {
  source: TraceEnd;
  destination: TraceEnd;
  pair: number;
  dir: Direction;
  size: number;
  id: number;
  tag: string | null;
  startedAt: string;
  echoes: TracedEcho[];
  /** Per leg, over the echoes seen at all four points. */
  summary: SegmentSummary;
  /** Echoes sent / answered / seen at all four points. */
  sent: number;
  answered: number;
  complete: number;
  /** Per interface, as tcpdump's exit lines. */
  capture: InterfaceSummary[];
  /** Stopped (TraceHooks.signal) before `count` echoes were sent: the echoes are those sent until then. */
  interrupted: boolean;
}

/** What a caller hears while a trace runs: progress, and a signal to stop it. */
export interface TraceHooks {
  /** Once the captures and the socket are open, before the first echo. */
  onStart?(info: { source: TraceEnd; destination: TraceEnd; size: number; count: number }): void;
  /** Each echo once its reply is in and its frames have been seen (or the run ended). */
  onEcho?(e: TracedEcho): void;
  /**
   * Stop the trace (the CLI aborts it on SIGINT/SIGTERM): no further echo is sent (the one
   * waiting for its reply gets it, up to the timeout), the capture takes what is left in its
   * rings, the pcapng is closed complete, and runTrace resolves with the echoes sent so far.
   */
  signal?: AbortSignal;
}

/** Refuse trace options that cannot run (range, family), in one line, before anything is opened. */
export function checkTraceOptions(o: TraceOptions, family: 4 | 6 = 4): void {
  const max = family === 4 ? MAX_PAYLOAD_V4 : MAX_PAYLOAD_V6;
  if (!Number.isInteger(o.count) || o.count < 1 || o.count > 65535) throw new UsageError(`--count: ${o.count} out of range 1-65535 (seq must not wrap)`);
  if (!Number.isInteger(o.size) || o.size < 0 || o.size > max) throw new UsageError(`--size: payload size ${o.size} out of range 0-${max}`);
  if (!Number.isFinite(o.intervalMs) || o.intervalMs < 0 || o.intervalMs > 60_000) throw new UsageError(`--interval: ${o.intervalMs / 1000} s out of range 0-60`);
  if (!Number.isFinite(o.timeoutMs) || o.timeoutMs <= 0 || o.timeoutMs > 60_000) throw new UsageError(`--timeout: ${o.timeoutMs / 1000} s out of range (0-60]`);
  if (o.dir !== undefined && o.dir !== 'ns1-ns2' && o.dir !== 'ns2-ns1') throw new UsageError(`--dir: expected ns1-ns2 or ns2-ns1, not ${String(o.dir)}`);
}

/** Wait ms, or less if the signal aborts meanwhile. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Per-echo legs as the bench model's TraceSegments (complete echoes only); send instants
 * relative to `originNs` (CLOCK_REALTIME ns; default the first echo's send).
 */
export function traceSegments(echoes: readonly TracedEcho[], originNs?: number): TraceSegments {
  const done = echoes.filter((e) => e.segments);
  const seg = (k: (typeof SEGMENTS)[number]['name']): Float64Array => Float64Array.from(done.map((e) => e.segments![k]));
  const t0 = echoes.length ? echoes[0].sendNs : 0n;
  const at = (e: TracedEcho): number => (originNs === undefined ? Number(e.sendNs - t0) : Math.round(Number(e.sendNs) - originNs));
  return {
    seq: Uint16Array.from(done.map((e) => e.seq & 0xffff)),
    atNs: Float64Array.from(done.map(at)),
    sendPath: seg('sendPath'),
    queue: seg('queue'),
    crossing: seg('crossing'),
    turnaround: seg('turnaround'),
    crossingBack: seg('crossingBack'),
    receivePath: seg('receivePath'),
  };
}

/** Ping across the lab while both ends are captured, and split each echo into its legs from the kernel's stamps. */
export async function runTrace(o: TraceOptions, hooks: TraceHooks = {}): Promise<TraceResult> {
  const lab = requireLabUp(o.lab);
  const spec = lab.spec;
  const family = lab.family;
  checkTraceOptions(o, family);
  const pairNo = o.pair ?? 1;
  if (!Number.isInteger(pairNo) || pairNo < 1 || pairNo > spec.pairs) throw new UsageError(`--pair: ${pairNo} out of range 1-${spec.pairs}`);
  const pair = lab.pairs[pairNo - 1];
  const dir = o.dir ?? 'ns1-ns2';
  const [src, dst] = dir === 'ns1-ns2' ? [pair.ends[0], pair.ends[1]] : [pair.ends[1], pair.ends[0]];
  const targets: CaptureTarget[] = [
    { ns: src.ns, ifName: src.ifname },
    { ns: dst.ns, ifName: dst.ifname },
  ];
  const frames: PointFrame[] = [];
  const writing = o.pcapng !== undefined;
  const snaplen = writing ? 262144 : 256;
  const session = CaptureSession.open(targets, {
    filter: family === 4 ? 'icmp' : 'icmp6',
    snaplen,
    bufferKiB: 4096,
    retireMs: 2,
    onFrame: (f: CapturedFrame) => frames.push({ ifId: f.ifId, dir: f.dir, tsNs: f.tsNs, data: f.data }),
  });
  let writer: PcapngWriter | null = null;
  let prober: ReturnType<typeof openProber> | null = null;
  const startedAt = new Date().toISOString();
  const probes: Probe[] = [];
  const emitted: TracedEcho[] = [];
  let running: Promise<unknown> | null = null;
  const signal = hooks.signal;
  let interrupted = false;
  try {
    if (writing) {
      writer = openWriter(o.pcapng!, 'pcapng', session.labels.map((name) => ({ name, linktype: 1, snaplen }))) as PcapngWriter;
      writer.statsFrom(() => session.ifStats());
      session.setSink(writer);
    }
    running = session.run();
    prober = openProber({ ns: src.ns, family, destination: dst.cidr.address, size: o.size });
    const { id, tag } = prober;
    hooks.onStart?.({
      source: { ns: src.ns, ifname: src.ifname, address: src.cidr.address },
      destination: { ns: dst.ns, ifname: dst.ifname, address: dst.cidr.address },
      size: o.size,
      count: o.count,
    });
    // Hand each echo on as soon as its four points are in (frames come a few ms later).
    const flush = (final: boolean): void => {
      if (emitted.length === probes.length) return;
      const bySeq = pointsBySeq(frames, id, tag);
      while (emitted.length < probes.length) {
        const p = probes[emitted.length];
        const e = traceOne(p, bySeq.get(p.seq & 0xffff));
        if (!final && p.recvNs !== null && !e.segments) break;
        emitted.push(e);
        hooks.onEcho?.(e);
      }
    };
    for (let seq = 1; seq <= o.count; seq++) {
      if (signal?.aborted) {
        interrupted = true;
        break;
      }
      probes.push(prober.echo(seq, o.timeoutMs));
      // The pause lets the capture's callbacks run: they read the rings between echoes.
      await sleep(seq < o.count ? o.intervalMs : 0, signal);
      flush(false);
    }
  } finally {
    prober?.close();
    await session.stop();
    await running;
    writer?.close();
  }
  // Whatever is left, with what was seen of it.
  const bySeq = pointsBySeq(frames, prober!.id, prober!.tag);
  while (emitted.length < probes.length) {
    const p = probes[emitted.length];
    const e = traceOne(p, bySeq.get(p.seq & 0xffff));
    emitted.push(e);
    hooks.onEcho?.(e);
  }
  const echoes = emitted;
  return {
    source: { ns: src.ns, ifname: src.ifname, address: src.cidr.address },
    destination: { ns: dst.ns, ifname: dst.ifname, address: dst.cidr.address },
    pair: pairNo,
    dir,
    size: o.size,
    id: prober!.id,
    tag: prober!.tag,
    startedAt,
    echoes,
    summary: summarizeTrace(traceSegments(echoes)),
    sent: probes.length,
    answered: probes.filter((p) => p.recvNs !== null).length,
    complete: echoes.filter((e) => e.segments).length,
    capture: session.summary(),
    interrupted,
  };
}

/** A trace as a one-row bench run, so the HTML report can show it (RTT: the prober's, user to user). */
export function traceAsBenchRun(t: TraceResult, o: Pick<TraceOptions, 'intervalMs'>, lab: string, pairs: number): BenchRun {
  const answered = t.echoes.filter((e) => e.rttNs !== null);
  const t0 = t.echoes.length ? t.echoes[0].sendNs : 0n;
  const row: BenchRow = {
    pair: t.pair,
    dir: t.dir,
    size: t.size,
    mode: 'interval',
    clock: 'hrtime',
    intervalMs: o.intervalMs,
    sent: t.sent,
    received: t.answered,
    duplicates: 0,
    durationNs: t.echoes.length > 1 ? Number(t.echoes[t.echoes.length - 1].sendNs - t0) : 0,
    rttNs: Float64Array.from(answered.map((e) => e.rttNs!)),
    atNs: Float64Array.from(answered.map((e) => Number(e.sendNs - t0))),
    trace: traceSegments(t.echoes),
  };
  return {
    schema: BENCH_SCHEMA,
    startedAt: t.startedAt,
    epochNs: Number(t0),
    host: { hostname: hostname(), kernel: release(), node: process.version, cpus: availableParallelism() },
    params: { lab, pairs, sizes: [t.size], modes: ['interval'], dirs: [t.dir], count: t.sent, warmup: 0, intervalMs: o.intervalMs, vsPing: false },
    rows: [row],
  };
}

/**
 * `vping bench --trace N`: after the sweep, trace N echoes on pair 1 for each direction and
 * payload size of the run, and attach the legs to that pair's row (the interval row when
 * there is one: a trace sends one echo at a time, as interval mode does).
 */
export async function traceBenchRows(run: BenchRun, lab: LabInput | LabSpec | ReadyLab, count: number, o: { intervalMs: number; timeoutMs?: number }, hooks: { onTrace?(dir: Direction, size: number): void; signal?: AbortSignal } = {}): Promise<void> {
  const ready = requireLabUp(lab);
  const seen = new Set<string>();
  for (const r of run.rows) {
    if (hooks.signal?.aborted) {
      run.interrupted = true;
      return;
    }
    if (r.pair !== 1) continue;
    const k = `${r.dir}|${r.size}`;
    if (seen.has(k)) continue;
    seen.add(k);
    hooks.onTrace?.(r.dir, r.size);
    const t = await runTrace({ lab: ready, pair: 1, dir: r.dir, count, intervalMs: Math.max(o.intervalMs, 1), size: r.size, timeoutMs: o.timeoutMs ?? 1000 }, { signal: hooks.signal });
    if (t.interrupted) run.interrupted = true;
    if (t.interrupted && t.complete === 0) return;
    const target = run.rows.find((x) => x.pair === 1 && x.dir === r.dir && x.size === r.size && x.mode === 'interval') ?? r;
    target.trace = traceSegments(t.echoes, run.epochNs);
  }
}
