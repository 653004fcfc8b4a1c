// A name in /run/netns that is not a network namespace: a symbolic link planted there, a
// plain file (what a killed `ip netns add` leaves), another kind of namespace bound there.
// Each gets one line that says what the file is, exit 2, and nothing happens in it.
import { spawnSync } from 'node:child_process';
import { rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { describePriv, uniq } from '../helpers/priv.js';
import { isOneLineError, vping } from '../helpers/cli.js';

const made: string[] = [];
afterEach(() => {
  for (const p of made.splice(0)) {
    spawnSync('umount', [p]);
    rmSync(p, { force: true });
  }
});

describePriv('names in /run/netns that are not network namespaces', () => {
  it('a symbolic link (to PID 1\'s namespace) is refused, not followed', () => {
    const n = uniq('vl');
    symlinkSync('/proc/1/ns/net', `/run/netns/${n}`);
    made.push(`/run/netns/${n}`);
    const r = vping(['-n', n, 'a']);
    expect(isOneLineError(r)).toBe(true);
    expect(r.stderr.trim()).toBe(`vping: namespace "${n}": /run/netns/${n} is a symbolic link (to /proc/1/ns/net); refusing`);
    expect(r.stdout).toBe('');
  });

  it('a plain file is not a namespace', () => {
    const n = uniq('vf');
    writeFileSync(`/run/netns/${n}`, '');
    made.push(`/run/netns/${n}`);
    const r = vping(['-n', n, 'ping', '-c', '1', '127.0.0.1']);
    expect(isOneLineError(r)).toBe(true);
    expect(r.stderr.trim()).toBe(`vping: namespace "${n}" (/run/netns/${n}) is not a network namespace (not a namespace file at all)`);
  });

  it('a UTS namespace bound there is named for what it is', () => {
    const n = uniq('vu');
    const p = `/run/netns/${n}`;
    writeFileSync(p, '');
    made.push(p);
    expect(spawnSync('mount', ['--bind', '/proc/self/ns/uts', p]).status).toBe(0);
    const r = vping(['-n', n, 'link']);
    expect(isOneLineError(r)).toBe(true);
    expect(r.stderr.trim()).toBe(`vping: namespace "${n}" (/run/netns/${n}) is a UTS namespace, not a network namespace`);
  });
});
