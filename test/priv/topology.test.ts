// Topologies beyond one pair, built by `vping lab up --shape …|--topology FILE` and judged by
// the peers: a 3-router chain that iputils ping crosses end to end (and vping ping agrees on
// the counts; trace splits each echo hop by hop; bench measures between the ends), routes as ip -j route shows them, forwarding on in the routers; a star of five
// namespaces on one bridge (ip sees each port enslaved; leaves ping each other); a YAML file
// with a bridge, routes and an IPv6 address. Bad topologies are one line, exit 2, nothing
// made; `down` removes exactly what `up` made; `status` names what is missing (exit 1).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describePriv, ipJson, ipNetnsNames, peer, removeNetns, uniq } from '../helpers/priv.js';
import { isOneLineError, vping } from '../helpers/cli.js';

const p = uniq('t');
const dir = mkdtempSync(join(tmpdir(), 'vping-topo-'));
const chain = ['--shape', 'chain', '--hops', '3', '--name-prefix', `${p}c`];
const chainNs = [`${p}ch1`, `${p}cr1`, `${p}cr2`, `${p}cr3`, `${p}ch2`];
const star = ['--shape', 'star', '--leaves', '5', '--name-prefix', `${p}s`];
const starNs = [`${p}shub`, ...[1, 2, 3, 4, 5].map((i) => `${p}ss${i}`)];
afterAll(() => {
  removeNetns(...chainNs, ...starNs, `${p}fa`, `${p}fb`, `${p}fc`);
  rmSync(dir, { recursive: true, force: true });
});

