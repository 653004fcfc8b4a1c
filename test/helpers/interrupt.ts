// Run the built CLI and stop it with a signal, as a user's Ctrl-C would.
import { spawn } from 'node:child_process';
import { VPING, type CliResult } from './cli.js';

/**
 * Start `vping …args`, send `sig` once `ready(stdout)` holds (or after `afterMs` when none is
 * given), and collect what it printed and how it ended.
 */
export function interrupted(args: string[], o: { ready?: (out: string) => boolean; afterMs?: number; sig?: NodeJS.Signals; timeout?: number }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VPING, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    const send = (): void => {
      if (sent) return;
      sent = true;
      child.kill(o.sig ?? 'SIGINT');
    };
    const guard = setTimeout(() => child.kill('SIGKILL'), o.timeout ?? 60_000);
    const timer = o.ready ? null : setTimeout(send, o.afterMs ?? 1000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (o.ready?.(stdout)) send();
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(guard);
      if (timer) clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}
