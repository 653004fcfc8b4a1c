import { constants as osConstants } from 'node:os';

// The error types every layer builds on. The CLI prints `message` on one line and exits 2
// for any VpingError; anything else is a bug and keeps its stack.

/** Base of every error vping raises on purpose: a stable `code` and a one-line message. */
export class VpingError extends Error {
  /** Stable, machine-readable: an errno name ('ENODEV') or a vping code ('EUSAGE'). */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Bad input found before touching the kernel (a name too long, a malformed address). */
export class UsageError extends VpingError {
  constructor(message: string) {
    super('EUSAGE', message);
  }
}

/** A failed system call: errno captured right after the call. */
export class SysError extends VpingError {
  readonly errno: number;
  /** What was being done, e.g. `setns(/run/netns/ns1)`. */
  readonly op: string;
  constructor(op: string, errno: number, detail?: string) {
    const name = errnoName(errno);
    super(name, `${op}: ${detail ?? strerrorText(errno)}`);
    this.errno = errno;
    this.op = op;
  }
}

const errnoNames = new Map<number, string>();
for (const [name, num] of Object.entries(osConstants.errno)) if (!errnoNames.has(num)) errnoNames.set(num, name);
// EWOULDBLOCK/EAGAIN and EDEADLOCK/EDEADLK share numbers; keep the usual spelling.
errnoNames.set(osConstants.errno.EAGAIN, 'EAGAIN');

// Filled by libc.ts when it loads (errors.ts itself stays free of koffi so that pure
// code and its tests can import it without the FFI).
let textOf: (errno: number) => string = (e) => errnoNames.get(e) ?? `error ${e}`;

export function installStrerror(text: (e: number) => string): void {
  textOf = text;
}

export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `E${errno}`;
}

export function strerrorText(errno: number): string {
  return textOf(errno);
}

export const isVpingError = (e: unknown): e is VpingError => e instanceof VpingError;
