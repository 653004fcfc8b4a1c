// Owned file descriptors: closed exactly once, disposable with `using`.
import { readdirSync } from 'node:fs';
import { close } from './libc.js';

export class OwnedFd implements Disposable {
  #fd: number;
  constructor(fd: number) {
    this.#fd = fd;
  }
  get fd(): number {
    if (this.#fd < 0) throw new Error('file descriptor used after close');
    return this.#fd;
  }
  get closed(): boolean {
    return this.#fd < 0;
  }
  /** Give up ownership without closing (the caller now owns the number). */
  release(): number {
    const fd = this.#fd;
    this.#fd = -1;
    return fd;
  }
  close(): void {
    if (this.#fd >= 0) {
      close(this.#fd);
      this.#fd = -1;
    }
  }
  [Symbol.dispose](): void {
    this.close();
  }
}

/** The descriptors this process holds now (for leak checks in tests and the CLI). */
export function openFds(): number[] {
  return readdirSync('/proc/self/fd')
    .map(Number)
    .filter((n) => Number.isInteger(n))
    .sort((a, b) => a - b);
}
