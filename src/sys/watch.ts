// Event-loop readiness for the capture sockets (uv_poll through koffi.node.poll).
// koffi 3.3.4 calls the callback as (status, events), while its typings declare
// (events): this wrapper accepts either order, and reports an error status (libuv stops
// the watch on POLLERR, e.g. when a capture socket's interface goes away) as `error`.
import koffi from './koffi.js';

export interface FdWatch {
  stop(): void;
  unref(): void;
  ref(): void;
}

type Ev = { readable?: boolean; disconnect?: boolean };

/** Call `onReady(error)` whenever fd is readable (or hung up / in error). */
export function watchFd(fd: number, onReady: (error: boolean) => void): FdWatch {
  const cb = (a: unknown, b?: unknown) => {
    const status = typeof a === 'number' ? a : 0;
    const ev = (typeof a === 'object' && a !== null ? a : b) as Ev | undefined;
    if (status < 0) onReady(true);
    else if (!ev || ev.readable || ev.disconnect) onReady(false);
  };
  const h = koffi.node.poll(fd, { readable: true }, cb as never);
  return { stop: () => h.close(), unref: () => h.unref(), ref: () => h.ref() };
}
