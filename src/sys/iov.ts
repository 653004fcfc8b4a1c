// writev(2) for the capture hot path: frames go from the mmap'ed ring to the file without
// JS touching their bytes.
import koffi from './koffi.js';
import { libc } from './ffi.js';
import { IOVEC } from './socket.js';
import { EINTR } from './errno.js';

const writevFn = libc.func('intptr_t writev(int fd, void *iov, int iovcnt)');

/** IOV_MAX on Linux: iovecs per writev call. */
export const IOV_MAX = 1024;
const TWO32 = 4294967296;

/**
 * Write all `bytes` described by the first `cnt` iovecs of `iov` (whose words are `w`,
 * a Uint32Array over the same memory). A short write (a signal, a full disk on the next
 * call) moves the iovecs on past what was written and tries again. Returns 0, or -errno
 * (nothing is undone: the caller truncates the file back to its last whole record).
 */
export function writevAll(fd: number, iov: Buffer, w: Uint32Array, cnt: number, bytes: number): number {
  let first = 0;
  for (;;) {
    const r = Number(writevFn(fd, first === 0 ? iov : iov.subarray(first * IOVEC.size), cnt - first));
    if (r < 0) {
      const e = koffi.errno();
      if (e === EINTR) continue;
      return -e;
    }
    bytes -= r;
    if (bytes <= 0) return 0;
    // skip the iovecs written whole, then move into the one written in part
    let done = r;
    while (first < cnt) {
      const len = w[first * 4 + 2];
      if (done < len) break;
      done -= len;
      first++;
    }
    if (done > 0) {
      const k = first * 4;
      const lo = w[k] + done;
      w[k] = lo % TWO32;
      w[k + 1] += lo >= TWO32 ? 1 : 0;
      w[k + 2] -= done;
    }
  }
}
