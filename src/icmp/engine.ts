// The main-thread side of the engine: start the worker (from the main thread, never while
// switched into a namespace: a thread starts where its creator is), relay what it posts,
// and stop it. The worker itself enters the namespace to open its socket.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { VpingError } from '../sys/errors.js';
import { close, eventfd, writeSoft } from '../sys/libc.js';
import { CTL, checkConfig, type EngineConfig } from './engine-core.js';
import type { FloodTick, PingEvent, ReadyInfo, WorkerMessage } from './events.js';
import type { Stats } from './stats.js';

const EFD_NONBLOCK = 0o4000;
const EFD_CLOEXEC = 0o2000000;

/** The compiled worker: beside this file, or in dist/ when running from the TypeScript sources. */
export function workerPath(): string {
  const here = fileURLToPath(new URL('./worker.js', import.meta.url));
  if (existsSync(here)) return here;
  const dist = fileURLToPath(new URL('../../dist/src/icmp/worker.js', import.meta.url));
  if (existsSync(dist)) return dist;
  throw new VpingError('ENOENT', `the engine worker is not built (no ${here} or ${dist}): run npx tsc -p .`);
}

export interface EngineHandlers {
  ready?(info: ReadyInfo): void;
  events?(evs: PingEvent[]): void;
  tick?(t: FloodTick): void;
  status?(st: Stats): void;
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
    worker = new Worker(path, { workerData: { cfg, ctl: sab, wakeFd } });
  } catch (e) {
    close(wakeFd);
    throw e;
  }
  const done = new Promise<Stats>((resolve, reject) => {
    let result: Stats | null = null;
    let failure: Error | null = null;
    worker.on('message', (m: WorkerMessage) => {
      switch (m.t) {
        case 'ready': h.ready?.(m.info); break;
        case 'events': h.events?.(m.events); break;
        case 'tick': h.tick?.(m.tick); break;
        case 'status': h.status?.(m.stats); break;
        case 'done': result = m.stats; break;
        case 'fatal': failure = new VpingError(m.code, m.message); break;
      }
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
