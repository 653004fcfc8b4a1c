// vping trace on a lab the test builds: every echo seen at the four points in time order,
// legs non-negative, and its crossing times equal to those tcpdump reads from the pcapng
// vping wrote; bad input exits 2 with one line.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { labDown, labUp } from '../../src/lab/lab.js';
import type { LabInput } from '../../src/lab/spec.js';
import { runTrace } from '../../src/measure/trace/run.js';
import { describePriv, peer, uniq } from '../helpers/priv.js';
import { isOneLineError, vping } from '../helpers/cli.js';
import { interrupted } from '../helpers/interrupt.js';


const lab: LabInput = { ns: [uniq('vt'), uniq('vt')], ifnames: ['vt0', 'vt1'], addrs: ['10.215.0.1/24', '10.215.0.2/24'] };
const labArgs = ['--ns', lab.ns!.join(','), '--ifnames', lab.ifnames!.join(','), '--addrs', lab.addrs!.join(',')];
const dir = mkdtempSync(join(tmpdir(), 'vping-trace-'));

interface EchoJson {
  seq: number;
  send_ns: string;
  sched_ns: string;
  src_out_ns: string;
  dst_in_ns: string;
  dst_out_ns: string;
  src_in_ns: string;
  recv_ns: string;
  rtt_ns: number;
  segments: Record<string, number>;
}

/** Per (request|reply, seq), the capture instants tcpdump reads from the file, in ns. */
function tcpdumpInstants(file: string, id: number): Map<string, bigint[]> {
  const out = peer('tcpdump', ['-r', file, '-n', '--nano', '-tt'], { timeout: 30_000 });
  const m = new Map<string, bigint[]>();
  for (const line of out.split('\n')) {
    const r = /^(\d+)\.(\d{9}) IP6? \S+ > \S+: ICMP6?,? echo (request|reply), id (\d+), seq (\d+)/.exec(line);
    if (!r || Number(r[4]) !== id) continue;
    const key = `${r[3]} ${r[5]}`;
    const ts = BigInt(r[1]) * 1_000_000_000n + BigInt(r[2]);
    m.set(key, [...(m.get(key) ?? []), ts]);
  }
  return m;
}

