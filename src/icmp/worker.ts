// The engine's thread: opens its socket inside the namespace on this thread (withNetns),
// runs the loop, and posts events, ticks and the final statistics to the main thread.
import { MessageChannel, parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { errorRecord, isVpingError } from '../sys/errors.js';
import { Engine, type EngineConfig, type EngineMessage, type EngineSink } from './engine-core.js';
import { warmEngine } from './warm.js';
import { SPARE, type DeferredData } from './spare.js';

interface Data {
  cfg: EngineConfig;
  ctl: SharedArrayBuffer;
  wakeFd: number;
  /** several flows: wait here after 'ready' until every flow is ready (Int32 word 0 ≠ 0) */
  gate?: SharedArrayBuffer;
}

const port = parentPort;
if (!port) throw new Error('worker.ts runs only as a worker thread');
/**
 * Where the sink posts: the main thread, or, while the warm-up runs, a channel nobody reads.
 * The warm engines run with the very sink below, so the calls V8 compiles are the real run's
 * (with a sink of its own, the warm-up left the receive path compiled for that sink, and the
 * real run's first sample batch threw it away: a bench row's first echoes ran interpreted).
 */
let out: MessagePort = port;
const post = (m: EngineMessage) => out.postMessage(m);
/** A spare (spare.ts) waits here, its modules loaded, until a run hands it its config. */
function deferred(d: DeferredData['deferred']): Data {
  const go = new Int32Array(d.go);
  Atomics.store(go, SPARE.LOADED, 1);
  Atomics.notify(go, SPARE.LOADED);
  while (Atomics.load(go, SPARE.GO) === 0) Atomics.wait(go, SPARE.GO, 0, 1000);
  const m = receiveMessageOnPort(d.port);
  if (!m) throw new Error('the spare engine worker was woken without its config');
  d.port.close();
  return m.message as Data;
}
const { cfg, ctl, wakeFd, gate } = 'deferred' in workerData ? deferred((workerData as DeferredData).deferred) : (workerData as Data);

let engine: Engine | null = null;
try {
  const sink: EngineSink = {
    ready: (info) => post({ t: 'ready', info }),
    events: (events) => post({ t: 'events', events }),
    tick: (tick) => post({ t: 'tick', tick }),
    status: (stats, parts) => post({ t: 'status', stats, parts }),
    // transferred, not copied: the engine never touches a batch again once it is posted
    samples: (data) => out.postMessage({ t: 'samples', data } satisfies EngineMessage, [data.buffer as ArrayBuffer]),
  };
  // a flood is measured from its first echo: the engine's code is compiled before it
  let warmed = 0;
  if (cfg.flood && process.env.VPING_WARM !== '0') {
    const nowhere = new MessageChannel();
    out = nowhere.port1;
    try {
      warmed = warmEngine(cfg, sink);
    } finally {
      out = port;
      nowhere.port1.close();
      nowhere.port2.close();
    }
  }
  engine = new Engine(cfg, new Int32Array(ctl), wakeFd);
  engine.warmEchoes = warmed;
  sink.ready(engine.readyInfo());
  // flows start together, so the merged elapsed time is the time they ran side by side
  if (gate) Atomics.wait(new Int32Array(gate), 0, 0);
  const stats = engine.run(sink);
  post({ t: 'done', stats, parts: engine.parts() });
} catch (e) {
  if (isVpingError(e)) post({ t: 'fatal', error: errorRecord(e) });
  else throw e;
} finally {
  engine?.close();
}
