// A flood's warm-up (src/icmp/warm.ts) runs the engine to loopback in a namespace of its own
// before the first real echo: nothing of it may reach the user's namespaces, and nothing of
// it may stay (no namespace, no descriptor). tcpdump on both ends of the pair is the judge of
// the wire; /proc/self/fd of this process (the library runs the worker here) of the rest.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describePriv, ipNetnsNames } from '../helpers/priv.js';
import { makePair, type TestPair } from '../helpers/netlab.js';
import { ping, startPing } from '../../src/icmp/index.js';
import { WARM_ECHOES } from '../../src/icmp/warm.js';

let pair: TestPair;

/** tcpdump in ns on dev, every ICMP (v4) packet one line; resolves once it listens. (A fresh
 * link's own IPv6 autoconfiguration, MLD and neighbour solicitations, is not the flood's.) */
async function tcpdump(ns: string, dev: string): Promise<{ p: ChildProcess; lines: () => string[]; ended: Promise<void> }> {
  const p = spawn('ip', ['netns', 'exec', ns, 'tcpdump', '-n', '-l', '-i', dev, 'icmp'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const ended = new Promise<void>((r) => p.on('close', () => r()));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('tcpdump did not start')), 10_000);
    p.stderr!.setEncoding('utf8').on('data', (d: string) => {
      if (d.includes('listening on')) {
        clearTimeout(t);
        resolve();
      }
    });
  });
  return { p, lines: () => out.split('\n').filter(Boolean), ended };
}

describePriv('the flood warm-up', () => {
  beforeAll(() => {
    pair = makePair();
  });
  afterAll(() => pair?.destroy());

  it('sends nothing into the pair, leaves no namespace or descriptor, and the flood is whole', async () => {
    const N = 500;
    // the neighbour entry first, so the wire holds echoes and nothing else
    await ping({ destination: pair.addr2, netns: pair.ns1, count: 1 });
    // descriptors counted with no child's pipes open (before the tcpdumps, after their end)
    const fds = readdirSync('/proc/self/fd').length;
    const ends = [await tcpdump(pair.ns1, pair.if1), await tcpdump(pair.ns2, pair.if2)];
    const names = ipNetnsNames().sort();
    const s = startPing({ destination: pair.addr2, netns: pair.ns1, count: N, flood: true });
    let warm = -1;
    s.on('ready', (i) => (warm = i.warmEchoes));
    const r = await s.done;
    expect([r.stats.transmitted, r.stats.received]).toEqual([N, N]);
    // the warm-up ran (as root), all of its echoes answered by its own loopback
    expect(warm).toBe(WARM_ECHOES);
    await new Promise((res) => setTimeout(res, 300));
    for (const e of ends) e.p.kill('SIGINT');
    await Promise.all(ends.map((e) => e.ended));
    // every ICMP packet on either end is one of the flood's echoes between the pair's addresses
    for (const e of ends) {
      const lines = e.lines();
      expect(lines.filter((l) => l.includes(`${pair.addr1} > ${pair.addr2}: ICMP echo request`))).toHaveLength(N);
      expect(lines.filter((l) => l.includes(`${pair.addr2} > ${pair.addr1}: ICMP echo reply`))).toHaveLength(N);
      expect(lines.filter((l) => !l.includes(`${pair.addr1} > ${pair.addr2}`) && !l.includes(`${pair.addr2} > ${pair.addr1}`))).toEqual([]);
    }
    expect(readdirSync('/proc/self/fd').length).toBe(fds);
    expect(ipNetnsNames().sort()).toEqual(names);
  });

  it("runs through the real run's sink and posts nothing of its own to the caller: events and samples are the real run's alone", async () => {
    const N = 700;
    const s = startPing({ destination: pair.addr2, netns: pair.ns1, count: N, flood: true, events: true, samples: true });
    let warm = -1;
    let replies = 0;
    const seqs = new Set<number>();
    let samples = 0;
    s.on('ready', (i) => (warm = i.warmEchoes));
    s.on('event', (e) => {
      if (e.type === 'reply') {
        replies++;
        seqs.add(e.seq);
      }
    });
    s.on('samples', (b) => (samples += b.count));
    const r = await s.done;
    expect(warm).toBe(WARM_ECHOES);
    expect([r.stats.transmitted, r.stats.received]).toEqual([N, N]);
    // the warm-up's 6,500 echoes would show as more replies, more samples, or seqs past N
    expect(replies).toBe(N);
    expect(samples).toBe(N);
    expect(Math.min(...seqs)).toBe(1);
    expect(Math.max(...seqs)).toBe(N);
  });
});
