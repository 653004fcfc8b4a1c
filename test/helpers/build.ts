// vitest globalSetup: build once, before any test, so that every test that runs the CLI or
// imports dist/ runs what the sources say. A failed build fails the run (never stale output).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  try {
    execFileSync(process.execPath, [fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url)), '-p', 'tsconfig.json'], { cwd: root, stdio: 'pipe' });
  } catch (e) {
    const out = (e as { stdout?: Buffer }).stdout?.toString() ?? '';
    throw new Error(`the build failed, so no test runs on stale output:\n${out}`, { cause: e });
  }
}
