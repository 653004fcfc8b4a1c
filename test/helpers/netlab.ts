// A throw-away lab for privileged tests of the ICMP engine and capture: two fresh
// namespaces joined by a veth pair, addressed and up. Built with `ip` (a test fixture,
// not the product) so those tests do not depend on vping's own netlink code; the lab
// tests check that code against `ip` separately.
import { execFileSync } from 'node:child_process';
import { removeNetns, uniq } from './priv.js';

export interface TestPair {
  ns1: string;
  ns2: string;
  if1: string;
  if2: string;
  addr1: string;
  addr2: string;
  prefix: number;
  /** Remove both namespaces (and so the pair). Safe to call twice. */
  destroy(): void;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

let subnet = 0;

/**
 * Wait until dev in ns reports operstate `want` (UP by default). The kernel sets carrier through
 * its link watch, a moment after both ends are up or one goes down (up to a second on a busy
 * machine); a test that compares ip's view with vping's, or sends at once, must not race it.
 * `ns` is a name in /run/netns or a path to a namespace file.
 */
export function waitOper(ns: string, dev: string, want = 'UP'): void {
  const nap = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; ; i++) {
    const show = ['-j', 'link', 'show', 'dev', dev];
    // ip -n takes only names
    const [cmd, args] = ns.startsWith('/') ? ['nsenter', [`--net=${ns}`, 'ip', ...show]] : ['ip', ['-n', ns, ...show]];
    const out = execFileSync(cmd, args, { encoding: 'utf8' });
    const [l] = JSON.parse(out) as { operstate: string }[];
    if (l.operstate === want) return;
    if (i === 300) throw new Error(`${ns}:${dev}: operstate ${l.operstate} after 3 s`);
    Atomics.wait(nap, 0, 0, 10);
  }
}

/**
 * Make ns1/ns2 (unique names), veth if1/if2, addresses 10.R.S.1/24 and .2/24 (private,
 * and only ever inside these namespaces), lo up in both. `v6` adds fd00::1/64 and ::2 with
 * nodad so IPv6 is usable at once.
 */
export function makePair(opts: { v6?: boolean } = {}): TestPair {
  const tag = uniq('');
  const ns1 = `vt${tag}a`;
  const ns2 = `vt${tag}b`;
  const if1 = `v${tag}a`;
  const if2 = `v${tag}b`;
  const s = (subnet++ % 250) + 1;
  const r = (process.pid % 200) + 20;
  const addr1 = `10.${r}.${s}.1`;
  const addr2 = `10.${r}.${s}.2`;
  const destroy = () => removeNetns(ns1, ns2);
  try {
    ip('netns', 'add', ns1);
    ip('netns', 'add', ns2);
    ip('link', 'add', if1, 'netns', ns1, 'type', 'veth', 'peer', 'name', if2, 'netns', ns2);
    ip('-n', ns1, 'addr', 'add', `${addr1}/24`, 'dev', if1);
    ip('-n', ns2, 'addr', 'add', `${addr2}/24`, 'dev', if2);
    if (opts.v6) {
      ip('-n', ns1, 'addr', 'add', 'fd00:76::1/64', 'dev', if1, 'nodad');
      ip('-n', ns2, 'addr', 'add', 'fd00:76::2/64', 'dev', if2, 'nodad');
    }
    for (const [ns, dev] of [[ns1, if1], [ns2, if2]]) {
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'link', 'set', dev, 'up');
    }
    for (const [ns, dev] of [[ns1, if1], [ns2, if2]]) waitOper(ns, dev);
  } catch (e) {
    destroy();
    throw e;
  }
  return { ns1, ns2, if1, if2, addr1, addr2, prefix: 24, destroy };
}
