// vping capture on a real veth pair, with tcpdump as the judge: the same lines for the
// same packets on both ends, files each can read of the other, the kernel's counters
// for the flood, and the bad-input contract (one line, exit 2, no file).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, expect, it } from 'vitest';
import { describePriv, peer } from '../helpers/priv.js';
import { makePair, type TestPair } from '../helpers/netlab.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(root, 'dist/bin/vping.js');
const tmp = mkdtempSync(join(tmpdir(), 'vping-cap-'));
process.env.TZ = 'UTC';

interface Proc {
  p: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<number>;
}

function start(cmd: string, args: string[]): Proc {
  const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TZ: 'UTC' } });
  let out = '';
  let err = '';
  p.stdout!.on('data', (d) => (out += d));
  p.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number>((res) => p.on('close', (code, sig) => res(code ?? (sig ? 128 : -1))));
  return { p, out: () => out, err: () => err, exited };
}

async function until(what: string, cond: () => boolean, ms = 15_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const vping = (args: string[]) => start(process.execPath, [cli, ...args]);
const tcpdump = (ns: string, dev: string, extra: string[] = []) => start('ip', ['netns', 'exec', ns, 'tcpdump', '-n', '-l', '-i', dev, ...extra]);
const listening = (p: Proc) => until('listening', () => /listening on/.test(p.err()));
const stopAll = async (...ps: Proc[]) => {
  for (const x of ps) x.p.kill('SIGINT');
  return Promise.all(ps.map((x) => x.exited));
};
const lines = (s: string) => s.split('\n').filter(Boolean);
const noTs = (l: string) => l.replace(/^\S+ /, '');

/** vping's multi-interface lines → { label: [line without timestamp/prefix] } */
function byIface(out: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const l of lines(out)) {
    const r = /^(\S+) (\S+) +(In|Out|B|M|P|\?) +(.*)$/.exec(l);
    if (!r) throw new Error(`unexpected line: ${l}`);
    if (!m.has(r[2])) m.set(r[2], []);
    m.get(r[2])!.push(r[4]);
  }
  return m;
}

function quietV6(pair: TestPair): void {
  for (const [ns, dev] of [[pair.ns1, pair.if1], [pair.ns2, pair.if2]]) {
    peer('ip', ['netns', 'exec', ns, 'sysctl', '-qw', `net.ipv6.conf.${dev}.disable_ipv6=1`]);
  }
}

function counters(ns: string, dev: string): number {
  const j = JSON.parse(peer('ip', ['-n', ns, '-s', '-j', 'link', 'show', 'dev', dev])) as { stats64: { rx: { packets: number }; tx: { packets: number } } }[];
  return j[0].stats64.rx.packets + j[0].stats64.tx.packets;
}

