// A spare engine worker, started before the command that will use it has parsed its options.
// A worker's own start-up (a new V8 isolate, Node's bootstrap, the engine's modules and koffi
// loaded again on that thread) took about 60 ms of `vping ping -c 1`'s 200, and ran after
// the main thread's own start-up, not beside it. `vping ping` calls prestartEngine() first
// thing; the worker loads its modules on the other core meanwhile, then waits (Atomics.wait)
// for its config, which the first startWorker() hands it over a MessagePort.
//
// This file loads nothing of the engine (no koffi, no libc), so the main thread pays only for
// the Worker constructor. A spare nobody takes is unref'd: it never keeps the process alive.
// But Node ends a process's workers at exit, and a worker ended while koffi was loading
// aborted the whole process (a fatal napi_throw, 2 runs in 80 of a usage error); so at exit
// an untaken spare is first waited for (at most a second) until its modules are loaded.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';

/** Where the compiled worker `name` may be: beside this file, or in dist/ when running from the TypeScript sources. */
export function workerPlaces(name = 'worker.js'): string[] {
  return [fileURLToPath(new URL(`./${name}`, import.meta.url)), fileURLToPath(new URL(`../../dist/src/icmp/${name}`, import.meta.url))];
}

/** The first of workerPlaces(name) that exists, or null when the worker is not built. */
export function findWorker(name = 'worker.js'): string | null {
  return workerPlaces(name).find((p) => existsSync(p)) ?? null;
}

/** Words of DeferredData.deferred.go: the worker sets LOADED once its modules are in; the main thread sets GO once its config is posted. */
export const SPARE = { GO: 0, LOADED: 1 } as const;

/** What a deferred worker finds in its workerData: where its config comes, and the words (SPARE) it shares. */
export interface DeferredData {
  deferred: { port: MessagePort; go: SharedArrayBuffer };
}

interface Spare {
  worker: Worker;
  port: MessagePort;
  go: Int32Array;
  /** it failed or ended before anyone took it: not usable */
  dead: boolean;
}

let spare: Spare | null = null;

/** Start one engine worker now, to be taken by the next single-flow engine start. Idempotent. */
export function prestartEngine(): void {
  if (spare) return;
  const path = findWorker();
  if (!path) return; // not built: startWorker says so when it is asked for
  const { port1, port2 } = new MessageChannel();
  const go = new SharedArrayBuffer(8);
  const data: DeferredData = { deferred: { port: port2, go } };
  const worker = new Worker(path, { workerData: data, transferList: [port2] });
  const s: Spare = { worker, port: port1, go: new Int32Array(go), dead: false };
  // until taken, a failure only makes the spare unusable (the engine starts a worker of its own)
  const dead = () => {
    s.dead = true;
  };
  worker.on('error', dead);
  worker.on('exit', dead);
  worker.unref();
  port1.unref();
  spare = s;
  process.once('exit', () => {
    if (spare === s && !s.dead) Atomics.wait(s.go, SPARE.LOADED, 0, 1000);
  });
}

/**
 * The spare worker, if one is waiting and alive: it is sent `data` (its workerData as a
 * worker started for it would have had) and woken. null: start a worker the usual way.
 */
export function takeSpare(data: object): Worker | null {
  const s = spare;
  spare = null;
  if (!s || s.dead) return null;
  s.worker.removeAllListeners('error');
  s.worker.removeAllListeners('exit');
  s.worker.ref();
  s.port.postMessage(data);
  Atomics.store(s.go, SPARE.GO, 1);
  Atomics.notify(s.go, SPARE.GO);
  return s.worker;
}

/** Is a spare waiting (started and not yet taken)? */
export const hasSpare = (): boolean => spare !== null && !spare.dead;
