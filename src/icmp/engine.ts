// The main-thread side of the engine: start the worker (from the main thread, never while
// switched into a namespace: a thread starts where its creator is), relay what it posts,
// and stop it. The worker itself enters the namespace to open its socket.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { VpingError, errorFromRecord } from '../sys/errors.js';
import { EFD_CLOEXEC, EFD_NONBLOCK, close, eventfd, writeSoft } from '../sys/libc.js';
import { randomBytes } from 'node:crypto';
import { CTL, checkConfig, type EngineConfig, type EngineMessage } from './engine-core.js';
import type { FloodTick, PingEvent, ReadyInfo } from './events.js';
import { MAX_THREADS } from './options.js';
import { findWorker, takeSpare, workerPlaces } from './spare.js';
import { mergeFlows, type FlowParts, type Stats } from './stats.js';

/** The compiled worker: beside this file, or in dist/ when running from the TypeScript sources. */
export function workerPath(name = 'worker.js'): string {
  const path = findWorker(name);
  if (path) return path;
  const [here, dist] = workerPlaces(name);
  throw new VpingError('ENOENT', `the engine worker is not built (no ${here} or ${dist}): run npx tsc -p .`);
}

export interface EngineHandlers {
  ready?(info: ReadyInfo): void;
  events?(evs: PingEvent[]): void;
  tick?(t: FloodTick): void;
  status?(st: Stats): void;
  /** a batch of SAMPLE records (cfg.samples) from flow `flow` (0 with one flow), in the flow's reply order */
  samples?(data: Float64Array, flow: number): void;
}

export interface EngineHandle {
  /** resolves with the final statistics; rejects with the worker's VpingError */
  done: Promise<Stats>;
  /** end the run (as SIGINT does): the statistics still arrive through `done` */
  stop(): void;
  /** ask for a status snapshot (as SIGQUIT does), delivered to handlers.status */
  requestStatus(): void;
}

export function startEngine(cfg: EngineConfig, h: EngineHandlers): EngineHandle {
  const w = startWorker(cfg, workerHandlers(h));
  return { done: w.done.then((r) => r.stats), stop: w.stop, requestStatus: w.requestStatus };
}

interface FlowResult {
  stats: Stats;
  parts: FlowParts;
}
interface WorkerHandlers {
  ready?(info: ReadyInfo): void;
  events?(evs: PingEvent[]): void;
  tick?(t: FloodTick): void;
  status?(st: Stats, parts: FlowParts): void;
  samples?(data: Float64Array): void;
}
/** A flow's handlers as the worker side calls them (one flow: samples are flow 0's). */
function workerHandlers(h: EngineHandlers): WorkerHandlers {
  return {
    ready: h.ready, events: h.events, tick: h.tick, status: h.status ? (st) => h.status?.(st) : undefined,
    samples: h.samples ? (d) => h.samples?.(d, 0) : undefined,
  };
}

/** Hand a worker's progress message to its flow's handlers; false for 'done' and 'fatal', which settle the flow. */
function progress(m: EngineMessage, h: WorkerHandlers): boolean {
  switch (m.t) {
    case 'ready': h.ready?.(m.info); return true;
    case 'events': h.events?.(m.events); return true;
    case 'tick': h.tick?.(m.tick); return true;
    case 'samples': h.samples?.(m.data); return true;
    case 'status': h.status?.(m.stats, m.parts); return true;
    default: return false;
  }
}

interface WorkerHandle {
  done: Promise<FlowResult>;
  stop(): void;
  requestStatus(): void;
}

