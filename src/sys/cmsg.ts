// Walking the control messages (struct cmsghdr) that recvmsg/recvmmsg wrote into a control
// area, as CMSG_FIRSTHDR/CMSG_NXTHDR do, without allocating: one cursor is reused for every
// message. The engine's receive path, its error-queue drain and trace's prober share it.
import { CMSG, cmsgAlign } from './socket.js';

/**
 * A cursor over the control messages of one message: `start` it on the control area, then
 * `next()` until it returns false; after each `next()`, `level`, `type`, `len` and `data` (the
 * offset of the payload in the buffer) describe the current message. A header whose length is
 * short or runs past what the kernel wrote ends the walk, as CMSG_NXTHDR does.
 */
export class CmsgCursor {
  /** cmsg_level of the current message */
  level = 0;
  /** cmsg_type of the current message */
  type = 0;
  /** cmsg_len of the current message (header included) */
  len = 0;
  /** the offset of the current message's data in `buf` */
  data = 0;
  buf: Buffer = Buffer.alloc(0);
  #at = 0;
  #end = 0;

  /** Walk `clen` bytes of control messages that start at `base` in `buf`. */
  start(buf: Buffer, base: number, clen: number): this {
    this.buf = buf;
    this.#at = base;
    this.#end = base + Math.min(clen, buf.length - base);
    return this;
  }

  /** Move to the next control message; false when there is none (or the rest is malformed). */
  next(): boolean {
    const at = this.#at;
    if (at + CMSG.data > this.#end) return false;
    // cmsg_len is a size_t: its high half is zero for anything that fits the area
    const len = this.buf.readUInt32LE(at + CMSG.len);
    if (len < CMSG.data || this.buf.readUInt32LE(at + CMSG.len + 4) !== 0 || at + len > this.#end) return false;
    this.len = len;
    this.level = this.buf.readInt32LE(at + CMSG.level);
    this.type = this.buf.readInt32LE(at + CMSG.type);
    this.data = at + CMSG.data;
    this.#at = at + cmsgAlign(len);
    return true;
  }
}

/**
 * A struct timespec { s64 tv_sec; long tv_nsec; } at `off` (an SCM_TIMESTAMPNS payload, or the
 * first of SCM_TIMESTAMPING's three) as nanoseconds since `baseSec`, exact in a double for
 * the run's span.
 */
export function timespecNsSince(buf: Buffer, off: number, baseSec: number): number {
  return (buf.readUInt32LE(off) + buf.readInt32LE(off + 4) * 4294967296 - baseSec) * 1e9 + buf.readUInt32LE(off + 8);
}