describePriv('vping capture against tcpdump on a veth pair', () => {
  let pair: TestPair | null = null;
  afterEach(() => {
    pair?.destroy();
    pair = null;
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('during ping -c 5: ARP and every echo on both ends, lines equal to tcpdump’s', async () => {
    pair = makePair();
    quietV6(pair);
    const v = vping(['capture', `${pair.ns1}:${pair.if1}`, `${pair.ns2}:${pair.if2}`]);
    const t1 = tcpdump(pair.ns1, pair.if1);
    const t2 = tcpdump(pair.ns2, pair.if2);
    await Promise.all([listening(v), listening(t1), listening(t2)]);
    peer('ip', ['netns', 'exec', pair.ns1, 'ping', '-c', '5', '-i', '0.2', pair.addr2]);
    await until('tcpdump lines', () => lines(t1.out()).length >= 12 && lines(t2.out()).length >= 12);
    await new Promise((r) => setTimeout(r, 300));
    await stopAll(v, t1, t2);
    const got = byIface(v.out());
    const want1 = lines(t1.out()).map(noTs);
    const want2 = lines(t2.out()).map(noTs);
    expect(got.get(`${pair.ns1}:${pair.if1}`)).toEqual(want1);
    expect(got.get(`${pair.ns2}:${pair.if2}`)).toEqual(want2);
    for (const w of [want1, want2]) {
      expect(w.filter((l) => l.startsWith('ARP, Request who-has'))).toHaveLength(1);
      expect(w.filter((l) => l.startsWith('ARP, Reply'))).toHaveLength(1);
      expect(w.filter((l) => l.includes('ICMP echo request'))).toHaveLength(5);
      expect(w.filter((l) => l.includes('ICMP echo reply'))).toHaveLength(5);
    }
    expect(v.err()).toMatch(new RegExp(`${pair.ns1}:${pair.if1}: 12 packets captured`));
  });

  it('-e -v -XX and -Q out print what tcpdump prints with the same flags', async () => {
    pair = makePair();
    quietV6(pair);
    const v = vping(['-n', pair.ns1, 'capture', pair.if1, '-e', '-v', '-XX', 'icmp']);
    const vq = vping(['capture', `${pair.ns2}:${pair.if2}`, '-Q', 'out']);
    const t = tcpdump(pair.ns1, pair.if1, ['-e', '-v', '-XX', 'icmp']);
    const tq = tcpdump(pair.ns2, pair.if2, ['-Q', 'out']);
    await Promise.all([listening(v), listening(t), listening(vq), listening(tq)]);
    peer('ip', ['netns', 'exec', pair.ns1, 'ping', '-c', '2', '-i', '0.2', '-s', '100', pair.addr2]);
    await until('tcpdump lines', () => lines(t.out()).filter((l) => /^\d/.test(l)).length >= 4 && lines(tq.out()).length >= 3);
    await new Promise((r) => setTimeout(r, 300));
    await stopAll(v, t, vq, tq);
    const strip = (s: string) => lines(s).map((l) => (/^\d/.test(l) ? noTs(l) : l));
    expect(strip(v.out())).toEqual(strip(t.out()));
    expect(strip(vq.out())).toEqual(strip(tq.out()));
    expect(strip(vq.out()).some((l) => l.includes('echo request'))).toBe(false);
  });

  it('tcpdump -r reads vping’s pcapng, pcap and ns pcap with the same packets; vping -r prints tcpdump’s files as tcpdump does', async () => {
    pair = makePair();
    quietV6(pair);
    const ng = join(tmp, 'both.pcapng');
    const pc = join(tmp, 'one.pcap');
    const pn = join(tmp, 'one-ns.pcap');
    const td = join(tmp, 'tcpdump.pcap');
    const v1 = vping(['capture', `${pair.ns1}:${pair.if1}`, `${pair.ns2}:${pair.if2}`, '-w', ng]);
    const v2 = vping(['capture', `${pair.ns1}:${pair.if1}`, '-w', pc]);
    const v3 = vping(['capture', `${pair.ns1}:${pair.if1}`, '-w', pn, '--nano']);
    const t = start('ip', ['netns', 'exec', pair.ns2, 'tcpdump', '-n', '-i', pair.if2, '-w', td]);
    await Promise.all([listening(v1), listening(v2), listening(v3), listening(t)]);
    peer('ip', ['netns', 'exec', pair.ns1, 'ping', '-c', '3', '-i', '0.2', pair.addr2]);
    await new Promise((r) => setTimeout(r, 500));
    await stopAll(v1, v2, v3, t);
    const count = (f: string) => lines(peer('tcpdump', ['-n', '-r', f])).length;
    // 2 ARP + 6 ICMP on each end
    expect(count(ng)).toBe(16);
    expect(count(pc)).toBe(8);
    expect(count(pn)).toBe(8);
    expect(v1.err()).toMatch(/: 8 packets captured\n[^]*: 8 packets captured/);
    // the same lines, timestamps and all, and the ns file keeps nine digits
    expect(lines(peer('tcpdump', ['-n', '-r', pc]))).toEqual(lines(vping(['capture', '-r', pc]).out() || execFileSync(process.execPath, [cli, 'capture', '-r', pc], { encoding: 'utf8' })));
    expect(lines(peer('tcpdump', ['-n', '--nano', '-r', pn]))).toEqual(lines(execFileSync(process.execPath, [cli, 'capture', '--nano', '-r', pn], { encoding: 'utf8' })));
    expect(lines(peer('tcpdump', ['-n', '-r', td]))).toEqual(lines(execFileSync(process.execPath, [cli, 'capture', '-r', td], { encoding: 'utf8' })));
    expect(lines(peer('tcpdump', ['-n', '-e', '-r', td, 'arp']))).toEqual(lines(execFileSync(process.execPath, [cli, 'capture', '-e', '-r', td, 'arp'], { encoding: 'utf8' })));
    // pcapng: per interface, the directions tcpdump reads back
    const ngOut = execFileSync(process.execPath, [cli, 'capture', '-r', ng], { encoding: 'utf8' });
    expect(lines(ngOut).filter((l) => l.includes(`${pair!.ns1}:${pair!.if1} Out IP`) && l.includes('echo request'))).toHaveLength(3);
    expect(lines(ngOut).filter((l) => l.includes(`${pair!.ns2}:${pair!.if2} In  IP`) && l.includes('echo request'))).toHaveLength(3);
  });

  it('-c N stops by itself with a complete file; the interface vanishing leaves a complete file', async () => {
    pair = makePair();
    quietV6(pair);
    const f1 = join(tmp, 'count.pcapng');
    const f2 = join(tmp, 'gone.pcap');
    const v1 = vping(['capture', `${pair.ns1}:${pair.if1}`, '-c', '4', '-w', f1]);
    const v2 = vping(['capture', `${pair.ns1}:${pair.if1}`, `${pair.ns2}:${pair.if2}`, '-w', f2]);
    await Promise.all([listening(v1), listening(v2)]);
    peer('ip', ['netns', 'exec', pair.ns1, 'ping', '-c', '3', '-i', '0.2', pair.addr2]);
    expect(await v1.exited).toBe(0);
    expect(lines(peer('tcpdump', ['-n', '-r', f1]))).toHaveLength(4);
    await new Promise((r) => setTimeout(r, 300));
    // (deleting the namespaces would not do: the capture sockets keep them alive)
    peer('ip', ['-n', pair.ns2, 'link', 'del', pair.if2]);
    const code = await v2.exited;
    expect(code).toBe(1);
    expect(v2.err()).toMatch(/went down or vanished/);
    expect(lines(peer('tcpdump', ['-n', '-r', f2]))).toHaveLength(16);
    expect(v2.err()).toMatch(/: 8 packets captured\n[^]*: 8 packets captured/);
  });

  it('flood of 20,000 echoes on both ends: captured + dropped = the veth counters', async () => {
    pair = makePair();
    quietV6(pair);
    const f = join(tmp, 'flood.pcapng');
    const v = vping(['capture', `${pair.ns1}:${pair.if1}`, `${pair.ns2}:${pair.if2}`, '-w', f]);
    await listening(v);
    const c1 = counters(pair.ns1, pair.if1);
    const c2 = counters(pair.ns2, pair.if2);
    peer('ip', ['netns', 'exec', pair.ns1, 'ping', '-f', '-q', '-c', '20000', pair.addr2], { timeout: 120_000 });
    const d1 = counters(pair.ns1, pair.if1) - c1;
    const d2 = counters(pair.ns2, pair.if2) - c2;
    await stopAll(v);
    const sum = (label: string, what: string) => Number(new RegExp(`${label}: (\\d+) packets ${what}`).exec(v.err())![1]);
    const l1 = `${pair.ns1}:${pair.if1}`;
    const l2 = `${pair.ns2}:${pair.if2}`;
    expect(d1).toBeGreaterThanOrEqual(40_000);
    expect(sum(l1, 'captured') + sum(l1, 'dropped by kernel')).toBe(d1);
    expect(sum(l2, 'captured') + sum(l2, 'dropped by kernel')).toBe(d2);
    expect(sum(l1, 'received by filter')).toBe(d1);
    const inFile = lines(execFileSync('tcpdump', ['-n', '-q', '-r', f], { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] })).length;
    expect(inFile).toBe(sum(l1, 'captured') + sum(l2, 'captured'));
    process.stderr.write(`flood: ${l1} ${sum(l1, 'captured')} captured ${sum(l1, 'dropped by kernel')} dropped; ${l2} ${sum(l2, 'captured')} captured ${sum(l2, 'dropped by kernel')} dropped\n`);
  });

  it('bad input: one line, exit 2, no file', async () => {
    pair = makePair();
    const f = join(tmp, 'never.pcap');
    const run = async (args: string[]) => {
      const p = vping(args);
      const code = await p.exited;
      return { code, err: p.err(), out: p.out() };
    };
    const cases: [string[], RegExp][] = [
      [['capture', `${pair.ns1}:nosuchif0`, '-w', f], /no such interface/],
      [['capture', `vpnosuchns:${pair.if1}`, '-w', f], /namespace "vpnosuchns" does not exist/],
      [['capture', `${pair.ns1}:${pair.if1}`, 'tcp', 'and', 'prt', '80', '-w', f], /bad filter/],
      [['capture', `${pair.ns1}:${pair.if1}`, '-w', join(tmp, 'no/such/dir/x.pcap')], /no such file or directory/i],
    ];
    for (const [args, re] of cases) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(lines(r.err), args.join(' ')).toHaveLength(1);
      expect(r.err).toMatch(re);
      expect(existsSync(f)).toBe(false);
    }
    // libpcap's own words, as tcpdump shows them
    let tdMsg = '';
    try {
      execFileSync('tcpdump', ['-d', 'tcp and prt 80'], { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      tdMsg = lines(String((e as { stderr: Buffer }).stderr)).pop()!.replace(/^tcpdump: /, '');
    }
    const r = await run(['capture', `${pair.ns1}:${pair.if1}`, 'tcp and prt 80']);
    expect(tdMsg.length).toBeGreaterThan(5);
    expect(r.err).toContain(tdMsg);
    void statSync;
  });
});
