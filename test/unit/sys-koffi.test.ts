// src/sys/koffi.ts loads koffi's native module the short way on glibc Linux: it must be the
// very module koffi's own loader gives, so every wrapper in src/sys calls the same code.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import koffi from '../../src/sys/koffi.js';

describe('koffi, loaded the short way', () => {
  it("is the native module koffi's own loader loads (same functions, same version)", () => {
    const own = createRequire(import.meta.url)('koffi') as typeof koffi;
    expect(koffi.version).toBe(own.version);
    // koffi's loader wraps load/register; the native functions it passes through are the same objects
    for (const name of ['view', 'address', 'struct', 'sizeof', 'errno', 'pointer'] as const) {
      expect(typeof koffi[name]).toBe('function');
      expect(koffi[name]).toBe(own[name]);
    }
  });

  it('calls into libc', () => {
    const libc = koffi.load('libc.so.6');
    const getpid = libc.func('int getpid(void)');
    expect(getpid()).toBe(process.pid);
  });
});
