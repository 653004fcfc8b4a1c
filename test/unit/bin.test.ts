// The built command runs as a program, as npx and npm's bin links run it: executable, with
// its #! line. (tsc writes files without the x bit; package.json's build and prepare set it.
// An npx cache from an earlier clone at the same path links the file without setting it
// again, and `npx vping demo` then said "Permission denied".)
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const VPING = fileURLToPath(new URL('../../dist/bin/vping.js', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string; bin: Record<string, string>; scripts: Record<string, string> };

describe('the vping program', () => {
  it('is executable and runs by its own #! line', () => {
    expect(statSync(VPING).mode & 0o111).toBe(0o111);
    expect(execFileSync(VPING, ['--version'], { encoding: 'utf8' }).trim()).toBe(pkg.version);
  });

  it("package.json's build and prepare both leave it executable", () => {
    expect(pkg.bin.vping).toBe('dist/bin/vping.js');
    for (const s of ['build', 'prepare']) expect(pkg.scripts[s]).toContain('chmod 755 dist/bin/vping.js');
  });
});
