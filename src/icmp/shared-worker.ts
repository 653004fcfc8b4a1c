// A thread that runs several engines (runShared): bench's pairs, a worker per core rather
// than per pair. Each engine opens its socket in its own namespace on this thread, one after
// the other (withNetns), then they run side by side. Every message carries its flow's index.
import { parentPort, workerData } from 'node:worker_threads';
import { errorRecord, isVpingError } from '../sys/errors.js';
import { runShared } from './run-shared.js';
import { Engine, type EngineConfig, type EngineMessage, type EngineSink } from './engine-core.js';

interface Data {
  flows: { cfg: EngineConfig; ctl: SharedArrayBuffer }[];
  wakeFd: number;
}

/** A message of flow `flow`. */
export type SharedMessage = EngineMessage & { flow: number };

const port = parentPort;
if (!port) throw new Error('shared-worker.ts runs only as a worker thread');
const { flows, wakeFd } = workerData as Data;
const post = (flow: number, m: EngineMessage) => port.postMessage({ ...m, flow });

const engines: Engine[] = [];
const sinks: EngineSink[] = [];
const index: number[] = [];
try {
  flows.forEach((f, flow) => {
    let engine: Engine;
    try {
      engine = new Engine(f.cfg, new Int32Array(f.ctl), wakeFd);
    } catch (e) {
      // this flow cannot start (its namespace is gone, ...): it fails alone
      if (isVpingError(e)) return post(flow, { t: 'fatal', error: errorRecord(e) });
      throw e;
    }
    const sink: EngineSink = {
      ready: (info) => post(flow, { t: 'ready', info }),
      events: (events) => post(flow, { t: 'events', events }),
      tick: (tick) => post(flow, { t: 'tick', tick }),
      status: (stats, parts) => post(flow, { t: 'status', stats, parts }),
      samples: (data) => port.postMessage({ t: 'samples', data, flow } satisfies SharedMessage, [data.buffer as ArrayBuffer]),
    };
    sink.ready(engine.readyInfo());
    engines.push(engine);
    sinks.push(sink);
    index.push(flow);
  });
  runShared(engines, sinks, wakeFd, (i, stats) => post(index[i], { t: 'done', stats, parts: engines[i].parts() }));
} catch (e) {
  if (isVpingError(e)) for (const flow of index) post(flow, { t: 'fatal', error: errorRecord(e) });
  else throw e;
} finally {
  for (const e of engines) e.close();
}
