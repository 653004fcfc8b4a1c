// bin/compile-cache.ts: V8's compile cache where Node has one (22.1+), only in a directory the
// user alone can write. The suite runs on Node 20 (no cache: nothing is made) and Node 24.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import module from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { enableCompileCache } from '../../bin/compile-cache.js';

const hasCache = typeof (module as { enableCompileCache?: unknown }).enableCompileCache === 'function';
const dir = mkdtempSync(join(tmpdir(), 'vping-cc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the compile cache', () => {
  it('refuses a cache directory others may write to (it would run their code), and makes nothing on a Node without a cache', () => {
    const home = join(dir, 'shared');
    if (!hasCache) {
      expect(enableCompileCache(home)).toBe('off');
      expect(existsSync(join(home, '.cache'))).toBe(false);
      return;
    }
    mkdirSync(join(home, '.cache', 'vping', 'compile-cache'), { recursive: true });
    chmodSync(join(home, '.cache', 'vping', 'compile-cache'), 0o777);
    expect(enableCompileCache(home)).toBe('refused');
  });

  it("turns it on in the user's own directory, made for the user alone, and tells the workers where", () => {
    const home = join(dir, 'own');
    const was = process.env.NODE_COMPILE_CACHE;
    try {
      const r = enableCompileCache(home);
      if (!hasCache) {
        expect(r).toBe('off');
        return;
      }
      expect(r).toBe('enabled');
      expect(process.env.NODE_COMPILE_CACHE?.startsWith(join(home, '.cache', 'vping', 'compile-cache'))).toBe(true);
    } finally {
      if (was === undefined) delete process.env.NODE_COMPILE_CACHE;
      else process.env.NODE_COMPILE_CACHE = was;
    }
  });
});
