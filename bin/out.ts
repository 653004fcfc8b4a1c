// Standard output for the commands that print without bound (capture's lines, read or live):
// lines go into one buffer, and the buffer goes out with write(2) as the reader takes it, so a
// slow reader (a pipe into less or grep) holds the writer back instead of Node queueing every
// line in memory, and no line outlives its turn (a string built of 64 KiB of lines survived
// into V8's old space and grew the resident size with the file). A reader that went away
// ends the program quietly, as tcpdump ends on SIGPIPE (status 128 + 13).
import { writeSync } from 'node:fs';
import { POLLFD } from '../src/sys/socket.js';
import { POLLOUT, pollSoft } from '../src/sys/libc.js';

const pfd = Buffer.alloc(POLLFD.size);
const SIZE = 256 << 10;

export class Out {
  #buf = Buffer.allocUnsafeSlow(SIZE);
  #pos = 0;

  /** Add one line (a newline is appended); written out when the buffer is nearly full. */
  line(text: string): void {
    const need = Buffer.byteLength(text) + 1;
    if (this.#pos + need > this.#buf.length) {
      this.flush();
      if (need > this.#buf.length) this.#buf = Buffer.allocUnsafeSlow(need);
    }
    this.#pos += this.#buf.write(text, this.#pos);
    this.#buf[this.#pos++] = 10;
  }

  /** Write what is buffered, waiting for room when standard output is a full pipe. */
  flush(): void {
    const b = this.#buf;
    const n = this.#pos;
    this.#pos = 0;
    let off = 0;
    while (off < n) {
      try {
        off += writeSync(1, b, off, n - off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') {
          // a non-blocking descriptor (Node made stdout so, or the shell did): wait for room
          pfd.writeInt32LE(1, POLLFD.fd);
          pfd.writeInt16LE(POLLOUT, POLLFD.events);
          pollSoft(pfd, 1, -1);
          continue;
        }
        if (code === 'EINTR') continue;
        if (code === 'EPIPE') process.exit(141);
        throw e;
      }
    }
  }
}
