// The seed's walk-through done with the vping CLI alone, judged by ip; the bad-input
// contract (one line, exit 2, nothing left behind); faults (SIGKILL mid-way, concurrency).
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { describePriv, ipJson, ipNetnsNames, peer, removeNetns, uniq } from '../helpers/priv.js';
import { VPING, isOneLineError, vping } from '../helpers/cli.js';

const made: string[] = [];
afterAll(() => removeNetns(...made));
const nsName = (p: string) => {
  const n = uniq(p);
  made.push(n);
  return n;
};
const rootLinks = () => ipJson<{ ifname: string }[]>(['link']).map((l) => l.ifname).sort();

interface IpAddr { ifname: string; operstate: string; link_netnsid?: number; link_index?: number; ifindex: number; address: string; flags: string[]; addr_info: { family: string; local: string; prefixlen: number; tentative?: boolean }[] }

/** Wait until IPv6 DAD is over (no tentative address) so two views taken apart agree. */
function settle(ns: string): void {
  for (let i = 0; i < 100; i++) {
    const a = ipJson<IpAddr[]>(['-n', ns, 'addr']);
    if (!a.some((l) => l.addr_info.some((x) => x.tentative))) return;
    spawnSync('sleep', ['0.05']);
  }
}

describePriv('the seed with vping alone, judged by ip', () => {
  const ns1 = nsName('vps');
  const ns2 = nsName('vps');
  const t = uniq('t');
  const tap1 = `${t}a`;
  const tap2 = `${t}b`;
  const a1 = '10.77.168.1';
  const a2 = '10.77.168.2';

  it('builds it step by step as the tutorial does', () => {
    const steps = [
      ['link', 'add', tap1, 'type', 'veth', 'peer', 'name', tap2],
      ['netns', 'add', ns1],
      ['netns', 'add', ns2],
      ['link', 'set', tap1, 'netns', ns1],
      ['link', 'set', tap2, 'netns', ns2],
      ['-n', ns1, 'addr', 'add', 'local', `${a1}/24`, 'dev', tap1],
      ['-n', ns2, 'addr', 'add', 'local', `${a2}/24`, 'dev', tap2],
      ['-n', ns1, 'link', 'set', tap1, 'up'],
      ['-n', ns2, 'link', 'set', tap2, 'up'],
    ];
    for (const s of steps) {
      const r = vping(s);
      expect({ step: s.join(' '), status: r.status, stderr: r.stderr }).toEqual({ step: s.join(' '), status: 0, stderr: '' });
    }
    expect(ipNetnsNames()).toEqual(expect.arrayContaining([ns1, ns2]));
    expect(vping(['netns', 'list']).stdout.split('\n').map((l) => l.split(' ')[0])).toEqual(expect.arrayContaining([ns1, ns2]));
  });

  it('ip -j sees the names, addresses, prefixes, states and peers vping set', () => {
    const l1 = ipJson<IpAddr[]>(['-n', ns1, 'addr']).find((l) => l.ifname === tap1)!;
    const l2 = ipJson<IpAddr[]>(['-n', ns2, 'addr']).find((l) => l.ifname === tap2)!;
    expect(l1.flags).toContain('UP');
    expect(l2.flags).toContain('UP');
    expect(l1.operstate).toBe('UP');
    expect(l1.addr_info.find((a) => a.family === 'inet')).toMatchObject({ local: a1, prefixlen: 24 });
    expect(l2.addr_info.find((a) => a.family === 'inet')).toMatchObject({ local: a2, prefixlen: 24 });
    // each end's peer is the other end, in the other namespace
    expect(l1.link_index).toBe(l2.ifindex);
    expect(l2.link_index).toBe(l1.ifindex);
    expect(l1.link_netnsid).toBeDefined();
    // and vping's JSON view says the same as ip's
    const v1 = JSON.parse(vping(['-n', ns1, '-j', 'addr']).stdout) as IpAddr[];
    expect(v1.find((l) => l.ifname === tap1)).toMatchObject({ ifindex: l1.ifindex, link_index: l2.ifindex, address: l1.address, operstate: 'UP' });
  });

  it("vping's a view equals ip a line for line, in both namespaces", () => {
    for (const ns of [ns1, ns2]) {
      settle(ns);
      const theirs = peer('ip', ['-n', ns, 'a']);
      const ours = vping(['-n', ns, 'a']);
      expect(ours.status).toBe(0);
      expect(ours.stdout.split('\n')).toEqual(theirs.split('\n'));
      expect(vping(['-n', ns, 'link']).stdout.split('\n')).toEqual(peer('ip', ['-n', ns, 'link']).split('\n'));
    }
  });
});

