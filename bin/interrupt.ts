// Ctrl-C (SIGINT) and SIGTERM for the long-running lab commands (bench, trace): as ping does,
// the first one stops the run and lets it finish — statistics printed, files written complete.
// A second one ends the process at once (status 130), for a drain that does not end — unless
// it comes within SAME_STOP_MS of the first: then it is the same stop delivered twice (as
// `timeout` signals the command and then its process group, or a signal sent to a pipeline's
// group reaches it beside a parent's), and it is ignored.

/** Two signals closer than this are one stop. */
export const SAME_STOP_MS = 500;

export interface Interrupt {
  /** Aborted on the first SIGINT or SIGTERM. */
  readonly signal: AbortSignal;
  /** Remove the handlers (the process's default action comes back). */
  dispose(): void;
  [Symbol.dispose](): void;
}

export function onInterrupt(): Interrupt {
  const ac = new AbortController();
  let first = 0;
  const handler = (): void => {
    if (ac.signal.aborted) {
      if (performance.now() - first >= SAME_STOP_MS) process.exit(130);
      return;
    }
    first = performance.now();
    ac.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  const dispose = (): void => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
  return { signal: ac.signal, dispose, [Symbol.dispose]: dispose };
}
