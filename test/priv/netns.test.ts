// Named namespaces made by vping are the ones `ip netns` sees, and the other way round.
import { execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import {
  addNetns, currentNetns, delNetns, existsNetns, identifyPid, isNetnsMounted, listNetnsNames, openNetns, withNetns,
} from '../../src/ns/netns.js';
import { openFds } from '../../src/sys/fd.js';
import { describePriv, ipNetnsNames, peer, removeNetns, uniq } from '../helpers/priv.js';

const made: string[] = [];
const name = (p = 'vpns') => {
  const n = uniq(p);
  made.push(n);
  return n;
};
afterEach(() => removeNetns(...made.splice(0)));

describePriv('named namespaces (iproute2-compatible)', () => {
  it('add: ip netns list sees it; del: gone, with no fd left open', () => {
    const fds = openFds();
    const n = name();
    addNetns(n);
    expect(ipNetnsNames()).toContain(n);
    expect(existsNetns(n)).toBe(true);
    expect(isNetnsMounted(n)).toBe(true);
    expect(listNetnsNames()).toContain(n);
    delNetns(n);
    expect(ipNetnsNames()).not.toContain(n);
    expect(openFds()).toEqual(fds);
  });

  it('sees namespaces made by ip netns add, and ip can use the ones vping made', () => {
    const a = name();
    peer('ip', ['netns', 'add', a]);
    expect(listNetnsNames()).toContain(a);
    const b = name();
    addNetns(b);
    const out = peer('ip', ['-n', b, '-br', 'link']);
    expect(out).toMatch(/^lo\s+DOWN/m);
  });

  it('a new namespace is really new: only lo, down', () => {
    const n = name();
    addNetns(n);
    const links = withNetns(n, () => execFileSync('ip', ['-j', 'link'], { encoding: 'utf8' }));
    const parsed = JSON.parse(links) as { ifname: string; operstate: string }[];
    expect(parsed.map((l) => l.ifname)).toEqual(['lo']);
  });

  it('withNetns switches only for the call and always comes back, also when fn throws', () => {
    const n = name();
    addNetns(n);
    const home = execFileSync('readlink', ['/proc/thread-self/ns/net'], { encoding: 'utf8' });
    const inside = withNetns(n, () => execFileSync('readlink', ['/proc/thread-self/ns/net'], { encoding: 'utf8' }));
    expect(inside).not.toBe(home);
    expect(() => withNetns(n, () => { throw new Error('boom'); })).toThrow('boom');
    expect(execFileSync('readlink', ['/proc/thread-self/ns/net'], { encoding: 'utf8' })).toBe(home);
  });

  it('withNetns refuses a function that returns a promise, and still comes back', () => {
    const n = name();
    addNetns(n);
    using before = currentNetns();
    expect(() => withNetns(n, async () => 1)).toThrow(/synchronously/);
    using after = currentNetns();
    const ino = (fd: number) => readlinkSync(`/proc/self/fd/${fd}`);
    expect(ino(after.fd)).toBe(ino(before.fd));
  });

  it('identify finds the names of the namespace a process lives in', () => {
    const n = name();
    addNetns(n);
    // the test process itself lives in the root namespace, which has no name here
    expect(identifyPid('self')).not.toContain(n);
    // a process started inside the namespace is identified by vping as ip does
    const sleeper = execFileSync('sh', ['-c', `ip netns exec ${n} sleep 5 >/dev/null 2>&1 & echo $!`], { encoding: 'utf8' }).trim();
    try {
      // give ip netns exec a moment to setns and exec sleep
      let got: string[] = [];
      for (let i = 0; i < 50 && got.length === 0; i++) {
        got = identifyPid(Number(sleeper));
        if (got.length === 0) execFileSync('sleep', ['0.02']);
      }
      expect(got).toEqual([n]);
      expect(peer('ip', ['netns', 'identify', sleeper]).trim()).toBe(n);
    } finally {
      process.kill(Number(sleeper));
    }
  });

  it('errors: existing name, missing name, bad names — each a clear VpingError and nothing left', () => {
    const n = name();
    addNetns(n);
    expect(() => addNetns(n)).toThrow(/already exists/);
    expect(ipNetnsNames().filter((x) => x === n)).toHaveLength(1);
    const missing = uniq('vpmiss');
    expect(() => openNetns(missing)).toThrow(`namespace "${missing}" does not exist`);
    expect(() => delNetns(missing)).toThrow(/does not exist/);
    for (const bad of ['', '.', '..', 'a/b', 'x'.repeat(256)]) {
      expect(() => addNetns(bad)).toThrow(/invalid namespace name/);
    }
    expect(ipNetnsNames().filter((x) => x.startsWith('vpmiss'))).toEqual([]);
  });

  it('del removes a stale /run/netns file left by a killed add (not a mount point)', () => {
    const n = name();
    execFileSync('sh', ['-c', `mkdir -p /run/netns && : > /run/netns/${n}`]);
    expect(isNetnsMounted(n)).toBe(false);
    delNetns(n);
    expect(existsNetns(n)).toBe(false);
  });
});
