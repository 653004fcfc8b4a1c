// Ctrl-C (SIGINT) and SIGTERM for the long-running lab commands (bench, trace): as ping does,
// the first one stops the run and lets it finish — statistics printed, files written complete.
// A second one ends the process at once (status 130), for a drain that does not end.

export interface Interrupt {
  /** Aborted on the first SIGINT or SIGTERM. */
  readonly signal: AbortSignal;
  /** Remove the handlers (the process's default action comes back). */
  dispose(): void;
  [Symbol.dispose](): void;
}

export function onInterrupt(): Interrupt {
  const ac = new AbortController();
  const handler = (): void => {
    if (ac.signal.aborted) process.exit(130);
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
