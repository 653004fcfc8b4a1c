// vitest globalSetup: build once, before any test, so that every test that runs the CLI or
// imports dist/ runs what the sources say. A failed build fails the run (never stale output).
import { execFileSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  try {
    execFileSync(process.execPath, [fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url)), '-p', 'tsconfig.json'], { cwd: root, stdio: 'pipe' });
    // as `npm run build` leaves it: the command runs as a program (npx, a bin link)
    chmodSync(`${root}dist/bin/vping.js`, 0o755);
  } catch (e) {
    const out = (e as { stdout?: Buffer }).stdout?.toString() ?? '';
    throw new Error(`the build failed, so no test runs on stale output:\n${out}`, { cause: e });
  }
}
