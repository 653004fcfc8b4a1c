import { constants as osConstants } from 'node:os';

// The error types every layer builds on. The CLI prints `message` on one line and exits 2
// for any VpingError; anything else is a bug and keeps its stack.

/**
 * vping's own codes: EUSAGE bad input; EDECODE a capture file that cannot be walked;
 * EFILTER a filter expression libpcap refused; ENOLAB the lab is not up; EPEER a peer tool
 * (ping, for --vs-ping) missing or failing; EWORKER a worker thread that died; EASYNC a
 * function handed to withNetns that returned a promise; EICMPPARSE an ICMP packet vping
 * cannot read.
 */
export type VpingOwnCode = 'EUSAGE' | 'EDECODE' | 'EFILTER' | 'ENOLAB' | 'EPEER' | 'EWORKER' | 'EASYNC' | 'EICMPPARSE';
/** An errno name as errnoName() gives it ('ENODEV', 'EEXIST', …; `E<n>` for an unnamed one). */
export type ErrnoCode = `E${string}`;
/** Every error's `code`: one of vping's own, or the errno name of the failed call. */
export type VpingErrorCode = VpingOwnCode | ErrnoCode;

/** Base of every error vping raises on purpose: a stable `code` and a one-line message. */
export class VpingError extends Error {
  /** Stable, machine-readable: an errno name ('ENODEV') or a vping code ('EUSAGE'). */
  readonly code: VpingErrorCode;
  constructor(code: VpingErrorCode, message: string, options?: { cause?: unknown }) {
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

/** The errno's name (ENOENT) for a number, or E<number> when it has none here. */
export function errnoName(errno: number): ErrnoCode {
  return (errnoNames.get(errno) ?? `E${errno}`) as ErrnoCode;
}

/** strerror(3) of the errno, as libc words it. */
export function strerrorText(errno: number): string {
  return textOf(errno);
}

/** A code from elsewhere (Node's `err.code`) as a VpingErrorCode, or `fallback` when it is none. */
export function asErrorCode(code: unknown, fallback: VpingErrorCode = 'EIO'): VpingErrorCode {
  return typeof code === 'string' && /^E[A-Z0-9_]+$/.test(code) ? (code as VpingErrorCode) : fallback;
}

/**
 * A VpingError as a plain object a worker can post, and back: the class (VpingError,
 * UsageError, SysError), the code, and a SysError's errno and operation survive the trip.
 */
export interface ErrorRecord {
  kind: 'VpingError' | 'UsageError' | 'SysError';
  code: VpingErrorCode;
  message: string;
  errno?: number;
  op?: string;
}
export function errorRecord(e: VpingError): ErrorRecord {
  if (e instanceof SysError) return { kind: 'SysError', code: e.code, message: e.message, errno: e.errno, op: e.op };
  return { kind: e instanceof UsageError ? 'UsageError' : 'VpingError', code: e.code, message: e.message };
}
export function errorFromRecord(r: ErrorRecord): VpingError {
  if (r.kind === 'UsageError') return new UsageError(r.message);
  if (r.kind === 'SysError' && r.errno !== undefined) {
    const e = new SysError(r.op ?? '', r.errno);
    // the message as the worker wrote it (its op and detail), not rebuilt
    Object.defineProperty(e, 'message', { value: r.message });
    return e;
  }
  return new VpingError(r.code, r.message);
}

/** Is this one of vping's errors (a one-line message and a code), rather than a bug? */
export const isVpingError = (e: unknown): e is VpingError => e instanceof VpingError;

/**
 * A Node fs error in libc's words: "ENOSPC: no space left on device, write" → "write: No space
 * left on device"; "ENOENT: no such file or directory, open '/x'" → "No such file or directory"
 * (the caller names the file). Anything else: its message without a leading "CODE: ".
 */
export function fsErrorText(e: unknown): string {
  const c = e as { message?: string; syscall?: string };
  const msg = c?.message ?? String(e);
  const m = /^[A-Z0-9]+: ([^,]*), (\w+)(?: '.*')?$/.exec(msg);
  if (m) {
    const text = m[1][0].toUpperCase() + m[1].slice(1);
    return m[2] === 'open' ? text : `${m[2]}: ${text}`;
  }
  return msg.replace(/^[A-Z]+: /, '');
}
