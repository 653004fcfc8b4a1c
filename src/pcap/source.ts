// Where the reader's bytes come from: memory, or a file descriptor read forward in chunks
// (a file, a pipe, a FIFO, standard input). The reader asks for a range at a file offset and
// gets it, or fewer bytes at end of file; it never asks for an offset before one it has
// already been given, so the source keeps only the bytes not yet consumed, and memory stays
// bounded by the largest block, whatever the file's size.
//
// A range handed out stays valid: a refill copies the unread tail into a fresh buffer rather
// than moving it inside the old one, so a record's bytes are never overwritten under a
// consumer that still holds them.
import { readSync } from 'node:fs';
import { POLLIN, pollSoft } from '../sys/libc.js';
import { POLLFD } from '../sys/socket.js';

export interface ByteSource {
  /** Bytes [off, off + n) of the stream; fewer only at end of file. `off` never goes back. */
  read(off: number, n: number): Uint8Array;
}

export class MemorySource implements ByteSource {
  constructor(private readonly bytes: Uint8Array) {}
  read(off: number, n: number): Uint8Array {
    return this.bytes.subarray(Math.min(off, this.bytes.length), Math.min(this.bytes.length, off + n));
  }
}

const CHUNK = 256 * 1024;

export interface FdSourceOptions {
  /** called before a read that may block (a pipe with nothing in it): flush what is printed */
  beforeRead?: () => void;
  /**
   * The consumer is done with a range once it asks for the next one (it copies what it
   * keeps): one buffer is refilled in place instead of a fresh one per chunk, which keeps
   * the garbage collector, and so the resident size, out of a long read.
   */
  reuse?: boolean;
}

export class FdSource implements ByteSource {
  private buf: Uint8Array = new Uint8Array(0);
  /** stream offset of buf[0] */
  private base = 0;
  private eof = false;
  /** struct pollfd for waiting on a non-blocking descriptor */
  private readonly pfd = Buffer.alloc(POLLFD.size);
  /** the one buffer, with `reuse` */
  private store: Uint8Array = new Uint8Array(0);

  constructor(private readonly fd: number, private readonly opts: FdSourceOptions = {}) {}

  read(off: number, n: number): Uint8Array {
    if (off < this.base) throw new RangeError(`source read backwards: ${off} < ${this.base}`);
    while (!this.eof && this.base + this.buf.length < off + n) this.fill(off, n);
    const s = Math.min(off - this.base, this.buf.length);
    return this.buf.subarray(s, Math.min(this.buf.length, s + n));
  }

  private fill(off: number, n: number): void {
    // drop what lies before off (discarding whole chunks when off is past the buffer: a block skipped)
    const keep = Math.max(0, off - this.base);
    if (keep >= this.buf.length) {
      this.base += this.buf.length;
      this.buf = new Uint8Array(0);
      while (this.base < off && !this.eof) {
        const scratch = new Uint8Array(Math.min(CHUNK, off - this.base));
        const got = this.readSome(scratch);
        if (got === 0) this.eof = true;
        this.base += got;
      }
      if (this.eof) return;
    }
    const tail = this.buf.subarray(Math.min(keep, this.buf.length));
    const need = off + n - (this.base + Math.min(keep, this.buf.length));
    let next: Uint8Array;
    if (this.opts.reuse && this.store.length >= Math.max(need, CHUNK)) {
      // the consumer keeps no range past its next read: the unread tail moves to the front
      next = this.store;
      next.copyWithin(0, tail.byteOffset - next.byteOffset, tail.byteOffset - next.byteOffset + tail.length);
    } else {
      next = new Uint8Array(Math.max(need, CHUNK));
      next.set(tail);
      if (this.opts.reuse) this.store = next;
    }
    let have = tail.length;
    // one read is enough when it brings what was asked (a pipe hands over what it has)
    while (have < need) {
      const got = this.readSome(next.subarray(have));
      if (got === 0) {
        this.eof = true;
        break;
      }
      have += got;
    }
    this.base += Math.min(keep, this.buf.length);
    this.buf = next.subarray(0, have);
  }

  private readSome(into: Uint8Array): number {
    this.opts.beforeRead?.();
    for (;;) {
      try {
        return readSync(this.fd, into, 0, into.length, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') {
          // a non-blocking descriptor (a pipe some other process set so): wait until it is readable
          this.pfd.writeInt32LE(this.fd, POLLFD.fd);
          this.pfd.writeInt16LE(POLLIN, POLLFD.events);
          pollSoft(this.pfd, 1, -1);
          continue;
        }
        if (code === 'EINTR') continue;
        throw e;
      }
    }
  }
}
