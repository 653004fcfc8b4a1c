// vping ping against iputils ping on the same veth, in the same test: counts, loss, exit
// status and the lines both print. Every namespace here is made by the test and removed in
// afterAll. The CLI is the compiled one (built in beforeAll).
import { spawnSync, execFile, execFileSync, spawn } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describePriv, removeNetns, uniq } from '../helpers/priv.js';
import { makePair, type TestPair } from '../helpers/netlab.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const VPING = `${ROOT}dist/bin/vping.js`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], opts: { uid?: number; timeout?: number } = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: opts.timeout ?? 60_000, uid: opts.uid, gid: opts.uid }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
const vping = (ns: string, args: string[]) => run('node', [VPING, '-n', ns, 'ping', ...args]);
const iputils = (ns: string, args: string[]) => run('ip', ['netns', 'exec', ns, 'ping', ...args]);

interface Summary {
  tx: number;
  rx: number;
  dups: number;
  errors: number;
  loss: string;
}
function summary(out: string): Summary {
  const m = /(\d+) packets transmitted, (\d+) received(?:, \+(\d+) duplicates)?(?:, \+\d+ corrupted)?(?:, \+(\d+) errors)?, ([\d.e+-]+)% packet loss/.exec(out);
  if (!m) throw new Error(`no statistics line in:\n${out}`);
  return { tx: +m[1], rx: +m[2], dups: +(m[3] ?? 0), errors: +(m[4] ?? 0), loss: m[5] };
}
/** Reply/error lines with the numbers that legitimately differ (time=) masked. */
const shape = (out: string) =>
  out.split('\n').filter((l) => /bytes from|^From /.test(l)).map((l) => l.replace(/time=[\d.]+ ms/, 'time=T ms'));

let pair: TestPair;