describePriv('bad input: one line, exit 2, nothing left behind', () => {
  const ns = nsName('vpb');
  const t = uniq('b');

  it('each case', () => {
    expect(vping(['netns', 'add', ns]).status).toBe(0);
    // Other suites may make namespaces meanwhile: look only at names this test could make.
    const ours = (names: string[]) => names.filter((x) => x.includes(t) || x === ns || x === 'a' || x === '..' || x.startsWith('xxxx') || x.startsWith('nnnn')).sort();
    const snap = () => ({ ns: ours(ipNetnsNames()), links: ours(rootLinks()), nsLinks: ipJson<{ ifname: string }[]>(['-n', ns, 'link']).length });
    const before = snap();
    const cases: [string, string[], RegExp][] = [
      ['namespace name too long', ['netns', 'add', 'n'.repeat(256)], /namespace name/],
      ["namespace name with '/'", ['netns', 'add', 'a/b'], /contains '\/'/],
      ["namespace name '..'", ['netns', 'add', '..'], /not allowed/],
      ['empty namespace name', ['netns', 'add', ''], /empty/],
      ['namespace exists', ['netns', 'add', ns], /already exists/],
      ['missing namespace (-n)', ['-n', `${t}zz`, 'a'], /does not exist/],
      ['missing namespace (move)', ['link', 'set', 'lo', 'netns', `${t}zz`], /does not exist/],
      ['interface name too long', ['link', 'add', 'x'.repeat(16), 'type', 'veth', 'peer', 'name', `${t}p`], /16|15|too long/],
      ["interface name with '/'", ['link', 'add', 'a/b', 'type', 'veth', 'peer', 'name', `${t}p`], /'\/'|slash|invalid/],
      ['interface name ..', ['link', 'add', '..', 'type', 'veth', 'peer', 'name', `${t}p`], /invalid|not allowed/],
      ['empty interface name', ['link', 'add', '', 'type', 'veth', 'peer', 'name', `${t}p`], /empty|name/],
      ['veth peer with its own name', ['link', 'add', `${t}s`, 'type', 'veth', 'peer', 'name', `${t}s`], /own name/],
      ['missing interface', ['-n', ns, 'link', 'set', `${t}no`, 'up'], /Cannot find device/],
      ['missing interface (del)', ['link', 'del', `${t}no`], /Cannot find device/],
      ['missing interface (addr)', ['-n', ns, 'addr', 'add', '10.9.9.1/24', 'dev', `${t}no`], /Cannot find device/],
      ['malformed address', ['-n', ns, 'addr', 'add', '10.1.2.300/24', 'dev', 'lo'], /address/i],
      ['prefix > 32', ['-n', ns, 'addr', 'add', '10.1.2.3/33', 'dev', 'lo'], /prefix/i],
      ['prefix > 128', ['-n', ns, 'addr', 'add', 'fd00::1/129', 'dev', 'lo'], /prefix/i],
      ['unknown link verb', ['link', 'frob'], /unknown command/],
    ];
    for (const [what, args, msg] of cases) {
      const r = vping(args);
      expect({ what, oneLine: isOneLineError(r), stderr: r.stderr }).toEqual({ what, oneLine: true, stderr: expect.stringMatching(msg) });
    }
    expect(snap()).toEqual(before);
  });

  it('not root: one line naming the need, exit 2, nothing made', () => {
    const n = uniq('vpu');
    const before = ipNetnsNames().filter((x) => x.startsWith(n));
    for (const args of [['netns', 'add', n], ['lab', 'up', '--ns', `${n},${n}b`], ['link', 'add', `${n}`, 'type', 'veth', 'peer', 'name', `${n}p`]]) {
      const r = vping(args, { asUser: true });
      expect(isOneLineError(r)).toBe(true);
      expect(r.stderr).toMatch(/root/);
    }
    expect(ipNetnsNames().filter((x) => x.startsWith(n))).toEqual(before);
  });
});

