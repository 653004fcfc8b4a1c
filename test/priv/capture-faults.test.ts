// Capture when the machine fails under it: a full disk, a file size limit, the interface
// deleted or moved away mid-flood. Each time: one line that says what, the counts, a
// documented status, and a file in which every frame written is readable by tcpdump.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import { describePriv } from '../helpers/priv.js';
import { makePair, type TestPair } from '../helpers/netlab.js';
import { VPING } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'vping-faults-'));
let pair: TestPair | null = null;
let mounted: string | null = null;
afterEach(() => {
  if (mounted) spawnSync('umount', ['-l', mounted]);
  mounted = null;
  pair?.destroy();
  pair = null;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  err: string;
}

/** Start `vping capture` (argv through `wrap`, e.g. a shell with ulimit), resolve once it listens. */
async function startCapture(argv: string[], wrap?: (cmd: string[]) => string[]): Promise<{ child: ChildProcess; done: Promise<Run> }> {
  const cmd = [process.execPath, VPING, 'capture', ...argv];
  const full = wrap ? wrap(cmd) : cmd;
  const child = spawn(full[0], full.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<Run>((res) => child.on('close', (code) => res({ code, err })));
  await new Promise<void>((res, rej) => {
    const t = setInterval(() => {
      if (err.includes('listening on')) {
        clearInterval(t);
        res();
      }
    }, 20);
    void done.then(() => {
      clearInterval(t);
      rej(new Error(`capture ended before listening: ${err}`));
    });
  });
  return { child, done };
}

const count = (err: string, what: string): number[] => [...err.matchAll(new RegExp(`(\\d+) packets ${what}`, 'g'))].map((m) => Number(m[1]));

function tcpdumpCount(file: string): { frames: number; status: number | null; stderr: string } {
  const r = spawnSync('tcpdump', ['-n', '-r', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return { frames: r.stdout.split('\n').filter(Boolean).length, status: r.status, stderr: r.stderr };
}

function flood(p: TestPair, n = 200000): ChildProcess {
  return spawn('ip', ['netns', 'exec', p.ns1, 'ping', '-f', '-q', '-c', String(n), p.addr2], { stdio: 'ignore' });
}

/** The write-failure contract: exit 1, one `vping:` line naming the file and the cause, no stack, counts; tcpdump reads every frame counted. */
function expectWriteFailure(r: Run, file: string, cause: RegExp): void {
  expect(r.code).toBe(1);
  const vlines = r.err.split('\n').filter((l) => l.startsWith('vping: ') && !l.includes('listening on'));
  expect(vlines).toHaveLength(1);
  expect(vlines[0]).toContain(file);
  expect(vlines[0]).toMatch(cause);
  expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
  const captured = count(r.err, 'captured');
  expect(captured).toHaveLength(1);
  expect(captured[0]).toBeGreaterThan(0);
  const t = tcpdumpCount(file);
  expect(t.stderr).not.toMatch(/length of 0|truncated|pcap_loop/);
  expect(t.status).toBe(0);
  expect(t.frames).toBe(captured[0]);
}

describePriv('capture on a failing disk', () => {
  for (const name of ['full.pcapng', 'full.pcap']) {
    it(`a full disk under ${name}: one line, exit 1, every frame written readable`, async () => {
      pair = makePair();
      const mnt = join(dir, `tmpfs-${name}`);
      mkdirSync(mnt);
      const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mnt]);
      expect(m.status).toBe(0);
      mounted = mnt;
      const file = join(mnt, name);
      const { done } = await startCapture([`${pair.ns1}:${pair.if1}`, '-w', file]);
      const f = flood(pair);
      const r = await done;
      f.kill('SIGINT');
      expectWriteFailure(r, file, /No space left on device/);
    });
  }

  it('a file size limit (ulimit -f): EFBIG, the same contract', async () => {
    pair = makePair();
    const file = join(dir, 'limited.pcapng');
    const { done } = await startCapture([`${pair.ns1}:${pair.if1}`, '-w', file], (cmd) => ['bash', '-c', 'ulimit -f 128; exec "$@"', 'bash', ...cmd]);
    const f = flood(pair);
    const r = await done;
    f.kill('SIGINT');
    expectWriteFailure(r, file, /File too large/);
  });
});

describePriv('capture when the interface goes away mid-flood', () => {
  const cases: [string, (p: TestPair) => string[]][] = [
    ['deleted', (p) => ['-n', p.ns1, 'link', 'del', p.if1]],
    ['moved to another namespace', (p) => ['-n', p.ns1, 'link', 'set', p.if1, 'netns', p.ns2]],
  ];
  for (const [what, cmd] of cases) {
    it(`${what}: captured = received by filter = frames in the file`, async () => {
      pair = makePair();
      const p = pair;
      const file = join(dir, `gone-${what.split(' ')[0]}.pcapng`);
      const { done } = await startCapture([`${p.ns1}:${p.if1}`, '-w', file]);
      const f = flood(p);
      await new Promise((r) => setTimeout(r, 400));
      expect(spawnSync('ip', cmd(p)).status).toBe(0);
      const r = await done;
      f.kill('SIGINT');
      expect(r.code).toBe(1);
      expect(r.err).toContain('went down or vanished');
      const captured = count(r.err, 'captured')[0];
      expect(captured).toBeGreaterThan(1000);
      expect(count(r.err, 'received by filter')[0]).toBe(captured);
      expect(count(r.err, 'dropped by kernel')[0]).toBe(0);
      expect(tcpdumpCount(file).frames).toBe(captured);
    });
  }
});

describePriv('capture -w - (standard output)', () => {
  it('a pcap stream that tcpdump -r - reads, frame for frame', async () => {
    pair = makePair();
    const p = pair;
    const cap = spawn(process.execPath, [VPING, 'capture', `${p.ns1}:${p.if1}`, '-c', '6', '-w', '-', 'icmp'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const td = spawn('tcpdump', ['-n', '-r', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
    cap.stdout!.pipe(td.stdin!);
    let err = '';
    let out = '';
    cap.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    td.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise<void>((res) => {
      const t = setInterval(() => {
        if (err.includes('listening on')) {
          clearInterval(t);
          res();
        }
      }, 20);
    });
    spawnSync('ip', ['netns', 'exec', p.ns1, 'ping', '-c', '3', '-i', '0.05', p.addr2]);
    const [c1, c2] = await Promise.all([
      new Promise<number | null>((res) => cap.on('close', (c) => res(c))),
      new Promise<number | null>((res) => td.on('close', (c) => res(c))),
    ]);
    expect(c1).toBe(0);
    expect(c2).toBe(0);
    const lines = out.split('\n').filter(Boolean);
    expect(lines).toHaveLength(6);
    expect(lines.filter((l) => l.includes('ICMP echo request'))).toHaveLength(3);
    expect(readdirSync('.').includes('-')).toBe(false); // no file named "-"
  });
});

describePriv('capture on both ends prints in time order', () => {
  it('lines of two interfaces come out merged by timestamp, as tcpdump -i any gives them', async () => {
    pair = makePair();
    const p = pair;
    const cap = spawn(process.execPath, [VPING, 'capture', `${p.ns1}:${p.if1}`, `${p.ns2}:${p.if2}`, 'icmp', '-c', '800', '--nano', '-tt'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    cap.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    cap.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const closed = new Promise<number | null>((res) => cap.on('close', (c) => res(c)));
    await new Promise<void>((res, rej) => {
      const t0 = Date.now();
      const t = setInterval(() => {
        if (err.includes('listening on') || cap.exitCode !== null || Date.now() - t0 > 10_000) {
          clearInterval(t);
          if (err.includes('listening on')) res();
          else rej(new Error(`the capture did not start (exit ${cap.exitCode}): ${err}`));
        }
      }, 20);
    });
    // the ping runs beside this test, not in a spawnSync: this process must go on reading the
    // capture's lines, or the pipe fills, the capture waits on it, and its rings overflow
    const ping = await new Promise<string>((res) => execFile('ip', ['netns', 'exec', p.ns1, 'ping', '-q', '-c', '300', '-i', '0.002', p.addr2], { encoding: 'utf8' }, (_e, so, se) => res(so + se)));
    expect(ping).toContain('300 received');
    // 1,200 frames crossed; -c 800 ends the capture once 800 are printed
    const code = await Promise.race([closed, new Promise<string>((res) => setTimeout(() => res('still running after 20 s'), 20_000))]);
    expect(code, `${err}\n${out.split('\n').length - 1} lines`).toBe(0);
    const ts = out.trim().split('\n').map((l) => l.split(' ')[0]);
    expect(ts).toHaveLength(800);
    const ns = ts.map((t) => BigInt(t.replace('.', '')));
    const inOrder = ns.every((v, i) => i === 0 || ns[i - 1] <= v);
    expect(inOrder).toBe(true);
    // both ends are in it
    expect(out).toContain(`${p.ns1}:${p.if1} Out`);
    expect(out).toContain(`${p.ns2}:${p.if2} In `);
  });
});