/** One worker, one flow: its own control words and wake-up eventfd. */
function startWorker(cfg: EngineConfig, h: WorkerHandlers, gate?: SharedArrayBuffer): WorkerHandle {
  checkConfig(cfg);
  const path = workerPath();
  const sab = new SharedArrayBuffer(CTL.SIZE * 4);
  const ctl = new Int32Array(sab);
  const wakeFd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  const one = Buffer.alloc(8);
  one.writeBigUInt64LE(1n);
  let exited = false;
  // after exit the eventfd is closed and its number may belong to someone else: never write
  const wake = () => {
    if (!exited) writeSoft(wakeFd, one, 8);
  };
  let worker: Worker;
  try {
    const data = { cfg, ctl: sab, wakeFd, gate };
    worker = takeSpare(data) ?? new Worker(path, { workerData: data });
  } catch (e) {
    close(wakeFd);
    throw e;
  }
  const done = new Promise<FlowResult>((resolve, reject) => {
    let result: FlowResult | null = null;
    let failure: Error | null = null;
    worker.on('message', (m: EngineMessage) => {
      if (progress(m, h)) return;
      if (m.t === 'done') result = { stats: m.stats, parts: m.parts };
      else if (m.t === 'fatal') failure = errorFromRecord(m.error);
    });
    worker.on('error', (e) => {
      failure = e;
    });
    worker.on('exit', () => {
      exited = true;
      close(wakeFd);
      if (result) resolve(result);
      else reject(failure ?? new VpingError('EWORKER', 'the engine worker ended without a result'));
    });
  });
  return {
    done,
    stop() {
      Atomics.store(ctl, CTL.STOP, 1);
      wake();
    },
    requestStatus() {
      Atomics.store(ctl, CTL.STATUS, 1);
      wake();
    },
  };
}

/**
 * Independent flows from one config: flow k gets its own 16-bit id (cfg.id + k, mod 65536:
 * distinct, as there are at most 64 flows), its own random tag, an id filter on its socket (so no flow is woken by the
 * others' replies), and its share of -c (the remainder to the first flows; never more flows
 * than probes). Interval, preload, deadline and linger stay as they are, per flow.
 */
export function splitFlows(cfg: EngineConfig, n: number): EngineConfig[] {
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) throw new RangeError(`splitFlows: 1..${MAX_THREADS} flows, not ${n}`);
  const k = cfg.count ? Math.min(n, cfg.count) : n;
  const out: EngineConfig[] = [];
  for (let i = 0; i < k; i++) {
    const id = (cfg.id + i) & 0xffff;
    const count = cfg.count ? Math.floor(cfg.count / k) + (i < cfg.count % k ? 1 : 0) : 0;
    out.push({ ...cfg, id, tag: i === 0 ? cfg.tag : Array.from(randomBytes(8)), count, idFilter: k > 1 || cfg.idFilter });
  }
  return out;
}

/**
 * Several flows, one worker each (each opens its own socket in the namespace on its own
 * thread), merged into one Stats (stats.ts mergeFlows). `ready` is flow 0's; events and ticks
 * pass through as each flow posts them; a status request is answered once every flow has
 * answered (or ended). One flow failing stops the others; `done` rejects with its error.
 */
export function startFlows(cfgs: EngineConfig[], h: EngineHandlers): EngineHandle {
  if (cfgs.length === 1) return startEngine(cfgs[0], h);
  for (const c of cfgs) checkConfig(c);
  const latest: (FlowParts | null)[] = cfgs.map(() => null);
  let awaiting: Set<number> | null = null;
  const ended = new Set<number>();
  const answered = (i: number, parts: FlowParts) => {
    latest[i] = parts;
    if (!awaiting) return;
    awaiting.delete(i);
    if (awaiting.size === 0) {
      awaiting = null;
      h.status?.(mergeFlows(latest.filter((p): p is FlowParts => p !== null)));
    }
  };
  // every worker waits after opening its socket until all are ready: the flows start together
  const gate = new Int32Array(new SharedArrayBuffer(4));
  const open = () => {
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
  };
  let ready = 0;
  const flows: WorkerHandle[] = [];
  const stopAll = () => {
    for (const f of flows) f.stop();
    open();
  };
  try {
    cfgs.forEach((cfg, i) => {
      flows.push(startWorker(cfg, {
        ready: (info) => {
          if (i === 0) h.ready?.(info);
          if (++ready === cfgs.length) open();
        },
        events: h.events,
        tick: h.tick,
        samples: h.samples ? (d) => h.samples?.(d, i) : undefined,
        status: (_st, parts) => answered(i, parts),
      }, gate.buffer as SharedArrayBuffer));
    });
  } catch (e) {
    stopAll();
    throw e;
  }
  const each = flows.map((f, i) => f.done.then((r) => {
    ended.add(i);
    answered(i, r.parts);
    return r;
  }, (e: unknown) => {
    ended.add(i);
    stopAll();
    throw e;
  }));
  const done = Promise.allSettled(each).then((rs) => {
    const bad = rs.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (bad) throw bad.reason;
    return mergeFlows(rs.map((r) => (r as PromiseFulfilledResult<FlowResult>).value.parts));
  });
  return {
    done,
    stop: stopAll,
    requestStatus() {
      awaiting = new Set(cfgs.map((_c, i) => i).filter((i) => !ended.has(i)));
      if (awaiting.size === 0) {
        awaiting = null;
        return;
      }
      for (const [i, f] of flows.entries()) if (!ended.has(i)) f.requestStatus();
    },
  };
}