describePriv('vping trace on a real pair', () => {
  beforeAll(() => {
    labUp(lab);
  });
  afterAll(() => {
    labDown(lab);
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows every echo at the four points in time order, legs non-negative, crossings equal to the pcapng read by tcpdump', () => {
    const file = join(dir, 't.pcapng');
    const r = vping(['-j', 'trace', ...labArgs, '-c', '20', '-i', '0.02', '-w', file], { timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const t = JSON.parse(r.stdout) as { id: number; sent: number; answered: number; complete: number; echoes: EchoJson[]; capture: { dropped: number }[] };
    expect([t.sent, t.answered, t.complete]).toEqual([20, 20, 20]);
    expect(t.capture.map((c) => c.dropped)).toEqual([0, 0]);
    const judged = tcpdumpInstants(file, t.id);
    for (const e of t.echoes) {
      const times = [e.send_ns, e.sched_ns, e.src_out_ns, e.dst_in_ns, e.dst_out_ns, e.src_in_ns, e.recv_ns].map(BigInt);
      for (let i = 1; i < times.length; i++) expect(times[i] >= times[i - 1], `seq ${e.seq} instant ${i}`).toBe(true);
      for (const v of Object.values(e.segments)) expect(v).toBeGreaterThanOrEqual(0);
      expect(Object.values(e.segments).reduce((a, b) => a + b, 0)).toBe(e.rtt_ns);
      // tcpdump sees each request twice (source out, destination in) and each reply twice.
      const req = judged.get(`request ${e.seq}`)!;
      const rep = judged.get(`reply ${e.seq}`)!;
      expect(req).toHaveLength(2);
      expect(rep).toHaveLength(2);
      const span = (a: bigint[]) => Number((a[0] > a[1] ? a[0] - a[1] : a[1] - a[0]));
      expect(e.segments.crossing_ns).toBe(span(req));
      expect(e.segments.crossing_back_ns).toBe(span(rep));
      const lo = (a: bigint[]) => (a[0] < a[1] ? a[0] : a[1]);
      expect(BigInt(e.src_out_ns)).toBe(lo(req));
      expect(BigInt(e.dst_out_ns)).toBe(lo(rep));
    }
  });

  it('under tbf on the source end: the queue leg holds the wait, and the six legs still add up to the round trip', () => {
    execFileSync('tc', ['-n', lab.ns![0], 'qdisc', 'add', 'dev', lab.ifnames![0], 'root', 'tbf', 'rate', '200kbit', 'burst', '1600', 'latency', '500ms']);
    try {
      const r = vping(['-j', 'trace', ...labArgs, '-c', '6', '-i', '0.002', '--size', '1400'], { timeout: 60_000 });
      expect(r.status).toBe(0);
      const t = JSON.parse(r.stdout) as { complete: number; echoes: EchoJson[] };
      expect(t.complete).toBe(6);
      for (const e of t.echoes) expect(Object.values(e.segments).reduce((a, b) => a + b, 0)).toBe(e.rtt_ns);
      // 1400 bytes at 200 kbit/s is 58 ms on the wire, every 2 ms a new one: from the second
      // echo on, each waits in the qdisc (tens of ms: a send delayed by a busy machine still
      // finds the bucket short), and that wait is the queue leg, not the send path
      const later = t.echoes.slice(1);
      for (const e of later) expect(e.segments.queue_ns, `seq ${e.seq}`).toBeGreaterThan(1_000_000);
      // taken together (one send can itself wait for room in the socket's small buffer, a few
      // ms on a busy machine: a CI run saw 6 ms of send path beside 42 ms of queue)
      const sum = (k: string) => later.reduce((a, e) => a + e.segments[k], 0);
      expect(sum('queue_ns')).toBeGreaterThan(5 * sum('send_path_ns'));
    } finally {
      execFileSync('tc', ['-n', lab.ns![0], 'qdisc', 'del', 'dev', lab.ifnames![0], 'root']);
    }
  });

  it('traces the other way with a fragmented payload, and prints a line per echo and the legs', async () => {
    const t = await runTrace({ lab, dir: 'ns2-ns1', count: 5, intervalMs: 20, size: 4000, timeoutMs: 1000 });
    expect(t.source.ns).toBe(lab.ns![1]);
    expect(t.complete).toBe(5);
    for (const e of t.echoes) expect(Object.values(e.segments!).every((v) => v >= 0)).toBe(true);
    const r = vping(['trace', ...labArgs, '-c', '3', '-i', '0.02'], { timeout: 60_000 });
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^TRACE 10\.215\.0\.2 from 10\.215\.0\.1 /);
    expect(lines.filter((l) => /^ {4}[123] {2}/.test(l))).toHaveLength(3);
    expect(r.stdout).toMatch(/^3 echoes sent, 3 answered, 3 seen at all four points$/m);
    expect(r.stdout).toMatch(new RegExp(`^crossing +${lab.ns![0]}:vt0 out +${lab.ns![1]}:vt1 in +\\d+\\.\\d{3}`, 'm'));
  });

  it('Ctrl-C: stops sending, prints the statistics, exits 0, and the pcapng holds every printed echo', async () => {
    const file = join(dir, 'int.pcapng');
    const echoLines = (out: string): string[] => out.split('\n').filter((l) => /^ +\d+ {2}/.test(l));
    const r = await interrupted(['trace', ...labArgs, '-c', '1000', '-i', '0.01', '-w', file], { ready: (out) => echoLines(out).length >= 30 });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    const seqs = echoLines(r.stdout).map((l) => Number(l.trim().split(/\s+/)[0]));
    expect(seqs.length).toBeGreaterThanOrEqual(30);
    expect(seqs.length).toBeLessThan(1000);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    const m = new RegExp(`^(\\d+) echoes sent, (\\d+) answered, (\\d+) seen at all four points \\(interrupted\\)$`, 'm').exec(r.stdout);
    expect(m, r.stdout.slice(-600)).not.toBeNull();
    expect(Number(m![1])).toBe(seqs.length);
    expect(r.stdout).toMatch(/^crossing +\S+ out +\S+ in +\d+\.\d{3}/m);
    expect(r.stdout).toContain(`capture: ${file}\n`);
    // tcpdump, the judge: each printed echo's request and reply, each seen at both ends
    const lines = peer('tcpdump', ['-r', file, '-n'], { timeout: 30_000 }).split('\n');
    for (const seq of seqs) {
      for (const kind of ['request', 'reply']) {
        const n = lines.filter((l) => new RegExp(`ICMP echo ${kind}, id \\d+, seq ${seq},`).test(l)).length;
        expect(n, `echo ${kind} seq ${seq}`).toBe(2);
      }
    }
  });

  it('SIGTERM with -j after the command: one JSON document marked interrupted, the pcapng complete', async () => {
    const file = join(dir, 'term.pcapng');
    const r = await interrupted(['trace', ...labArgs, '-c', '1000', '-i', '0.01', '-w', file, '-j'], { afterMs: 1500, sig: 'SIGTERM' });
    expect(r.status).toBe(0);
    const t = JSON.parse(r.stdout) as { id: number; sent: number; answered: number; interrupted: boolean; echoes: EchoJson[] };
    expect(t.interrupted).toBe(true);
    expect(t.sent).toBeGreaterThan(0);
    expect(t.sent).toBeLessThan(1000);
    expect(t.echoes).toHaveLength(t.sent);
    const judged = tcpdumpInstants(file, t.id);
    for (const e of t.echoes.filter((x) => x.recv_ns !== null)) {
      expect(judged.get(`request ${e.seq}`), `request ${e.seq}`).toHaveLength(2);
      expect(judged.get(`reply ${e.seq}`), `reply ${e.seq}`).toHaveLength(2);
    }
  });

  it('-j works before and after the command alike', () => {
    const a = vping(['-j', 'trace', ...labArgs, '-c', '2', '-i', '0.01'], { timeout: 60_000 });
    const b = vping(['trace', ...labArgs, '-c', '2', '-i', '0.01', '--json'], { timeout: 60_000 });
    for (const r of [a, b]) {
      expect(r.status).toBe(0);
      const t = JSON.parse(r.stdout) as { sent: number; answered: number; interrupted: boolean };
      expect([t.sent, t.answered, t.interrupted]).toEqual([2, 2, false]);
    }
  });

  it('bad input: one line, exit 2, no file', () => {
    const file = join(dir, 'never.pcapng');
    for (const args of [
      ['trace', ...labArgs, '-s', '70000', '-w', file],
      ['trace', ...labArgs, '-c', '0'],
      ['trace', ...labArgs, '--dir', 'sideways'],
      ['trace', ...labArgs, '--pair', '2'],
      ['trace', '--ns', `${uniq('no')},${uniq('no')}`],
      ['trace', ...labArgs, '-w', join(dir, 'no-such-dir', 'x.pcapng')],
    ]) {
      const r = vping(args);
      expect(isOneLineError(r), `${args.join(' ')} → ${r.status} ${r.stderr}`).toBe(true);
    }
    expect(existsSync(file)).toBe(false);
  });
});