describePriv('faults', () => {
  it('lab up killed with SIGKILL at each step leaves a state that lab down cleans completely', async () => {
    const steps = ['netns', 'veth', 'addr'];
    for (let k = 0; k < 6; k++) {
      const a = uniq('vpk');
      const b = `${a}b`;
      made.push(a, b);
      const linksBefore = rootLinks().filter((l) => l === 'tap1' || l === 'tap2');
      // A child that builds the lab with the library and SIGKILLs itself after step k.
      const script = `
        const { labUp } = await import(${JSON.stringify(new URL('../../dist/src/lab/lab.js', import.meta.url).href)});
        let n = 0;
        labUp({ ns: [${JSON.stringify(a)}, ${JSON.stringify(b)}], addrs: ['10.78.${k}.1/24', '10.78.${k}.2/24'] },
          { onStep: () => { if (n++ === ${k}) process.kill(process.pid, 'SIGKILL'); } });
      `;
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
      const killed = child.signal === 'SIGKILL';
      // past the last step the child finishes normally: the lab is simply up
      expect(killed || child.status === 0).toBe(true);
      const down = vping(['lab', 'down', '--ns', `${a},${b}`]);
      expect({ k, steps, status: down.status, stderr: down.stderr }).toEqual({ k, steps, status: 0, stderr: '' });
      expect(ipNetnsNames().filter((x) => x === a || x === b)).toEqual([]);
      expect(rootLinks().filter((l) => l === 'tap1' || l === 'tap2')).toEqual(linksBefore);
      expect(vping(['lab', 'status', '--ns', `${a},${b}`]).stdout).toMatch(/^lab absent/);
    }
  });

  it('two different labs brought up concurrently both succeed', async () => {
    const labs = [0, 1].map((i) => {
      const a = uniq('vpc');
      made.push(a, `${a}b`);
      return ['lab', 'up', '--ns', `${a},${a}b`, '--addrs', `10.79.${i}.1/24,10.79.${i}.2/24`];
    });
    const results = await Promise.all(labs.map((args) => new Promise<number | null>((res) => {
      const c = spawn(process.execPath, [VPING, ...args], { stdio: 'ignore' });
      c.on('exit', (code) => res(code));
    })));
    expect(results).toEqual([0, 0]);
    for (const args of labs) {
      const ns = args[3].split(',');
      expect(vping(['lab', 'status', '--ns', args[3], '--addrs', args[5]]).stdout).toMatch(/^lab up/);
      expect(vping(['lab', 'down', '--ns', args[3], '--addrs', args[5]]).status).toBe(0);
      expect(ipNetnsNames()).not.toContain(ns[0]);
    }
  });
});

describe('cli basics (no root needed)', () => {
  it('--help exits 0 and lists the commands', () => {
    const r = vping(['--help']);
    expect(r.status).toBe(0);
    for (const c of ['netns', 'link', 'addr', 'lab', 'ping', 'capture']) expect(r.stdout).toContain(c);
  });
  it('an unknown command is exit 2', () => {
    expect(vping(['frobnicate']).status).toBe(2);
  });
});

describePriv('the library on bad input leaks no descriptor', () => {
  it('open fds are the same before and after every refused call', async () => {
    const { addNetns, openNetns } = await import('../../src/ns/netns.js');
    const { Rtnl } = await import('../../src/link/rtnl.js');
    const { labUp } = await import('../../src/lab/lab.js');
    const { openFds } = await import('../../src/sys/fd.js');
    const ns = nsName('vpf');
    addNetns(ns);
    const before = openFds();
    const tries: (() => unknown)[] = [
      () => addNetns(ns),
      () => addNetns('a/b'),
      () => openNetns(`${ns}zz`),
      () => Rtnl.open(`${ns}zz`),
      () => { using rt = Rtnl.open(ns); rt.setLink('nosuchdev', { up: true }); },
      () => { using rt = Rtnl.open(ns); rt.addAddr('lo', '10.1.1.1/33'); },
      () => { using rt = Rtnl.open(ns); rt.createVeth({ name: 'lo', peer: 'x1', netns: ns }); },
      () => labUp({ ns: [ns, `${ns}b`] }), // conflicts: ns exists without the lab in it
    ];
    for (const f of tries) expect(f).toThrow();
    expect(openFds()).toEqual(before);
    expect(ipNetnsNames()).not.toContain(`${ns}b`);
  });
});