// ---- shared workers: many flows, a worker per core ----

interface Queued {
  cfg: EngineConfig;
  h: EngineHandlers;
  ctl: Int32Array;
  resolve: (s: Stats) => void;
  reject: (e: Error) => void;
  /** set once the flow's worker runs: writes its wake-up eventfd */
  wake: (() => void) | null;
  ended: boolean;
}
let queue: Queued[] = [];

/**
 * Start a flow on a shared worker: the flows started in the same turn of the event loop (a
 * bench row's pairs) are spread over at most as many workers as the machine has cores, each
 * running its share side by side (run-shared.ts). Memory then grows with the pairs
 * by a socket and its buffers, not by a V8 isolate each (about 15 MB).
 */
export function startShared(cfg: EngineConfig, h: EngineHandlers): EngineHandle {
  checkConfig(cfg);
  const ctl = new Int32Array(new SharedArrayBuffer(CTL.SIZE * 4));
  let q!: Queued;
  const done = new Promise<Stats>((resolve, reject) => {
    q = { cfg, h, ctl, resolve, reject, wake: null, ended: false };
  });
  queue.push(q);
  if (queue.length === 1) setImmediate(flushShared);
  return {
    done,
    stop() {
      Atomics.store(ctl, CTL.STOP, 1);
      q.wake?.();
    },
    requestStatus() {
      Atomics.store(ctl, CTL.STATUS, 1);
      q.wake?.();
    },
  };
}

function flushShared(): void {
  const all = queue;
  queue = [];
  const w = Math.max(1, Math.min(availableParallelism(), all.length));
  for (let k = 0; k < w; k++) {
    const mine = all.filter((_q, i) => i % w === k);
    try {
      startSharedWorker(mine);
    } catch (e) {
      for (const q of mine) q.reject(e as Error);
    }
  }
}

/** The young generation of a shared worker whose flows never end, MB. */
const ENDLESS_YOUNG_MB = 4;

function startSharedWorker(flows: Queued[]): void {
  const wakeFd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  const one = Buffer.alloc(8);
  one.writeBigUInt64LE(1n);
  let exited = false;
  const wake = () => {
    if (!exited) writeSoft(wakeFd, one, 8);
  };
  let worker: Worker;
  try {
    // flows that never end (the exporter's probes) keep a worker for days: a small young
    // generation keeps its memory flat (V8 grows it with the allocation rate, to tens of MB
    // per thread; 100 probes at 10/s held about 55 MB more in two workers without the cap)
    const endless = flows.every((f) => f.cfg.count === 0 && !f.cfg.deadlineMs);
    worker = new Worker(workerPath('shared-worker.js'), {
      workerData: { flows: flows.map((f) => ({ cfg: f.cfg, ctl: f.ctl.buffer })), wakeFd },
      ...(endless ? { resourceLimits: { maxYoungGenerationSizeMb: ENDLESS_YOUNG_MB } } : {}),
    });
  } catch (e) {
    close(wakeFd);
    throw e;
  }
  for (const f of flows) f.wake = wake;
  // a stop asked before the worker ran is already in its control word; wake it to see it
  if (flows.some((f) => Atomics.load(f.ctl, CTL.STOP))) wake();
  let failure: Error | null = null;
  const handlers = flows.map((f) => workerHandlers(f.h));
  worker.on('message', (m: EngineMessage & { flow: number }) => {
    const f = flows[m.flow];
    if (progress(m, handlers[m.flow])) return;
    if (m.t === 'done') {
      f.ended = true;
      f.resolve(m.stats);
    } else if (m.t === 'fatal') {
      f.ended = true;
      f.reject(errorFromRecord(m.error));
    }
  });
  worker.on('error', (e) => {
    failure = e;
  });
  worker.on('exit', () => {
    exited = true;
    close(wakeFd);
    for (const f of flows) if (!f.ended) f.reject(failure ?? new VpingError('EWORKER', 'the engine worker ended without a result'));
  });
}
