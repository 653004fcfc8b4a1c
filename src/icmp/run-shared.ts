// Several engines on one thread: the loop that bench's many pairs use (a worker per core, not
// per pair). Each engine keeps its own schedule and statistics; this loop only turns them and
// waits on all their sockets at once.
import { POLLIN, pinned, ppollSoft, readSoft } from '../sys/libc.js';
import { POLLFD } from '../sys/socket.js';
import type { Engine, EngineSink } from './engine-core.js';
import type { Stats } from './stats.js';

/**
 * Several engines on one thread (bench's many pairs: a worker per core, not per pair): each
 * turn every engine sends what is due and says how long it may wait; one ppoll over all their
 * sockets and the thread's wake-up eventfd waits the shortest of those; every socket that
 * became readable is drained. An engine whose run is over is finished (its statistics to
 * `done(i, stats)`) and leaves the loop; the others go on. No spin and no blocking receive
 * (those serve one engine alone): a wait under a tick is a poll with that timeout.
 */
export function runShared(engines: Engine[], sinks: EngineSink[], wakeFd: number, done: (i: number, stats: Stats) => void): void {
  const n = engines.length;
  const states = engines.map((e, i) => e.begin(sinks[i]));
  const live = engines.map(() => true);
  // struct pollfd × (n sockets + the eventfd)
  const fds = pinned((n + 1) * POLLFD.size);
  const dv = new DataView(fds.buffer, fds.byteOffset, fds.length);
  for (let i = 0; i < n; i++) {
    dv.setInt32(i * POLLFD.size + POLLFD.fd, engines[i].fd, true);
    dv.setInt16(i * POLLFD.size + POLLFD.events, POLLIN, true);
  }
  dv.setInt32(n * POLLFD.size + POLLFD.fd, wakeFd, true);
  dv.setInt16(n * POLLFD.size + POLLFD.events, POLLIN, true);
  const wakeBuf = Buffer.alloc(8);
  let left = n;
  while (left > 0) {
    let wait = Infinity;
    for (let i = 0; i < n; i++) {
      if (!live[i]) continue;
      const t = engines[i].turn(states[i], sinks[i]);
      if (t === null) {
        live[i] = false;
        left--;
        // a finished engine's socket stays in the set, ignored (fd -1)
        dv.setInt32(i * POLLFD.size + POLLFD.fd, -1, true);
        done(i, engines[i].finish(sinks[i]));
        continue;
      }
      // -1: ping would spin until its next probe is due; here the others must run meanwhile,
      // so the loop waits exactly that long instead
      wait = Math.min(wait, t < 0 ? states[i].dueNs : t);
    }
    if (left === 0) break;
    for (let i = 0; i <= n; i++) dv.setInt16(i * POLLFD.size + POLLFD.revents, 0, true);
    const pr = ppollSoft(fds, n + 1, Math.min(wait, 1e9));
    if (pr > 0) {
      for (let i = 0; i < n; i++) {
        const re = dv.getInt16(i * POLLFD.size + POLLFD.revents, true);
        if (re && live[i]) engines[i].takeReady(re);
      }
      if (dv.getInt16(n * POLLFD.size + POLLFD.revents, true) & POLLIN) readSoft(wakeFd, wakeBuf, 8);
    }
    for (let i = 0; i < n; i++) if (live[i]) engines[i].afterWait(states[i], sinks[i]);
  }
}
