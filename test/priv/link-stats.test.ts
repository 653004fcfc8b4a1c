// `vping -s link` and `vping -s a`: the RX/TX counters as `ip -s` prints them, text (column
// widths that follow the numbers) and JSON. The namespace carries no traffic of its own
// (IPv6 off: no router solicitations moving the counters) besides the pings the test sends
// across its pair, so the two tools, run one after the other, see the same counts.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describePriv, isRoot, peer, removeNetns, uniq } from '../helpers/priv.js';
import { vping } from '../helpers/cli.js';

const ns = uniq('vst');

beforeAll(() => {
  if (!isRoot) return;
  peer('ip', ['netns', 'add', ns]);
  peer('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  peer('ip', ['-n', ns, 'link', 'add', 'sa', 'type', 'veth', 'peer', 'name', 'sb']);
  peer('ip', ['-n', ns, 'addr', 'add', '10.216.0.1/24', 'dev', 'sa']);
  for (const d of ['lo', 'sa', 'sb']) peer('ip', ['-n', ns, 'link', 'set', d, 'up']);
  // enough traffic for wide numbers on lo: 1,000 echoes of 1,400 bytes (well over 1 MB each way)
  peer('ip', ['netns', 'exec', ns, 'ping', '-q', '-f', '-c', '1000', '-s', '1400', '127.0.0.1']);
});
afterAll(() => removeNetns(ns));

describePriv('-s statistics', () => {
  it('link and addr, text and JSON, as ip -s prints them', () => {
    for (const args of [['link'], ['link', 'show', 'lo'], ['a'], ['a', 'show', 'dev', 'sa'], ['-j', 'link'], ['-j', 'a']]) {
      const v = vping(['-n', ns, '-s', ...args]);
      expect(v.stderr).toBe('');
      expect(v.stdout, args.join(' ')).toBe(peer('ip', ['-n', ns, '-s', ...args]));
    }
    const lo = JSON.parse(vping(['-n', ns, '-s', '-j', 'link', 'show', 'lo']).stdout) as { stats64: { rx: { packets: number; bytes: number } } }[];
    expect(lo[0].stats64.rx.packets).toBeGreaterThanOrEqual(2000);
    expect(lo[0].stats64.rx.bytes).toBeGreaterThan(2_000_000);
    // without -s, no counters
    expect(vping(['-n', ns, 'link', 'show', 'lo']).stdout).not.toContain('RX:');
  });
});
