// Namespaces where workloads live: two processes that `unshare --net` started (no name in
// /run/netns), joined by a veth that ip built, reached by vping by pid and by path for ip a,
// ping, capture, trace, bench and lab status; `netns exec` judged by `ip netns exec` (same
// /etc view, same /sys, same exit status) and by nsenter for a pid; `netns pids`/`identify`
// judged by ip. Bad references get one line and exit 2.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describePriv, isRoot, peer, removeNetns, uniq } from '../helpers/priv.js';
import { VPING, isOneLineError, vping } from '../helpers/cli.js';
import { waitOper } from '../helpers/netlab.js';

const sleepers: ChildProcess[] = [];
let pidA = 0;
let pidB = 0;
const ifA = uniq('vra');
const ifB = uniq('vrb');
const ADDR_A = '10.251.7.1';
const ADDR_B = '10.251.7.2';
const named = uniq('vrn');
const dir = mkdtempSync(join(tmpdir(), 'vping-refs-'));

/** A process in a network namespace of its own, with no name anywhere. */
async function unsharedSleeper(): Promise<number> {
  const c = spawn('unshare', ['--net', 'sleep', '600'], { stdio: 'ignore' });
  sleepers.push(c);
  const own = readlinkSync('/proc/self/ns/net');
  for (let i = 0; i < 200; i++) {
    try {
      // unshare has run once the process's namespace differs from ours (then it execs sleep)
      if (readlinkSync(`/proc/${c.pid}/ns/net`) !== own && readFileSync(`/proc/${c.pid}/comm`, 'utf8').trim() === 'sleep') return c.pid!;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('unshare --net did not start');
}

const inA = (args: string[]): string => peer('nsenter', ['-t', String(pidA), '-n', ...args]);
const inB = (args: string[]): string => peer('nsenter', ['-t', String(pidB), '-n', ...args]);

beforeAll(async () => {
  if (!isRoot) return;
  pidA = await unsharedSleeper();
  pidB = await unsharedSleeper();
  // ip builds the pair straight into the two processes' namespaces
  peer('ip', ['link', 'add', ifA, 'netns', String(pidA), 'type', 'veth', 'peer', 'name', ifB, 'netns', String(pidB)]);
  for (const [run, dev, addr] of [[inA, ifA, ADDR_A], [inB, ifB, ADDR_B]] as const) {
    run(['ip', 'addr', 'add', `${addr}/24`, 'dev', dev]);
    run(['ip', 'link', 'set', dev, 'up']);
    run(['ip', 'link', 'set', 'lo', 'up']);
  }
  // the kernel reports carrier a moment after both ends are up: ip and vping must see one state
  for (const [pid, dev] of [[pidA, ifA], [pidB, ifB]] as const) waitOper(`/proc/${pid}/ns/net`, dev);
  peer('ip', ['netns', 'add', named]);
  mkdirSync(`/etc/netns/${named}`, { recursive: true });
  writeFileSync(`/etc/netns/${named}/hosts`, `192.0.2.7 only-in-${named}\n`);
});

afterAll(() => {
  for (const c of sleepers) c.kill('SIGKILL');
  removeNetns(named);
  rmSync(`/etc/netns/${named}`, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

const lab = (a: string, b: string): string[] => ['--ns', `${a},${b}`, '--ifnames', `${ifA},${ifB}`, '--addrs', `${ADDR_A}/24,${ADDR_B}/24`];

describePriv('a namespace by pid or by path', () => {
  it('ip a and ip link by pid and by path print what ip prints inside it', () => {
    const want = inA(['ip', 'a']);
    expect(vping(['-n', `pid:${pidA}`, 'a']).stdout).toBe(want);
    expect(vping(['-n', `/proc/${pidA}/ns/net`, 'a']).stdout).toBe(want);
    expect(vping(['-n', `pid:${pidB}`, '-j', 'link']).stdout.trim()).toBe(inB(['ip', '-j', 'link']).trim());
  });

  it('ping by pid and by path agrees with iputils ping inside the same namespace on counts', () => {
    for (const ns of [`pid:${pidA}`, `/proc/${pidA}/ns/net`]) {
      const r = vping(['-n', ns, 'ping', '-c', '5', '-i', '0.02', ADDR_B]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/5 packets transmitted, 5 received, 0% packet loss/);
    }
    expect(inA(['ping', '-c', '5', '-i', '0.02', ADDR_B])).toMatch(/5 packets transmitted, 5 received, 0% packet loss/);
  });

  it('capture pid:N:IF writes a file tcpdump reads, with the echoes that crossed', async () => {
    const file = join(dir, 'b.pcap');
    const cap = spawn(process.execPath, [VPING, 'capture', `pid:${pidB}:${ifB}`, '-c', '6', '-w', file, 'icmp'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    cap.stderr.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise((r) => setTimeout(r, 700));
    expect(vping(['-n', `pid:${pidA}`, 'ping', '-c', '3', '-i', '0.05', ADDR_B]).status).toBe(0);
    const code = await new Promise<number | null>((res) => cap.on('close', (c) => res(c)));
    expect(err).toMatch(/6 packets captured/);
    expect(code).toBe(0);
    const lines = peer('tcpdump', ['-n', '-r', file]).trim().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines.filter((l) => l.includes(`${ADDR_A} > ${ADDR_B}: ICMP echo request`))).toHaveLength(3);
  });

  it('lab status, trace and bench run on a pair reached by pid and by path', () => {
    const st = vping(['lab', 'status', ...lab(`pid:${pidA}`, `pid:${pidB}`)]);
    expect(st.stdout).toMatch(/^lab up/);
    expect(st.status).toBe(0);
    const t = vping(['trace', ...lab(`/proc/${pidA}/ns/net`, `pid:${pidB}`), '-c', '4', '-i', '0.02', '-j']);
    expect(t.stderr).toBe('');
    expect(t.status).toBe(0);
    const tj = JSON.parse(t.stdout) as { sent: number; answered: number; complete: number };
    expect([tj.sent, tj.answered, tj.complete]).toEqual([4, 4, 4]);
    const b = vping(['bench', ...lab(`pid:${pidA}`, `pid:${pidB}`), '-c', '30', '--warmup', '3', '--modes', 'interval', '--dirs', 'ns1-ns2', '--interval', '0.005', '--no-progress']);
    expect(b.stderr).toBe('');
    expect(b.status).toBe(0);
    expect(b.stdout).toMatch(/ 1 {2}ns1-ns2 +56 {2}interval +30 +30 /);
  });

  it('netns identify and pids take a path or pid:N, as ip takes a pid', () => {
    expect(vping(['netns', 'pids', `pid:${pidA}`]).stdout.split('\n').filter(Boolean).map(Number)).toContain(pidA);
    expect(vping(['netns', 'identify', `pid:${pidA}`]).stdout).toBe('');
    const s = spawn('ip', ['netns', 'exec', named, 'sleep', '30'], { stdio: 'ignore' });
    try {
      let ipPids = '';
      for (let i = 0; i < 100 && !ipPids; i++) {
        spawnSync('sleep', ['0.02']);
        ipPids = peer('ip', ['netns', 'pids', named]);
      }
      expect(ipPids).not.toBe('');
      expect(vping(['netns', 'pids', named]).stdout).toBe(ipPids);
      const p = ipPids.trim().split('\n')[0];
      expect(vping(['netns', 'identify', `/proc/${p}/ns/net`]).stdout).toBe(peer('ip', ['netns', 'identify', p]));
    } finally {
      s.kill('SIGKILL');
      for (const p of peer('ip', ['netns', 'pids', named]).split('\n').filter(Boolean)) process.kill(Number(p), 'SIGKILL');
    }
  });

  it('bad references: one line, exit 2, and lab up refuses to make what it cannot name', () => {
    const exited = spawnSync('true');
    const cases: [string[], RegExp][] = [
      [['-n', '/etc/passwd', 'a'], /"\/etc\/passwd" is not a network namespace \(not a namespace file at all\)/],
      [['-n', '/proc/self/ns/mnt', 'a'], /is a mount namespace, not a network namespace/],
      [['-n', '/nonexistent/ns', 'a'], /\/nonexistent\/ns: No such file or directory/],
      [['-n', 'pid:4194305', 'a'], /no process 4194305/],
      [['-n', `pid:${exited.pid}`, 'a'], new RegExp(`no process ${exited.pid}`)],
      [['-n', 'pid:x1', 'a'], /pid:N takes a process id/],
      [['capture', 'pid:4194305:eth0', '-c', '1'], /no process 4194305/],
      [['lab', 'up', ...lab(`pid:${pidA}`, `pid:${pidB}`)], /lab up makes named namespaces, and "pid:\d+" is reached by path or pid/],
      [['lab', 'down', ...lab(`pid:${pidA}`, 'x')], /lab down removes named namespaces/],
      [['lab', 'status', '--pairs', '2', ...lab(`pid:${pidA}`, `pid:${pidB}`)], /a lab of several pairs names its namespaces/],
    ];
    for (const [args, re] of cases) {
      const r = vping(args);
      expect(r.stderr, args.join(' ')).toMatch(re);
      expect(isOneLineError(r), `${args.join(' ')}: ${r.stderr}`).toBe(true);
    }
    // nothing was made by the refusals
    expect(existsSync('/run/netns/x')).toBe(false);
    expect(inA(['ip', '-o', 'link']).split('\n').filter(Boolean)).toHaveLength(2);
  });
});

describePriv('netns exec', () => {
  const script = 'cat /etc/hosts; ls /sys/class/net; ip -j a; exit 7';

  it('sees what ip netns exec sees (the /etc/netns files, /sys of the namespace, its links) and passes the exit status', () => {
    const mountsBefore = readFileSync('/proc/self/mountinfo', 'utf8');
    const hostsBefore = readFileSync('/etc/hosts', 'utf8');
    const want = spawnSync('ip', ['netns', 'exec', named, 'sh', '-c', script], { encoding: 'utf8' });
    expect(want.stdout).toContain(`only-in-${named}`);
    for (const args of [['netns', 'exec', named, 'sh', '-c', script], ['netns', 'exec', named, '--', 'sh', '-c', script]]) {
      const got = vping(args);
      expect(got.stderr).toBe(want.stderr);
      expect(got.stdout).toBe(want.stdout);
      expect(got.status).toBe(7);
    }
    // nothing leaked to the host's mounts or files
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).toBe(mountsBefore);
    expect(readFileSync('/etc/hosts', 'utf8')).toBe(hostsBefore);
  });

  it('by pid: the same as nsenter -n (no /etc/netns for an unnamed namespace)', () => {
    const r = vping(['netns', 'exec', `pid:${pidA}`, 'ip', '-j', 'a']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(inA(['ip', '-j', 'a']));
    expect(vping(['netns', 'exec', `pid:${pidA}`, 'ls', '/sys/class/net']).stdout.split('\n').filter(Boolean).sort()).toEqual([ifA, 'lo'].sort());
  });

  it('forwards SIGTERM to the command and ends by it; a missing command is 127', async () => {
    const c = spawn(process.execPath, [VPING, 'netns', 'exec', named, 'sleep', '30'], { stdio: 'ignore' });
    // the command: vping's child, in the namespace (other processes may be in it too)
    const childOf = (pid: string): boolean => {
      try {
        return readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[3] === String(c.pid);
      } catch {
        return false;
      }
    };
    let inside = '';
    for (let i = 0; i < 200 && !inside; i++) {
      await new Promise((r) => setTimeout(r, 20));
      inside = peer('ip', ['netns', 'pids', named]).split('\n').find((x) => x && childOf(x)) ?? '';
    }
    expect(inside).not.toBe('');
    c.kill('SIGTERM');
    const [code, sig] = await new Promise<[number | null, NodeJS.Signals | null]>((res) => c.on('close', (x, s) => res([x, s])));
    expect([code, sig]).toEqual([null, 'SIGTERM']);
    expect(existsSync(`/proc/${inside}`)).toBe(false);
    const missing = vping(['netns', 'exec', named, 'vping-no-such-command']);
    expect(missing.status).toBe(127);
    expect(missing.stderr).toBe('vping: netns exec: vping-no-such-command: command not found\n');
  });
});
