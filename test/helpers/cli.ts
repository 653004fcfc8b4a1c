// Run the built CLI (dist/bin/vping.js) as a user would, and read what it printed.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const VPING = fileURLToPath(new URL('../../dist/bin/vping.js', import.meta.url));

export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `vping ...args`; `asUser` runs it unprivileged (uid/gid 65534, no groups) through setpriv. */
export function vping(args: string[], opts: { asUser?: boolean; timeout?: number; env?: Record<string, string> } = {}): CliResult {
  const cmd = opts.asUser ? 'setpriv' : process.execPath;
  const argv = opts.asUser
    ? ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', process.execPath, VPING, ...args]
    : [VPING, ...args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: opts.timeout ?? 60_000, env: { ...process.env, ...opts.env } });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** The error contract: exit status 2 and exactly one line on stderr, `vping: ...`. */
export function isOneLineError(r: CliResult): boolean {
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  return r.status === 2 && lines.length === 1 && lines[0].startsWith('vping: ');
}
