// Ping as a user, as iputils does it: where net.ipv4.ping_group_range admits the user, an
// ICMP datagram socket (the kernel owns the echo id, hands back ICMP without the IPv4
// header, the TTL in a control message); iputils' limits for users; otherwise one line.
// The user runs inside a namespace this test makes (its own ping_group_range), pinging its
// own loopback: ip netns exec as root, then setpriv to uid 65534 with no capabilities.
import { spawnSync } from 'node:child_process';
import { afterAll, expect, it } from 'vitest';
import { describePriv, removeNetns, uniq } from '../helpers/priv.js';
import { VPING } from '../helpers/cli.js';

const ns = uniq('vu');
afterAll(() => removeNetns(ns));

function asUser(cmd: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('ip', ['netns', 'exec', ns, 'setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', ...cmd], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const range = (v: string) => spawnSync('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', `net.ipv4.ping_group_range=${v}`]).status;

describePriv('ping without privileges', () => {
  it('refused by ping_group_range: one line that names the range, exit 2', () => {
    expect(spawnSync('ip', ['netns', 'add', ns]).status).toBe(0);
    expect(spawnSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']).status).toBe(0);
    expect(range('1 0')).toBe(0);
    const r = asUser([process.execPath, VPING, 'ping', '-c', '1', '127.0.0.1']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('vping: ping needs root (CAP_NET_RAW) or a group in net.ipv4.ping_group_range (now 1 0): Permission denied');
    // (iputils' /bin/ping is not a judge here: its file capability cap_net_raw gives it a raw socket)
  });

  it('admitted by ping_group_range: the datagram socket, the same lines and counts as iputils ping (v4 with ttl, and v6)', () => {
    expect(range('0 2147483647')).toBe(0);
    for (const dst of ['127.0.0.1', '::1']) {
      const v = asUser([process.execPath, VPING, 'ping', '-c', '3', '-i', '0.2', dst]);
      const p = asUser(['ping', '-c', '3', '-i', '0.2', dst]);
      expect(v.stderr).toBe('');
      expect(v.status).toBe(0);
      expect(p.status).toBe(0);
      const shape = (out: string) => out.split('\n').map((l) => l.replace(/time=[\d.]+ ms/, 'time=T').replace(/time \d+ms/, 'time Nms').replace(/= [\d./]+ ms/, '= R ms'));
      expect(shape(v.stdout)).toEqual(shape(p.stdout));
      expect(v.stdout).toMatch(new RegExp(`64 bytes from ${dst.replace(/\./g, '\\.')}: icmp_seq=3 ttl=64 time=`));
    }
  });

  it("iputils' limits for users: no flood, no interval under 2 ms, preload at most 3, no namespace", () => {
    const cases: [string[], string][] = [
      [['-f', '-c', '3'], 'vping: cannot flood; minimal interval allowed for user is 2ms'],
      [['-i', '0.001', '-c', '3'], 'vping: cannot flood; minimal interval allowed for user is 2ms'],
      [['-l', '4', '-c', '3'], 'vping: cannot set preload to value greater than 3: 4'],
    ];
    for (const [args, msg] of cases) {
      const r = asUser([process.execPath, VPING, 'ping', ...args, '127.0.0.1']);
      expect(r.status).toBe(2);
      expect(r.stderr.trim()).toBe(msg);
    }
    const n = asUser([process.execPath, VPING, '-n', ns, 'ping', '-c', '1', '127.0.0.1']);
    expect(n.status).toBe(2);
    expect(n.stderr.trim()).toBe(`vping: entering namespace ${ns} needs root (CAP_SYS_ADMIN): run it as root, e.g. with sudo`);
  });
});
