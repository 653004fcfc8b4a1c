// How every command runs: one clear line and exit status 2 for a VpingError (bad input,
// a refused system call), the stack for anything else (a bug). Commands set
// process.exitCode for their own results (ping's 0/1) and return.
import { isVpingError } from '../src/sys/errors.js';

export const EXIT_USAGE = 2;

/** Print `vping: <message>` and exit 2. */
export function fail(message: string): never {
  process.stderr.write(`vping: ${message}\n`);
  process.exit(EXIT_USAGE);
}

/** Wrap a commander action: errors become one line and exit status 2. */
export function action<A extends unknown[]>(fn: (...args: A) => unknown): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      if (isVpingError(e)) fail(e.message);
      throw e;
    }
  };
}

/** Root-only commands check first, so that nothing is attempted half-way. */
export function requireRoot(what: string): void {
  if (process.geteuid && process.geteuid() !== 0) {
    fail(`${what} needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN): run it as root, e.g. with sudo`);
  }
}

/** Print a value as JSON on one line, as `ip -j` does. */
export function printJson(v: unknown): void {
  process.stdout.write(JSON.stringify(v) + '\n');
}
