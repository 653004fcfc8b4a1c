// Shared by the benchmarks: timing, peers run as child processes, tables with ratios.
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const nowNs = (): bigint => process.hrtime.bigint();
export const msSince = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;

/** Run a command, throw with its stderr on failure. */
export function run(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return r.stdout;
}

/** `ip -batch` over lines; the file is written to a temp dir and removed. */
export function ipBatch(lines: string[], netns?: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'vping-bench-'));
  try {
    const f = join(dir, 'batch');
    writeFileSync(f, lines.join('\n') + '\n');
    run('ip', [...(netns ? ['-n', netns] : []), '-batch', f]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Namespaces whose names start with prefix, removed (bench teardown). */
export function removeNetnsWithPrefix(prefix: string): void {
  const names = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n').map((l) => l.split(' ')[0]).filter((n) => n && n.startsWith(prefix));
  if (names.length) ipBatch(names.map((n) => `netns del ${n}`));
}

export interface Row {
  name: string;
  ms: number;
  note?: string;
}

/** A table of times with the ratio of each row to a reference row. */
export function printRows(title: string, rows: Row[], refName: string): void {
  const ref = rows.find((r) => r.name === refName);
  const w = Math.max(...rows.map((r) => r.name.length), 10);
  process.stdout.write(`\n${title}\n`);
  process.stdout.write(`${'tool'.padEnd(w)}  ${'time ms'.padStart(10)}  ${`ratio to ${refName}`.padStart(18)}  note\n`);
  for (const r of rows) {
    const ratio = ref ? (r.ms / ref.ms).toFixed(3) : '-';
    process.stdout.write(`${r.name.padEnd(w)}  ${r.ms.toFixed(1).padStart(10)}  ${ratio.padStart(18)}  ${r.note ?? ''}\n`);
  }
}