describePriv('vping demo (the README quick start)', () => {
  it("walks the seed: both ip a views and a ping each way with iputils' layout, and leaves nothing", () => {
    const a = uniq('vpd');
    made.push(a, `${a}b`);
    const t = uniq('d');
    const r = vping(['demo', '--ns', `${a},${a}b`, '--ifnames', `${t}a,${t}b`, '-c', '2', '-i', '0.05']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`\\d+: ${t}a@if\\d+: <BROADCAST,MULTICAST,UP,LOWER_UP>`));
    expect(r.stdout).toContain('inet 192.168.168.1/24 scope global');
    expect(r.stdout).toContain('PING 192.168.168.2 (192.168.168.2) 56(84) bytes of data.');
    expect(r.stdout).toContain('PING 192.168.168.1 (192.168.168.1) 56(84) bytes of data.');
    expect(r.stdout.match(/^2 packets transmitted, 2 received, 0% packet loss, time \d+ms$/gm)).toHaveLength(2);
    expect(r.stdout.match(/^rtt min\/avg\/max\/mdev = \d+\.\d{3}\/\d+\.\d{3}\/\d+\.\d{3}\/\d+\.\d{3} ms$/gm)).toHaveLength(2);
    expect(ipNetnsNames().filter((x) => x.startsWith(a))).toEqual([]);
    expect(rootLinks().filter((x) => x.startsWith(t))).toEqual([]);
  });
});

