// Warming the engine before a flood: the first thousands of echoes of a flood used to run
// several times slower than the rest (V8 interprets a function until it has run often
// enough to be compiled), so a short flood (`ping -f -c 1000`, a bench row) was measured
// mostly cold. Before the real run, the worker runs the same engine class, with the same
// options, for a few thousand echoes to its own loopback inside a network namespace of its
// own (withPrivateNetns: a namespace nobody else sees, holding only lo, gone when its socket
// closes), then comes back to the namespace it was in. The real run's first echo then meets
// compiled code. No packet leaves that private namespace, and nothing is reported: the warm
// engine's sink drops everything.
//
// Only where the thread may make a namespace (CAP_SYS_ADMIN, as for -n); elsewhere the run
// starts cold, as before. VPING_WARM=0 turns it off (bench/flood-counts.js compares).
import { EFD_CLOEXEC, EFD_NONBLOCK, close, eventfd } from '../sys/libc.js';
import { withPrivateNetns } from '../ns/netns.js';
import { CTL, Engine, type EngineConfig, type EngineSink } from './engine-core.js';

/**
 * The warm-up's rounds, each a fresh engine: enough echoes for V8 to optimise the loop, the
 * send and the receive path. One round is not enough: the branches an engine takes only on
 * its first call (the first send, the first turn, the first reply's checksum over a new
 * buffer, the first sample) run before V8 has given the function a feedback vector, so the
 * compiled code has never seen them, and the real run's first echo took each of them and
 * threw that code away (five functions, `--trace-deopt`), to run interpreted again for its
 * first thousands of echoes. A second engine takes those branches with feedback recorded:
 * its own deopts are paid in the warm-up, and its echoes compile the code again with them.
 * The second round is the longer one: with 3,000 echoes the recompiled receive path was
 * still being compiled when the real run began (a flood of 1,000 ran at 3-8 µs an echo
 * against 3-4 µs with 5,000).
 */
export const WARM_ROUNDS = [1500, 5000];
/** Echoes the warm-up sends in all. */
export const WARM_ECHOES = WARM_ROUNDS.reduce((a, b) => a + b);

const dropAll: EngineSink = {
  ready: () => undefined,
  events: () => undefined,
  tick: () => undefined,
  status: () => undefined,
  samples: () => undefined,
};

/**
 * Run `cfg`'s engine for WARM_ECHOES echoes to loopback in a private namespace, into `sink`
 * (the real run's, posting where nobody reads, so that V8 compiles the very calls the real
 * run makes; by default one that drops everything). Returns the echoes that came back (0: no
 * warm-up, where no namespace can be made or it failed).
 */
export function warmEngine(cfg: EngineConfig, sink: EngineSink = dropAll): number {
  const dest = cfg.family === 4 ? [127, 0, 0, 1] : [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
  const r = withPrivateNetns(() => {
    let wake = -1;
    let engine: Engine | null = null;
    try {
      wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
      let received = 0;
      for (const count of WARM_ROUNDS) {
        const warm: EngineConfig = { ...cfg, netns: null, dest, iface: null, source: null, count, deadlineMs: 0, lingerMs: 0 };
        engine = new Engine(warm, new Int32Array(new SharedArrayBuffer(CTL.SIZE * 4)), wake);
        received += engine.run(sink).received;
        engine.close();
        engine = null;
      }
      return received;
    } catch {
      // a warm-up that failed (an odd kernel, lo refusing) costs the run nothing but its
      // speed; a failure to come back from the private namespace is not caught here, and
      // ends the run (its socket would otherwise be opened in the wrong namespace)
      return 0;
    } finally {
      engine?.close();
      if (wake >= 0) close(wake);
    }
  });
  return r?.value ?? 0;
}
