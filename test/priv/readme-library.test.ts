// The README's library example, as a user would paste it: plain JavaScript run by the Node
// that runs the tests, importing the built package. Only the namespace names change (unique
// to this run, so a user's own ns1/ns2 are never touched).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { describePriv, uniq } from '../helpers/priv.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describePriv('the README library example', () => {
  const [a, b] = [uniq('rla'), uniq('rlb')];
  const dir = mkdtempSync(join(tmpdir(), 'vping-readme-'));
  afterAll(() => {
    for (const n of [a, b]) spawnSync('ip', ['netns', 'del', n], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs as plain JavaScript on this Node: the lab, the links of one end, three echoes, down again', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = /## The library[\s\S]*?```js\n([\s\S]*?)```/.exec(readme);
    expect(block, 'a ```js block under "## The library"').not.toBeNull();
    const code = block![1]
      .replace(/'vping'/, JSON.stringify(join(ROOT, 'dist/src/index.js')))
      .replaceAll("'ns1'", JSON.stringify(a))
      .replaceAll("'ns2'", JSON.stringify(b));
    const file = join(dir, 'example.mjs');
    writeFileSync(file, code);
    const out = execFileSync(process.execPath, [file], { encoding: 'utf8', timeout: 30_000 });
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe("[ 'lo', 'tap1' ]");
    expect(lines[1]).toMatch(/^3 3 \{/);
    // labDown removed what labUp made
    const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    expect(left).not.toContain(a);
    expect(left).not.toContain(b);
  });
});