describePriv('vping lab ping', () => {
  it('pings both directions of every pair, with a report each, and agrees with ping on counts', () => {
    const a = uniq('vpl');
    made.push(a, `${a}b`, `${a}-1`, `${a}b-1`, `${a}-2`, `${a}b-2`);
    const lab = ['--ns', `${a},${a}b`, '--pairs', '2', '--addrs', '10.81.0.1/24,10.81.0.2/24'];
    expect(vping(['lab', 'up', ...lab]).status).toBe(0);
    try {
      const r = vping(['lab', 'ping', ...lab, '-c', '3', '-i', '0.02']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      for (const h of [`${a}-1 -> ${a}b-1`, `${a}b-1 -> ${a}-1`, `${a}-2 -> ${a}b-2`, `${a}b-2 -> ${a}-2`]) expect(r.stdout).toContain(`# ${h}`);
      for (const d of ['10.81.0.2', '10.81.0.1', '10.81.1.2', '10.81.1.1']) expect(r.stdout).toContain(`--- ${d} ping statistics ---`);
      expect(r.stdout.match(/^3 packets transmitted, 3 received, 0% packet loss/gm)).toHaveLength(4);
      // ping, the judge, gets the same from the same namespace
      expect(peer('ip', ['netns', 'exec', `${a}b-2`, 'ping', '-c', '3', '-i', '0.02', '10.81.1.1'])).toMatch(/3 packets transmitted, 3 received, 0% packet loss/);
      const j = JSON.parse(vping(['-j', 'lab', 'ping', ...lab, '-c', '2', '-i', '0.02']).stdout) as { pings: { pair: number; from_netns: string; lines: { received?: number }[] }[] };
      expect(j.pings.map((x) => [x.pair, x.from_netns, x.lines.at(-1)!.received])).toEqual([[1, `${a}-1`, 2], [1, `${a}b-1`, 2], [2, `${a}-2`, 2], [2, `${a}b-2`, 2]]);
    } finally {
      vping(['lab', 'down', ...lab]);
    }
  });
  it('a lab that does not exist: one line, exit 2', () => {
    const n = uniq('vpn');
    expect(isOneLineError(vping(['lab', 'ping', '--ns', `${n},${n}b`]))).toBe(true);
  });
});

describe('commander errors follow the same contract', () => {
  it('an unknown option or a missing argument: one line, exit 2', () => {
    for (const args of [['-n', 'x', 'ping', '--bogus', '1.2.3.4'], ['netns', 'add'], ['frob'], ['lab', 'up', '--nope']]) {
      const r = vping(args);
      expect({ args, ok: isOneLineError(r), stderr: r.stderr }).toEqual({ args, ok: true, stderr: expect.stringContaining('see vping --help') });
    }
  });
});

describePriv('lab up after a kill, at the same time, and under Ctrl-C', () => {
  const labArgs = (a: string, pairs: number, net: number): string[] => ['--ns', `${a},${a}b`, '--pairs', String(pairs), '--addrs', `10.${net}.0.1/24,10.${net}.0.2/24`];
  const names = (a: string, pairs: number): string[] => Array.from({ length: pairs }, (_, i) => [`${a}-${i + 1}`, `${a}b-${i + 1}`]).flat();

  it('a lab up killed mid-build is finished by the next lab up; status says partial with exit 1 before, up with 0 after', async () => {
    const a = uniq('vk');
    const args = labArgs(a, 30, 82);
    made.push(...names(a, 30));
    // kill it once some namespaces exist (the build itself is about 0.1 s here)
    const c = spawn(process.execPath, [VPING, 'lab', 'up', ...args], { stdio: 'ignore' });
    await new Promise<void>((res) => {
      const t = setInterval(() => {
        if (ipNetnsNames().some((n) => n.startsWith(`${a}-`))) {
          clearInterval(t);
          c.kill('SIGKILL');
          res();
        }
      }, 1);
    });
    await new Promise((res) => c.on('exit', res));
    const st = vping(['lab', 'status', ...args]);
    expect(st.stdout).toMatch(/^lab partial/);
    expect(st.status).toBe(1);
    const up = vping(['lab', 'up', ...args]);
    expect(up.stderr).toBe('');
    expect(up.status).toBe(0);
    const after = vping(['lab', 'status', ...args]);
    expect(after.stdout).toMatch(/^lab up \(30 pairs\)/);
    expect(after.status).toBe(0);
    expect(ipNetnsNames().filter((n) => n.startsWith(a)).sort()).toEqual(names(a, 30).sort());
    expect(vping(['lab', 'down', ...args]).status).toBe(0);
    expect(ipNetnsNames().filter((n) => n.startsWith(a))).toEqual([]);
  });

  it('two lab ups on the same names at once do not interleave: both succeed, one builds, the other finds it up', async () => {
    const a = uniq('vw');
    const args = labArgs(a, 10, 83);
    made.push(...names(a, 10));
    const run = () => new Promise<{ code: number | null; out: string; err: string }>((res) => {
      const c = spawn(process.execPath, [VPING, 'lab', 'up', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      c.stdout.on('data', (d: Buffer) => (out += d.toString()));
      c.stderr.on('data', (d: Buffer) => (err += d.toString()));
      c.on('close', (code) => res({ code, out, err }));
    });
    const rs = await Promise.all([run(), run()]);
    expect(rs.map((r) => [r.code, r.err])).toEqual([[0, ''], [0, '']]);
    expect(rs.map((r) => r.out.trim()).sort()).toEqual(['lab up: already up as asked (10 pairs); nothing changed', 'lab up: built 10 pairs of 10']);
    expect(vping(['lab', 'down', ...args]).status).toBe(0);
  });

  it('Ctrl-C during lab up: the build is finished first, said in one line, exit 130', async () => {
    const a = uniq('vi');
    const args = labArgs(a, 40, 84);
    made.push(...names(a, 40));
    const c = spawn(process.execPath, [VPING, 'lab', 'up', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise<void>((res) => {
      const t = setInterval(() => {
        if (ipNetnsNames().some((n) => n.startsWith(`${a}-`))) {
          clearInterval(t);
          c.kill('SIGINT');
          res();
        }
      }, 1);
    });
    const code = await new Promise<number | null>((res) => c.on('close', (x) => res(x)));
    expect(code).toBe(130);
    expect(err.trim()).toBe('vping: lab up: SIGINT came during the build; the lab was finished first (vping lab down removes it)');
    expect(vping(['lab', 'status', ...args]).status).toBe(0);
    expect(vping(['lab', 'down', ...args]).status).toBe(0);
  });
});

describePriv('every lab state has a way forward', () => {
  it('after demo --keep (lo left down): bench measures, status says partial (exit 1), lab up names --repair, which rebuilds it; lab down removes it', () => {
    const a = uniq('vdk');
    const t = uniq('k');
    made.push(a, `${a}b`);
    const lab = ['--ns', `${a},${a}b`, '--ifnames', `${t}a,${t}b`];
    expect(vping(['demo', ...lab, '--keep', '-c', '1', '-i', '0.05']).status).toBe(0);
    const b = vping(['bench', ...lab, '-c', '20', '--warmup', '2', '--modes', 'interval', '--dirs', 'ns1-ns2', '--no-progress']);
    expect(b.stderr).toBe('');
    expect(b.status).toBe(0);
    expect(b.stdout).toMatch(/ 1 {2}ns1-ns2 +56 {2}interval +20 +20 /);
    const st = vping(['lab', 'status', ...lab]);
    expect(st.status).toBe(1);
    expect(st.stdout).toMatch(/^lab partial/);
    const up = vping(['lab', 'up', ...lab]);
    expect(up.status).toBe(2);
    expect(up.stderr).toContain('"vping lab up --repair" builds it again');
    expect(vping(['lab', 'up', ...lab, '--repair']).status).toBe(0);
    expect(vping(['lab', 'status', ...lab]).status).toBe(0);
    expect(vping(['lab', 'down', ...lab]).status).toBe(0);
    expect(ipNetnsNames().filter((n) => n === a || n === `${a}b`)).toEqual([]);
  });
});