describePriv('vping ping against iputils ping on one veth pair', () => {
  beforeAll(() => {
    pair = makePair({ v6: true });
  });
  afterAll(() => pair?.destroy());

  it('-c 3 at the default interval (one second, as the tutorial pings): same counts and lines, exit 0', async () => {
    const args = ['-c', '3', pair.addr2];
    const [v, p] = [await vping(pair.ns1, args), await iputils(pair.ns1, args)];
    expect(v.stderr ?? '').toBe('');
    expect([v.code, p.code]).toEqual([0, 0]);
    expect(summary(v.stdout)).toEqual(summary(p.stdout));
    expect(shape(v.stdout)).toEqual(shape(p.stdout));
  });

  it('a reader that goes away (| head -1) ends it quietly, as ping: no stack trace', () => {
    const r = spawnSync('sh', ['-c', `node ${VPING} -n ${pair.ns1} ping -c 200 -i 0.002 ${pair.addr2} | head -1`], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stdout.split('\n')[0]).toMatch(/^PING /);
    expect(r.stderr).toBe('');
  });

  it('-c 5: same counts, same reply lines, exit 0', async () => {
    const args = ['-c', '5', '-i', '0.2', pair.addr2];
    const [v, p] = [await vping(pair.ns1, args), await iputils(pair.ns1, args)];
    expect(v.code).toBe(0);
    expect(p.code).toBe(0);
    expect(summary(v.stdout)).toEqual(summary(p.stdout));
    expect(shape(v.stdout)).toEqual(shape(p.stdout));
    expect(v.stdout.split('\n')[0]).toBe(p.stdout.split('\n')[0]);
    expect(v.stdout).toMatch(/\nrtt min\/avg\/max\/mdev = \d+\.\d{3}\/\d+\.\d{3}\/\d+\.\d{3}\/\d+\.\d{3} ms\n$/);
  });

  it('-c 50 -i 0.01: same counts', async () => {
    const args = ['-c', '50', '-i', '0.01', pair.addr2];
    const [v, p] = [await vping(pair.ns1, args), await iputils(pair.ns1, args)];
    expect(summary(v.stdout)).toEqual(summary(p.stdout));
    expect(summary(v.stdout)).toMatchObject({ tx: 50, rx: 50, loss: '0' });
    expect(shape(v.stdout)).toEqual(shape(p.stdout));
  });

  it('-f -c 5000: same counts, dots and backspaces, ipg/ewma in the rtt line', async () => {
    const args = ['-f', '-c', '5000', pair.addr2];
    const [v, p] = [await vping(pair.ns1, args), await iputils(pair.ns1, args)];
    expect(summary(v.stdout)).toEqual(summary(p.stdout));
    expect(summary(v.stdout)).toMatchObject({ tx: 5000, rx: 5000 });
    for (const out of [v.stdout, p.stdout]) {
      expect(out.split('.').length - 1).toBeGreaterThanOrEqual(5000);
      expect(out.split('\b \b').length - 1).toBe(5000);
      expect(out).toMatch(/ms, ipg\/ewma \d+\.\d{3}\/\d+\.\d{3} ms\n$/);
    }
  });

  it('-s 0: no time= field and no rtt line, byte for byte apart from the time figure', async () => {
    const args = ['-c', '3', '-i', '0.2', '-s', '0', pair.addr2];
    const [v, p] = [await vping(pair.ns1, args), await iputils(pair.ns1, args)];
    expect(summary(v.stdout)).toEqual(summary(p.stdout));
    const mask = (s: string) => s.replace(/time \d+ms/, 'time Nms');
    expect(mask(v.stdout)).toBe(mask(p.stdout));
    expect(v.stdout).not.toContain('time=');
    expect(v.stdout.endsWith('ms\n\n')).toBe(true);
  });

  for (const size of ['1472', '8000']) {
    it(`-s ${size}: same counts and byte counts (${size === '8000' ? 'fragmented' : 'one full frame'})`, async () => {
      const args = ['-c', '3', '-i', '0.2', '-s', size, pair.addr2];
      const [v, p] = [await vping(pair.ns1, args), await iputils(pair.ns1, args)];
      expect(summary(v.stdout)).toEqual(summary(p.stdout));
      expect(summary(v.stdout).rx).toBe(3);
      expect(shape(v.stdout)).toEqual(shape(p.stdout));
      expect(v.stdout).toContain(`${Number(size) + 8} bytes from ${pair.addr2}: icmp_seq=3 ttl=64 time=`);
    });
  }

  it('no host on the subnet: 100% loss, exit 1, "Destination Host Unreachable" lines as ping prints them', async () => {
    const base = pair.addr2.replace(/\.2$/, '');
    const [v, p] = await Promise.all([
      vping(pair.ns1, ['-c', '3', '-i', '0.5', `${base}.77`]),
      iputils(pair.ns1, ['-c', '3', '-i', '0.5', `${base}.78`]),
    ]);
    expect(v.code).toBe(1);
    expect(p.code).toBe(1);
    const sv = summary(v.stdout);
    expect(sv).toEqual(summary(p.stdout));
    expect(sv).toMatchObject({ tx: 3, rx: 0, errors: 3, loss: '100' });
    expect(shape(v.stdout)).toEqual(shape(p.stdout));
    expect(shape(v.stdout)).toEqual([1, 2, 3].map((n) => `From ${pair.addr1} icmp_seq=${n} Destination Host Unreachable`));
  });

  it('-w 2: the deadline ends both runs with the same counts (±1 probe in flight at the edge)', async () => {
    const args = ['-w', '2', '-i', '0.2', pair.addr2];
    const [v, p] = await Promise.all([vping(pair.ns1, args), iputils(pair.ns1, args)]);
    expect(v.code).toBe(0);
    expect(p.code).toBe(0);
    const sv = summary(v.stdout);
    const sp = summary(p.stdout);
    expect(Math.abs(sv.tx - sp.tx)).toBeLessThanOrEqual(1);
    expect(sv.rx).toBeGreaterThanOrEqual(sv.tx - 1);
    expect(sv.tx).toBeGreaterThanOrEqual(5);
  });

  it('-w 1 -c 100 -i 0.2: fewer replies than -c within the deadline is exit 1, as ping', async () => {
    const args = ['-w', '1', '-c', '100', '-i', '0.2', pair.addr2];
    const [v, p] = await Promise.all([vping(pair.ns1, args), iputils(pair.ns1, args)]);
    expect(v.code).toBe(1);
    expect(p.code).toBe(1);
  });

  it('IPv6: same counts and lines', async () => {
    const args = ['-6', '-c', '3', '-i', '0.2', 'fd00:76::2'];
    const [v, p] = [await vping(pair.ns1, args), await iputils(pair.ns1, args)];
    expect(v.code).toBe(0);
    expect(summary(v.stdout)).toEqual(summary(p.stdout));
    expect(shape(v.stdout)).toEqual(shape(p.stdout));
    expect(v.stdout.split('\n')[0]).toBe('PING fd00:76::2(fd00:76::2) 56 data bytes');
  });

  it('two vping runs with the same 16-bit id at once each count only their own replies', async () => {
    const args = ['--id', '4242', '-c', '200', '-i', '0.005', pair.addr2];
    const [a, b] = await Promise.all([vping(pair.ns1, args), vping(pair.ns1, args)]);
    for (const r of [a, b]) {
      expect(r.code).toBe(0);
      expect(summary(r.stdout)).toEqual({ tx: 200, rx: 200, dups: 0, errors: 0, loss: '0' });
      expect(r.stdout).not.toContain('DUP!');
    }
  });

  it('SIGINT prints the statistics and exits 0; SIGQUIT prints a status line to stderr and goes on', async () => {
    const child = spawn('node', [VPING, '-n', pair.ns1, 'ping', '-i', '0.1', pair.addr2], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const waitFor = async (pred: () => boolean) => {
      while (!pred()) await new Promise((r) => setTimeout(r, 50));
    };
    await waitFor(() => (out.match(/bytes from/g) ?? []).length >= 3);
    child.kill('SIGQUIT');
    await waitFor(() => err.includes('packets'));
    const before = (out.match(/bytes from/g) ?? []).length;
    await waitFor(() => (out.match(/bytes from/g) ?? []).length >= before + 2);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(0);
    expect(err).toMatch(/^\r\d+\/\d+ packets, \d+% loss, min\/avg\/ewma\/max = [\d./]+ ms\n$/);
    expect(out).toMatch(/\n--- [\d.]+ ping statistics ---\n\d+ packets transmitted, \d+ received, .*\nrtt min/);
  });

  it('--json: a line per reply and the statistics (iputils keys), every span named', async () => {
    const v = await run('node', [VPING, '-n', pair.ns1, '-j', 'ping', '-v', '-c', '3', '-i', '0.1', pair.addr2]);
    expect(v.code).toBe(0);
    const lines = v.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(4);
    const st = lines[3];
    expect(st).toMatchObject({ schema: 'vping.ping.statistics/1', transmitted: 3, received: 3, errors: 0, loss: 0 });
    // ping's rtt figures as the text prints them
    expect(st.rtt.min).toMatch(/^\d+\.\d{3}$/);
    // the default is ping's span; every span this run could measure is there, named
    expect(st.clock).toBe('ping');
    for (const c of ['ping', 'sched', 'kernel', 'hrtime']) expect(st.spans[c].samples).toBe(3);
    for (const [i, r] of lines.slice(0, 3).entries()) {
      expect(r).toMatchObject({ schema: 'vping.ping.reply/1', icmp_seq: i + 1, bytes: 64, from: pair.addr2, ttl: 64, clock: 'ping' });
      expect(typeof r.kernel_rtt_ns).toBe('number');
    }
  });
});

describePriv('-t 1 through a router namespace', () => {
  const t = uniq('');
  const [a, r, b] = [`vr${t}a`, `vr${t}r`, `vr${t}b`];
  const net = (process.pid % 200) + 20;
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  beforeAll(() => {
    try {
      for (const n of [a, r, b]) ip('netns', 'add', n);
      ip('link', 'add', `x${t}a`, 'netns', a, 'type', 'veth', 'peer', 'name', `x${t}r`, 'netns', r);
      ip('link', 'add', `y${t}r`, 'netns', r, 'type', 'veth', 'peer', 'name', `y${t}b`, 'netns', b);
      ip('-n', a, 'addr', 'add', `172.${net % 16 + 16}.1.1/24`, 'dev', `x${t}a`);
      ip('-n', r, 'addr', 'add', `172.${net % 16 + 16}.1.254/24`, 'dev', `x${t}r`);
      ip('-n', r, 'addr', 'add', `172.${net % 16 + 16}.2.254/24`, 'dev', `y${t}r`);
      ip('-n', b, 'addr', 'add', `172.${net % 16 + 16}.2.2/24`, 'dev', `y${t}b`);
      for (const [n, d] of [[a, `x${t}a`], [r, `x${t}r`], [r, `y${t}r`], [b, `y${t}b`]]) ip('-n', n, 'link', 'set', d, 'up');
      for (const n of [a, r, b]) ip('-n', n, 'link', 'set', 'lo', 'up');
      ip('-n', a, 'route', 'add', 'default', 'via', `172.${net % 16 + 16}.1.254`);
      ip('-n', b, 'route', 'add', 'default', 'via', `172.${net % 16 + 16}.2.254`);
      execFileSync('ip', ['netns', 'exec', r, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    } catch (e) {
      removeNetns(a, r, b);
      throw e;
    }
  });
  afterAll(() => removeNetns(a, r, b));

  it('reaches the far host with the default TTL, and reports "Time to live exceeded" from the router with -t 1, as ping', async () => {
    const dst = `172.${net % 16 + 16}.2.2`;
    const ok = await vping(a, ['-c', '2', '-i', '0.2', dst]);
    expect(summary(ok.stdout)).toMatchObject({ tx: 2, rx: 2 });
    expect(ok.stdout).toContain('ttl=63');
    const args = ['-t', '1', '-c', '2', '-i', '0.2', dst];
    const [v, p] = [await vping(a, args), await iputils(a, args)];
    expect(v.code).toBe(1);
    expect(p.code).toBe(1);
    expect(summary(v.stdout)).toEqual(summary(p.stdout));
    expect(summary(v.stdout)).toMatchObject({ tx: 2, rx: 0, errors: 2, loss: '100' });
    expect(shape(v.stdout)).toEqual(shape(p.stdout));
    expect(shape(v.stdout)[0]).toBe(`From 172.${net % 16 + 16}.1.254 icmp_seq=1 Time to live exceeded`);
  });
});

describePriv('vping ping: bad input is one line and exit status 2', () => {
  let p: TestPair;
  beforeAll(() => {
    p = makePair();
  });
  afterAll(() => p?.destroy());
  const cases: [string, string[], RegExp][] = [
    ['-c 0', ['ping', '-c', '0', '127.0.0.1'], /^vping: invalid argument: '0': out of range: 1 <= value/],
    ['-i -1', ['ping', '-i', '-1', '127.0.0.1'], /^vping: bad timing interval: -1$/],
    ['-s 70000', ['ping', '-s', '70000', '127.0.0.1'], /^vping: packet size 70000 is too large. Maximum is 65507$/],
    ['-t 300', ['ping', '-t', '300', '127.0.0.1'], /^vping: invalid argument: '300': out of range: 0 <= value <= 255$/],
    ['-c abc', ['ping', '-c', 'abc', '127.0.0.1'], /^vping: invalid argument: 'abc'$/],
    ['-p zz', ['ping', '-p', 'zz', '127.0.0.1'], /^vping: patterns must be specified as hex digits: zz$/],
    ['unknown host', ['ping', '-c', '1', 'no-such-host.invalid'], /^vping: no-such-host.invalid: Name or service not known$/],
    ['missing namespace', ['-n', 'vping-no-such-ns', 'ping', '-c', '1', '127.0.0.1'], /^vping: namespace "vping-no-such-ns" does not exist/],
  ];
  for (const [name, args, re] of cases) {
    it(name, async () => {
      const r = await run('node', [VPING, ...args]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(re);
    });
  }
  it('-t 0 is refused by the kernel as for ping ("cannot set unicast time-to-live")', async () => {
    const [v, q] = [await run('node', [VPING, '-n', p.ns1, 'ping', '-t', '0', '-c', '1', p.addr2]), await iputils(p.ns1, ['-t', '0', '-c', '1', p.addr2])];
    expect(v.code).toBe(2);
    expect(q.code).toBe(2);
    expect(v.stderr.trim()).toBe(q.stderr.trim().replace(/^ping:/, 'vping:'));
  });
  it('-I no-such-device: SO_BINDTODEVICE line as ping', async () => {
    const v = await run('node', [VPING, '-n', p.ns1, 'ping', '-I', 'nosuchif0', '-c', '1', p.addr2]);
    expect(v.code).toBe(2);
    expect(v.stderr.trim()).toBe('vping: SO_BINDTODEVICE nosuchif0: No such device');
  });
  it('not root: one line, exit 2, nothing sent', async () => {
    const r = await run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'node', VPING, 'ping', '-c', '1', '127.0.0.1']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toMatch(/^vping: ping needs root/);
  });
});
