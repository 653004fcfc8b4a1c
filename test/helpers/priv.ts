// Privileged tests: they need root (namespaces, netlink writes, raw sockets). Without
// root they are skipped with a reason printed once; with CI=true a skip is a failure.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { describe } from 'vitest';

export const isRoot = process.geteuid?.() === 0;
export const inCI = process.env.CI === 'true';

if (!isRoot && inCI) throw new Error('CI=true but not running as root: the privileged tier may not be skipped');

let told = false;
/** describe() that runs only as root; skipped, saying why, otherwise. */
export const describePriv: typeof describe = ((name: string, fn: () => void) => {
  if (!isRoot && !told) {
    told = true;
    process.stderr.write('vping tests: not root, so the privileged tier (namespaces, netlink, sockets, capture) is SKIPPED\n');
  }
  return isRoot ? describe(name, fn) : describe.skip(`${name} [skipped: needs root]`, fn);
}) as typeof describe;

/** A name unique to this run: `prefix` + 6 hex digits, short enough for an interface (15 bytes). */
export function uniq(prefix: string): string {
  return `${prefix}${randomBytes(3).toString('hex')}`;
}

/** Run a peer tool (ip, ping, tcpdump) as a judge; returns stdout. */
export function peer(cmd: string, args: string[], opts: { input?: string; timeout?: number } = {}): string {
  return execFileSync(cmd, args, { encoding: 'utf8', timeout: opts.timeout ?? 30_000, input: opts.input, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** `ip -j ...` parsed. */
export function ipJson<T = unknown>(args: string[]): T {
  const out = peer('ip', ['-j', ...args]).trim();
  return (out ? JSON.parse(out) : []) as T;
}

/** Namespace names as `ip netns list` shows them. */
export function ipNetnsNames(): string[] {
  return peer('ip', ['netns', 'list']).split('\n').filter(Boolean).map((l) => l.split(' ')[0]);
}

/** Best-effort removal of namespaces (teardown): deleting a namespace frees its veth ends. */
export function removeNetns(...names: string[]): void {
  for (const n of names) {
    try {
      execFileSync('ip', ['netns', 'del', n], { stdio: 'ignore' });
    } catch {
      /* not there */
    }
    // and the mark vping's lab left for it (lab up marks what it makes)
    rmSync(`/run/vping/netns/${n}`, { force: true });
    rmSync(`/run/vping/netns/${n}.tmp`, { force: true });
  }
}
