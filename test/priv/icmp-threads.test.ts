// vping ping --threads N: independent flows across one veth pair the test makes (and removes
// in afterAll). tcpdump on the far end is the judge that the flows really are distinct
// (ids, each with its own seq space); iputils ping is the judge of the statistics layout.
import { execFile, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describePriv } from '../helpers/priv.js';
import { makePair, type TestPair } from '../helpers/netlab.js';
import { ping, startPing } from '../../src/icmp/index.js';
import type { Stats } from '../../src/icmp/stats.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const VPING = `${ROOT}dist/bin/vping.js`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
function run(cmd: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
const vping = (ns: string, args: string[]) => run('node', [VPING, '-n', ns, 'ping', ...args]);

/** The statistics block with every number masked: the layout alone. */
const layout = (out: string) => {
  const i = out.indexOf('\n--- ');
  return out.slice(i).replace(/[\d.]+/g, 'N').replace(/--- \S+ ping/, '--- H ping');
};

let pair: TestPair;

describePriv('vping ping --threads: independent flows, one merged report', () => {
  beforeAll(() => {
    pair = makePair();
  });
  afterAll(() => pair?.destroy());

  it('-f -c 20000 --threads 2 -q: 20000 transmitted, 20000 received, 0% loss, in the layout of ping -f -q', async () => {
    const v = await vping(pair.ns1, ['-f', '-c', '20000', '--threads', '2', '-q', pair.addr2]);
    expect(v.stderr).toBe('');
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/\n20000 packets transmitted, 20000 received, 0% packet loss, time \d+ms\n/);
    const m = /rtt min\/avg\/max\/mdev = (\d+)\.(\d{3})\/(\d+)\.(\d{3})\/(\d+)\.(\d{3})\/\d+\.\d{3} ms, ipg\/ewma \d+\.\d{3}\/\d+\.\d{3} ms\n$/.exec(v.stdout);
    expect(m, v.stdout).not.toBeNull();
    const [min, avg, max] = [1, 3, 5].map((k) => +(m as RegExpExecArray)[k] * 1000 + +(m as RegExpExecArray)[k + 1]);
    expect(min).toBeLessThanOrEqual(avg);
    expect(avg).toBeLessThanOrEqual(max);
    // iputils, same flood kind (one in flight per flow, quiet), same namespace: same layout
    const p = await run('ip', ['netns', 'exec', pair.ns1, 'ping', '-f', '-c', '2000', '-q', pair.addr2]);
    expect(p.code).toBe(0);
    expect(layout(v.stdout)).toBe(layout(p.stdout));
  });

  it('the flows are distinct on the wire: two ids, each with its own seq 1..N (tcpdump in the far namespace)', async () => {
    const N = 300;
    const td = spawn('ip', ['netns', 'exec', pair.ns2, 'tcpdump', '-n', '-l', '-i', pair.if2, '-c', String(2 * N), 'icmp[icmptype] == icmp-echo'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    td.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<void>((resolve) => td.on('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('tcpdump did not start')), 10_000);
      td.stderr.setEncoding('utf8').on('data', (d: string) => {
        if (d.includes('listening on')) {
          clearTimeout(t);
          resolve();
        }
      });
    });
    const v = await vping(pair.ns1, ['-f', '-c', String(2 * N), '--threads', '2', '-q', '--id', '4242', pair.addr2]);
    expect(v.code).toBe(0);
    const timer = setTimeout(() => td.kill(), 10_000);
    await exited;
    clearTimeout(timer);
    const seqs = new Map<number, number[]>();
    for (const l of out.split('\n')) {
      const r = /ICMP echo request, id (\d+), seq (\d+)/.exec(l);
      if (!r) continue;
      const list = seqs.get(+r[1]) ?? [];
      list.push(+r[2]);
      seqs.set(+r[1], list);
    }
    expect([...seqs.keys()].sort((a, b) => a - b)).toEqual([4242, 4243]);
    for (const list of seqs.values()) expect(list.sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_x, i) => i + 1));
  });

  it('a flow that cannot start fails the run with its one line (exit 2), and no worker is left waiting', async () => {
    const r = await vping(pair.ns1, ['-f', '-c', '100', '--threads', '2', '-q', '-I', 'no-such-dev0', pair.addr2]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toMatch(/SO_BINDTODEVICE no-such-dev0/);
  });

  it('library: ping({ threads: 2 }) merges both flows; a status request is answered once, merged', async () => {
    const r = await ping({ destination: pair.addr2, netns: pair.ns1, count: 3001, flood: true, preload: 4, threads: 2 });
    expect([r.stats.transmitted, r.stats.received, r.stats.lossPercent]).toEqual([3001, 3001, 0]);
    expect(r.stats.pipe).toBeGreaterThanOrEqual(1);
    expect(r.stats.pipe).toBeLessThanOrEqual(4);
    expect(r.stats.rtt.hrtime?.samples).toBe(3001);
    const s = startPing({ destination: pair.addr2, netns: pair.ns1, flood: true, threads: 2 });
    let events = 0;
    s.on('event', () => events++);
    const statuses: Stats[] = [];
    const got = new Promise<void>((resolve) => s.on('status', (st) => {
      statuses.push(st);
      resolve();
    }));
    await new Promise((res) => setTimeout(res, 300));
    s.requestStatus();
    await got;
    await new Promise((res) => setTimeout(res, 50));
    s.stop();
    const end = await s.done;
    expect(statuses).toHaveLength(1);
    expect(statuses[0].transmitted).toBeGreaterThan(0);
    expect(end.stats.transmitted).toBeGreaterThanOrEqual(statuses[0].transmitted);
    expect(end.stats.received).toBeGreaterThanOrEqual(statuses[0].received);
    expect(events).toBe(0);
  });
});

describe('vping ping --threads: bad input is one line and exit status 2', () => {

  const cases: [string, string[], RegExp][] = [
    ['--threads 0', ['-f', '--threads', '0'], /invalid --threads value: '0': expected an integer 1\.\.64/],
    ['--threads 65', ['-f', '--threads', '65'], /invalid --threads value: '65'/],
    ['--threads 1.5', ['-q', '--threads', '1.5'], /invalid --threads value: '1\.5'/],
    ['--threads two', ['-q', '--threads', 'two'], /invalid --threads value: 'two'/],
    ['--threads 2 without -f or -q', ['-c', '3', '--threads', '2'], /--threads 2 needs -f or -q: each flow numbers its own icmp_seq/],
  ];
  for (const [name, args, re] of cases) {
    it(name, async () => {
      // refused before the namespace is opened or root is checked: no namespace needed
      const r = await vping('vping-no-such-ns', [...args, '10.255.255.1']);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
      expect(r.stderr).toMatch(re);
    });
  }
});