describePriv('topologies', () => {
  it('a chain of 3 routers: ping crosses it end to end, as iputils ping does', () => {
    const up = vping(['lab', 'up', ...chain]);
    expect(up.stderr).toBe('');
    expect(up.stdout).toMatch(/is up: 5 namespaces, 4 links, 8 addresses, 8 routes/);
    expect(ipNetnsNames().filter((n) => chainNs.includes(n)).sort()).toEqual([...chainNs].sort());
    // the peer's view of the routes of the first router
    expect(ipJson<{ dst: string; gateway?: string }[]>(['-n', `${p}cr1`, 'route']).filter((r) => r.gateway).map((r) => `${r.dst} via ${r.gateway}`)).toEqual([
      '10.200.2.0/24 via 10.200.1.2', '10.200.3.0/24 via 10.200.1.2',
    ]);
    expect(peer('ip', ['netns', 'exec', `${p}cr2`, 'sysctl', '-n', 'net.ipv4.ip_forward']).trim()).toBe('1');
    const iputils = peer('ip', ['netns', 'exec', `${p}ch1`, 'ping', '-c', '5', '-i', '0.05', '10.200.3.2']);
    expect(iputils).toMatch(/5 packets transmitted, 5 received, 0% packet loss/);
    const v = vping(['-n', `${p}ch1`, 'ping', '-c', '5', '-i', '0.05', '10.200.3.2']);
    expect(v.stdout).toMatch(/5 packets transmitted, 5 received, 0% packet loss/);
    // and back, from the other end, by TTL: three routers took one each
    expect(vping(['-n', `${p}ch2`, 'ping', '-c', '1', '10.200.0.1']).stdout).toMatch(/ttl=61 /);
    // trace hop by hop: every leg of every echo, adding up to its RTT
    const tr = vping(['trace', ...chain, '-c', '4', '-i', '0.05', '-j']);
    expect(tr.stderr).toBe('');
    const tj = JSON.parse(tr.stdout) as { hops: number; sent: number; answered: number; complete: number; legs: string[]; echoes: { rtt_ns: number; legs_ns: number[] }[] };
    expect([tj.hops, tj.sent, tj.answered, tj.complete]).toEqual([3, 4, 4, 4]);
    expect(tj.legs).toHaveLength(2 + 4 * 4 - 1);
    expect(tj.legs).toContain(`forward in ${p}cr2`);
    expect(tj.legs).toContain(`turnaround in ${p}ch2`);
    for (const e of tj.echoes) expect(e.legs_ns.reduce((a, b) => a + b, 0)).toBe(e.rtt_ns);
    expect(vping(['trace', ...chain, '-c', '2', '-i', '0.05']).stdout).toMatch(/2 echoes sent, 2 answered, 2 seen at all 16 points/);
    // bench between the chain's ends
    const b = vping(['bench', ...chain, '-c', '30', '--warmup', '3', '--modes', 'interval', '--dirs', 'ns1-ns2', '--interval', '0.005', '--no-progress']);
    expect(b.stderr).toBe('');
    expect(b.stdout).toMatch(/ 1 {2}ns1-ns2 +56 {2}interval +30 +30 /);
    const st = vping(['lab', 'status', ...chain]);
    expect(st.status).toBe(0);
    expect(st.stdout).toMatch(/^topology chain of 3 routers: up\n/);
    // idempotent
    expect(vping(['lab', 'up', ...chain]).stdout).toMatch(/nothing changed/);
    // a link taken down: status names it, exit 1
    peer('ip', ['-n', `${p}cr2`, 'link', 'set', 'eth1', 'down']);
    const bad = vping(['lab', 'status', ...chain]);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain(`link       ${p}cr2:eth1 — ${p}cr3:eth0  (${p}cr2:eth1 is down)`);
    // up refuses to build over it, naming the way out
    const again = vping(['lab', 'up', ...chain]);
    expect(isOneLineError(again)).toBe(true);
    expect(again.stderr).toMatch(/already exist and the topology is not whole \(vping made them: vping lab down with the same topology removes them\)/);
    expect(vping(['lab', 'down', ...chain]).stdout).toMatch(/removed 5 namespaces/);
    expect(ipNetnsNames().filter((n) => chainNs.includes(n))).toEqual([]);
  });

  it('a star of five on one bridge: every port enslaved, the leaves reach each other', () => {
    expect(vping(['lab', 'up', ...star]).status).toBe(0);
    const ports = ipJson<{ ifname: string; master?: string }[]>(['-n', `${p}shub`, 'link']).filter((l) => /^p\d$/.test(l.ifname));
    expect(ports.map((l) => l.master)).toEqual(['br0', 'br0', 'br0', 'br0', 'br0']);
    expect(peer('ip', ['netns', 'exec', `${p}ss1`, 'ping', '-c', '2', '-i', '0.05', '10.201.0.5'])).toMatch(/2 received/);
    expect(vping(['-n', `${p}ss4`, 'ping', '-c', '2', '-i', '0.05', '10.201.0.2']).stdout).toMatch(/2 packets transmitted, 2 received/);
    expect(vping(['lab', 'status', ...star]).status).toBe(0);
    expect(vping(['lab', 'down', ...star]).status).toBe(0);
    expect(ipNetnsNames().filter((n) => starNs.includes(n))).toEqual([]);
  });

  it('a topology file: a bridge in the middle, routes, IPv6', () => {
    const f = join(dir, 'topo.yml');
    writeFileSync(f, [
      'name: file test',
      `namespaces: [${p}fa, ${p}fb, ${p}fc]`,
      'links:',
      `  - [${p}fa:eth0, ${p}fb:pa]`,
      `  - { a: ${p}fc:eth0, b: ${p}fb:pc, mtu: 1400 }`,
      'bridges:',
      `  - { ns: ${p}fb, name: br0, ports: [pa, pc] }`,
      'addresses:',
      `  ${p}fa:eth0: [10.202.0.1/24, fd02::1/64]`,
      `  ${p}fc:eth0: 10.202.0.3/24`,
      'routes:',
      `  ${p}fa: [ "10.250.0.0/16 via 10.202.0.3 metric 5" ]`,
      '',
    ].join('\n'));
    const up = vping(['lab', 'up', '--topology', f]);
    expect(up.stderr).toBe('');
    expect(ipJson<{ dst: string; gateway?: string; metric?: number }[]>(['-n', `${p}fa`, 'route']).find((r) => r.dst === '10.250.0.0/16')).toEqual({ dst: '10.250.0.0/16', gateway: '10.202.0.3', dev: 'eth0', metric: 5, flags: [] });
    expect(ipJson<{ mtu: number }[]>(['-n', `${p}fc`, 'link', 'show', 'eth0'])[0].mtu).toBe(1400);
    expect(peer('ip', ['netns', 'exec', `${p}fa`, 'ping', '-c', '1', '10.202.0.3'])).toMatch(/1 received/);
    expect(vping(['lab', 'status', '--topology', f]).status).toBe(0);
    expect(vping(['lab', 'down', '--topology', f]).status).toBe(0);
  });

  it('bad topologies: one line, exit 2, nothing made', () => {
    const cases: [string, RegExp][] = [
      [`namespaces: [${p}x1, ${p}x2, ${p}x3]\nlinks: [[${p}x1:a, ${p}x2:a], [${p}x2:b, ${p}x3:a], [${p}x3:b, ${p}x1:b]]\n`, /closes a cycle/],
      [`namespaces: [${p}x1, ${p}x1]\n`, /listed twice/],
      [`namespaces: [${p}x1, ${p}x2]\nlinks: [[${p}x1:a, ${p}x2:a]]\naddresses: { ${p}x1:a: 10.203.0.1/24, ${p}x2:a: 10.203.0.1/24 }\n`, /address 10\.203\.0\.1 is on both/],
      [`namespaces: [${p}x1, ${p}x2]\nlinks: [[${p}x1:a, ${p}x2:a]]\naddresses: { ${p}x1:a: 10.203.0.1/24 }\nroutes: { ${p}x1: ["default via 10.99.0.1"] }\n`, /gateway 10\.99\.0\.1 is on none of .*'s subnets \(unreachable\)/],
      [`namespaces: [${p}x1]\nlinkz: []\n`, /unknown key "linkz"/],
      [`namespaces: [${p}x1, ${p}x2]\nlinks: [[${p}x1:a, ${p}x9:a]]\n`, /namespace ".*x9" is not in namespaces/],
    ];
    for (const [text, re] of cases) {
      const f = join(dir, 'bad.yml');
      writeFileSync(f, text);
      const r = vping(['lab', 'up', '--topology', f]);
      expect(r.stderr, text).toMatch(re);
      expect(isOneLineError(r), r.stderr).toBe(true);
    }
    expect(ipNetnsNames().filter((n) => n.startsWith(`${p}x`))).toEqual([]);
    // a build that fails half-way (the namespaces made, then a link with an MTU out of range) is rolled back
    const f = join(dir, 'fail.yml');
    writeFileSync(f, `namespaces: [${p}x1, ${p}x2]\nlinks: [{ a: ${p}x1:a, b: ${p}x2:a, mtu: 70000 }]\n`);
    const r = vping(['lab', 'up', '--topology', f]);
    expect(isOneLineError(r), r.stderr).toBe(true);
    expect(ipNetnsNames().filter((n) => n.startsWith(`${p}x`))).toEqual([]);
  });
});
