// vping bench on real labs the test builds (unique namespaces, removed in afterAll):
// rows and counts as asked, iputils ping beside it in the same run, pairs at once with
// totals consistent with their rows, files written, and the bad-input contract.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { labDown, labUp } from '../../src/lab/lab.js';
import type { LabInput } from '../../src/lab/spec.js';
import { runBench } from '../../src/measure/bench/run.js';
import { summarizeRow, summarizeTotals } from '../../src/measure/bench/summary.js';
import { describePriv, uniq } from '../helpers/priv.js';
import { isOneLineError, vping } from '../helpers/cli.js';
import { interrupted } from '../helpers/interrupt.js';

/** Prometheus text, strictly enough to catch a cut file: HELP/TYPE before samples, every sample line well formed, a final line feed. */
function promSamples(text: string): Map<string, number> {
  if (!text.endsWith('\n')) throw new Error('no final line feed');
  const typed = new Set<string>();
  const out = new Map<string, number>();
  for (const line of text.slice(0, -1).split('\n')) {
    const t = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|summary|histogram|untyped)$/.exec(line);
    if (t) typed.add(t[1]);
    // comments, and the empty lines the format ignores (prom-client puts one between families)
    if (line.startsWith('#') || line === '') continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`bad sample line ${line}`);
    const fam = m[1].replace(/_(sum|count)$/, '');
    if (!typed.has(m[1]) && !typed.has(fam)) throw new Error(`${m[1]} before its TYPE`);
    const v = Number(m[3]);
    // Prometheus parses values with Go's ParseFloat: NaN in any case (prom-client writes "Nan")
    if (Number.isNaN(v) && !/^nan$/i.test(m[3])) throw new Error(`bad value ${m[3]}`);
    out.set(m[1] + (m[2] ?? ''), v);
  }
  return out;
}


const one: LabInput = { ns: [uniq('vb'), uniq('vb')], ifnames: ['vb0', 'vb1'], addrs: ['10.212.0.1/24', '10.212.0.2/24'] };
const three: LabInput = { pairs: 3, ns: [uniq('vm'), uniq('vm')], ifnames: ['vm0', 'vm1'], addrs: ['10.213.0.1/24', '10.213.0.2/24'] };
const labArgs = (l: LabInput): string[] => [
  '--ns', l.ns!.join(','), '--ifnames', l.ifnames!.join(','), '--addrs', l.addrs!.join(','), ...(l.pairs ? ['--pairs', String(l.pairs)] : []),
];
const dir = mkdtempSync(join(tmpdir(), 'vping-bench-'));

/**
 * Replies timed on the kernel clock in a flood row with one probe in flight, by the documented
 * rule (probes 1..N and every Nth after are TX-stamped; the first `warmup` replies are dropped).
 */
function stampedInRow(warmup: number, count: number, every = 64): number {
  let n = 0;
  for (let k = warmup + 1; k <= warmup + count; k++) if (k <= every || k % every === 0) n++;
  return n;
}

describePriv('vping bench on a real lab', () => {
  beforeAll(() => {
    labUp(one);
    labUp(three);
  });
  afterAll(() => {
    labDown(one);
    labDown(three);
    rmSync(dir, { recursive: true, force: true });
  });

  it('measures every row: both directions, two sizes, both modes; interval rows all timed, flood rows timed on the stamped probes', async () => {
    const run = await runBench({ lab: one, sizes: [56, 1472], modes: ['interval', 'flood'], dirs: ['ns1-ns2', 'ns2-ns1'], count: 300, warmup: 30, intervalMs: 1, clock: 'kernel', vsPing: false, txStampEvery: 64 });
    expect(run.rows.map((r) => `${r.dir} ${r.size} ${r.mode}`)).toEqual([
      'ns1-ns2 56 interval', 'ns1-ns2 56 flood', 'ns2-ns1 56 interval', 'ns2-ns1 56 flood',
      'ns1-ns2 1472 interval', 'ns1-ns2 1472 flood', 'ns2-ns1 1472 interval', 'ns2-ns1 1472 flood',
    ]);
    for (const r of run.rows) {
      expect(r.sent).toBe(300);
      expect(r.received).toBe(300); // a veth inside one host loses nothing at this pace
      if (r.mode === 'interval') {
        // every probe TX-stamped: every reply timed on the kernel clock
        expect(r.untimed ?? 0).toBe(0);
        expect(r.txStampEvery).toBeUndefined();
        expect(r.rttNs.length).toBe(300);
      } else {
        // the engine's flood default: 1 probe in 64 TX-stamped; the others are counted, untimed
        expect(r.window).toBe(1);
        expect(r.txStampEvery).toBe(64);
        expect(r.rttNs.length).toBe(stampedInRow(30, 300));
        expect(r.untimed).toBe(300 - stampedInRow(30, 300));
      }
      const s = summarizeRow(r);
      expect(s.rtt!.minNs).toBeGreaterThan(0);
      expect(s.rtt!.p50Ns).toBeLessThanOrEqual(s.rtt!.p99Ns);
      expect(s.echoPerSec).toBeGreaterThan(0);
    }
    // Send instants follow the run: each row after the previous one.
    const firsts = run.rows.map((r) => Math.min(...r.atNs));
    for (let i = 1; i < firsts.length; i++) expect(firsts[i]).toBeGreaterThan(firsts[i - 1]);
  });

  it('--vs-ping prints vping and iputils ping side by side from one run, and writes the report and Prometheus file', () => {
    const report = join(dir, 'r.html');
    const prom = join(dir, 'r.prom');
    const r = vping(['bench', ...labArgs(one), '--modes', 'flood', '-c', '500', '--warmup', '50', '--vs-ping', '--report', report, '--prom', prom], { timeout: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    // the default span is ping's own: every reply timed, and RTT ratios (like with like)
    expect(lines[0]).toMatch(/^RTT in µs; vping clock ping \(user send → RX stamp\), ping user send → RX stamp/);
    expect(lines[1]).toBe('flood rows: 1 probe in flight (as ping -f); ping ran ping -f on the same pair right after; echo/s = replies ÷ first-to-last send of the measured probes');
    expect(lines[2]).toMatch(/vping\s+ping \(iputils\)\s+vping ÷ ping/);
    expect(r.stdout).not.toContain('no RTT ratio');
    const rows = lines.filter((l) => /^\s+1\s+ns[12]-ns[12]/.test(l));
    expect(rows).toHaveLength(2);
    for (const l of rows) {
      const c = l.trim().split(/\s+/);
      // pair dir size mode | sent rcvd loss echo/s timed min avg max mdev | ping's 8 | 3 ratios
      expect(c).toHaveLength(4 + 9 + 8 + 3);
      expect(c.slice(4, 6)).toEqual(['500', '500']);
      expect(c[8]).toBe('500'); // timed: every reply
      expect(c.slice(13, 15)).toEqual(['500', '500']); // ping's own counts, parsed from its output
      for (const k of [21, 22, 23]) expect(Number(c[k]), `ratio ${k}`).toBeGreaterThan(0);
    }
    expect(readFileSync(report, 'utf8')).toContain('vping beside iputils ping');
    expect(readFileSync(prom, 'utf8')).toMatch(/^vping_ping_echo_received_total\{pair="1",dir="ns1-ns2",size="56",mode="flood",clock="ping"\} 500$/m);
    // Prometheus' own linter accepts the file
    const check = spawnSync('promtool', ['check', 'metrics'], { input: readFileSync(prom, 'utf8'), encoding: 'utf8' });
    expect(check.stdout + check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('--pairs 3 runs the pairs at once: one row each, and totals that add up', async () => {
    const run = await runBench({ lab: three, sizes: [56], modes: ['flood', 'interval'], dirs: ['ns1-ns2'], count: 200, warmup: 20, intervalMs: 2, clock: 'kernel', vsPing: false, txStampEvery: 64 });
    expect(run.rows.map((r) => `${r.pair} ${r.mode}`)).toEqual(['1 flood', '2 flood', '3 flood', '1 interval', '2 interval', '3 interval']);
    expect(run.rows.map((r) => [r.sent, r.received, r.rttNs.length + (r.untimed ?? 0)])).toEqual(run.rows.map(() => [200, 200, 200]));
    const u = 200 - stampedInRow(20, 200);
    expect(run.rows.map((r) => r.untimed ?? 0)).toEqual([u, u, u, 0, 0, 0]);
    const totals = summarizeTotals(run.rows);
    expect(totals).toHaveLength(2);
    for (const t of totals) {
      const mine = run.rows.filter((r) => r.mode === t.mode);
      const per = mine.map(summarizeRow);
      expect(t.pairs).toBe(3);
      expect(t.sent).toBe(per.reduce((a, r) => a + r.sent, 0));
      expect(t.received).toBe(per.reduce((a, r) => a + r.received, 0));
      // Every reply over the window the pairs covered together: never more than their rates added.
      expect(t.durationNs).toBeGreaterThanOrEqual(Math.max(...per.map((r) => r.durationNs)));
      expect(t.echoPerSec).toBeCloseTo((t.received * 1e9) / t.durationNs, 6);
      expect(t.echoPerSec).toBeLessThanOrEqual(per.reduce((a, r) => a + r.echoPerSec, 0) + 1e-6);
      expect(t.rtt!.count).toBe(per.reduce((a, r) => a + r.rtt!.count, 0));
      expect(t.rtt!.minNs).toBe(Math.min(...per.map((r) => r.rtt!.minNs)));
      expect(t.rtt!.maxNs).toBe(Math.max(...per.map((r) => r.rtt!.maxNs)));
      expect(t.rtt!.p50Ns).toBeGreaterThanOrEqual(Math.min(...per.map((r) => r.rtt!.p50Ns)));
      expect(t.rtt!.p50Ns).toBeLessThanOrEqual(Math.max(...per.map((r) => r.rtt!.p50Ns)));
    }
    // The CLI's table has the three rows and the total block.
    const r = vping(['bench', ...labArgs(three), '--modes', 'flood', '--dirs', 'ns1-ns2', '-c', '100', '--warmup', '10'], { timeout: 120_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ {3}1 {2}ns1-ns2/m);
    expect(r.stdout).toMatch(/^ {3}3 {2}ns1-ns2/m);
    expect(r.stdout).toMatch(/^ all {2}ns1-ns2 +56 +flood +300 +300 +0% +\d+ +300 /m);
  });

  it('a flood row as ping -f would count it: 20000 sent, 20000 received, echo/s over first-to-last measured send', async () => {
    const run = await runBench({ lab: one, sizes: [56], modes: ['flood'], dirs: ['ns1-ns2'], count: 20000, warmup: 1000, intervalMs: 1, clock: 'kernel', vsPing: false });
    const [r] = run.rows;
    // a clean veth: nothing lost, nothing duplicated, every reply counted whether stamped or not
    expect([r.sent, r.received, r.duplicates]).toEqual([20000, 20000, 0]);
    expect(r.rttNs.length + (r.untimed ?? 0)).toBe(r.received);
    // no --tx-stamp-every: the sparsest sampling that keeps 1,000 timed samples (1 in 20 here)
    expect(r.txStampEvery).toBe(20);
    expect(r.rttNs.length).toBe(stampedInRow(1000, 20000, 20));
    expect(r.rttNs.length).toBeGreaterThanOrEqual(1000);
    const s = summarizeRow(r);
    expect(s.lossPercent).toBe(0);
    // ping's time is first to last send; the row's window starts at its first measured probe,
    // which precedes (or is) its first stamped one
    expect(r.firstAtNs).toBeLessThanOrEqual(Math.min(...r.atNs));
    expect(Math.max(...r.atNs)).toBeLessThanOrEqual(r.firstAtNs! + r.durationNs);
    expect(s.echoPerSec).toBeCloseTo((20000 * 1e9) / r.durationNs, 6);
  }, 120_000);

  it('--window 8 runs vping and ping -f alike with 8 in flight; --tx-stamp-every 1 times every reply', async () => {
    const run = await runBench({ lab: one, sizes: [56], modes: ['flood'], dirs: ['ns2-ns1'], count: 2000, warmup: 100, intervalMs: 1, clock: 'kernel', vsPing: true, window: 8, txStampEvery: 1 });
    const [r] = run.rows;
    expect([r.sent, r.received, r.untimed ?? 0, r.rttNs.length]).toEqual([2000, 2000, 0, 2000]);
    expect(r.window).toBe(8);
    expect(r.txStampEvery).toBeUndefined();
    expect(r.peer!.argv).toEqual(expect.arrayContaining(['-f', '-l', '8']));
    expect([r.peer!.transmitted, r.peer!.received]).toEqual([2000, 2000]);
    const out = vping(['bench', ...labArgs(one), '--modes', 'flood', '--dirs', 'ns1-ns2', '-c', '300', '--warmup', '10', '-l', '4', '--vs-ping'], { timeout: 120_000 });
    expect(out.status).toBe(0);
    expect(out.stdout.split('\n')[1]).toBe('flood rows: 4 probes in flight (as ping -f -l 4); ping ran ping -f -l 4 on the same pair right after; echo/s = replies ÷ first-to-last send of the measured probes');
  }, 120_000);

  it('-j prints one JSON document with every row', () => {
    const r = vping(['-j', 'bench', ...labArgs(one), '--modes', 'interval', '--dirs', 'ns2-ns1', '-c', '20', '--warmup', '0', '-i', '0.001'], { timeout: 60_000 });
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.rows).toHaveLength(1);
    expect(j.rows[0]).toMatchObject({ dir: 'ns2-ns1', mode: 'interval', sent: 20, received: 20 });
  });

  it("--trace adds each direction's legs to pair 1 and to the report", () => {
    const report = join(dir, 'traced.html');
    const r = vping(['-j', 'bench', ...labArgs(one), '--sizes', '56', '-c', '50', '--warmup', '5', '-i', '0.001', '--trace', '10', '--report', report], { timeout: 120_000 });
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    const traced = j.rows.filter((x: { trace?: unknown }) => x.trace);
    expect(traced.map((x: { dir: string; mode: string }) => `${x.dir} ${x.mode}`)).toEqual(['ns1-ns2 interval', 'ns2-ns1 interval']);
    for (const x of traced) {
      expect(x.trace.echoes).toBe(10);
      expect(x.trace.crossing.min_ns).toBeGreaterThanOrEqual(0);
    }
    const html = readFileSync(report, 'utf8');
    expect(html).toContain('id="chart-trace-0"');
    expect(html).toContain('id="chart-trace-1"');
    expect(html).not.toContain('id="chart-trace"');
  });

  it('Ctrl-C: the row being measured stops, the table prints the rows so far, report and Prometheus file are written, exit 0', async () => {
    const report = join(dir, 'int.html');
    const prom = join(dir, 'int.prom');
    // 1 ms apart, 100000 echoes per row: minutes of work, stopped after the first row is under way
    const r = await interrupted(['bench', ...labArgs(one), '--modes', 'interval', '--dirs', 'ns1-ns2,ns2-ns1', '-c', '100000', '--warmup', '10', '-i', '0.001', '--report', report, '--prom', prom], { afterMs: 2500 });
    expect(r.signal).toBeNull();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const rows = r.stdout.split('\n').filter((l) => /^\s+1\s+ns[12]-ns[12]/.test(l));
    expect(rows).toHaveLength(1); // the second direction never started
    const c = rows[0].trim().split(/\s+/);
    expect(c.slice(0, 4)).toEqual(['1', 'ns1-ns2', '56', 'interval']);
    const [sent, rcvd] = [Number(c[4]), Number(c[5])];
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(100000);
    expect(rcvd).toBeGreaterThan(0);
    expect(rcvd).toBeLessThanOrEqual(sent);
    expect(r.stdout).toContain('interrupted: 1 row measured before the stop; cut short (figures up to the stop): 1 ns1-ns2 56 interval\n');
    expect(r.stdout).toContain(`report: ${report}\nprometheus: ${prom}\n`);
    // the report: the whole page, with the row's data in it
    const html = readFileSync(report, 'utf8');
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    expect(html).toContain('id="chart-latency-interval"');
    expect(html).toContain('ns1-ns2 56 B interval');
    // the Prometheus file: well formed, the row's counts as the table printed them, marked interrupted
    const p = promSamples(readFileSync(prom, 'utf8'));
    const L = '{pair="1",dir="ns1-ns2",size="56",mode="interval",clock="ping"}';
    expect(p.get(`vping_echo_sent_total${L}`)).toBe(sent);
    expect(p.get(`vping_echo_received_total${L}`)).toBe(rcvd);
    expect(p.get('vping_bench_interrupted')).toBe(1);
    expect([...p.keys()].some((k) => k.includes('ns2-ns1'))).toBe(false);
  });

  it('SIGTERM with --json after the command: the rows so far in one JSON document, marked interrupted; nothing measured: exit 1', async () => {
    const r = await interrupted(['bench', ...labArgs(one), '--modes', 'interval', '--dirs', 'ns2-ns1', '-c', '100000', '--warmup', '10', '-i', '0.001', '--json'], { afterMs: 2000, sig: 'SIGTERM' });
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.interrupted).toBe(true);
    expect(j.rows).toHaveLength(1);
    expect(j.rows[0]).toMatchObject({ dir: 'ns2-ns1', mode: 'interval', interrupted: true });
    expect(j.rows[0].received).toBeGreaterThan(0);
    // stopped in the warm-up (10 s of it): no row, the note alone, and ping's status for "no reply"
    const w = await interrupted(['bench', ...labArgs(one), '--modes', 'interval', '--dirs', 'ns1-ns2', '-c', '10', '--warmup', '10000', '-i', '0.001'], { afterMs: 1500 });
    expect(w.status).toBe(1);
    expect(w.stdout).toMatch(/^interrupted: 0 rows measured before the stop\npeak memory: \d+ MiB resident \(the whole process, engines included\)\n$/);
  });

  it('-j works before and after the command alike', () => {
    const args = [...labArgs(one), '--modes', 'interval', '--dirs', 'ns1-ns2', '-c', '5', '--warmup', '0', '-i', '0.001'];
    for (const r of [vping(['-j', 'bench', ...args]), vping(['bench', ...args, '-j'])]) {
      expect(r.status).toBe(0);
      const j = JSON.parse(r.stdout);
      expect(j.interrupted).toBe(false);
      expect(j.rows[0]).toMatchObject({ dir: 'ns1-ns2', sent: 5, received: 5 });
    }
  });

  it('bad input: one line, exit 2, nothing written', () => {
    const report = join(dir, 'never.html');
    for (const args of [
      ['bench', ...labArgs(one), '--sizes', '70000'],
      ['bench', ...labArgs(one), '--sizes', '56,-1'],
      ['bench', ...labArgs(one), '--window', '0'],
      ['bench', ...labArgs(one), '--tx-stamp-every', '70000'],
      ['bench', ...labArgs(one), '--modes', 'burst'],
      ['bench', ...labArgs(one), '-c', '0'],
      ['bench', '--ns', `${uniq('no')},${uniq('no')}`],
      ['bench', ...labArgs(one), '--report', join(dir, 'no-such-dir', 'r.html')],
      ['bench', ...labArgs(one), '--prom', dir],
      ['bench', ...labArgs(one), '--sizes', '70000', '--report', report],
      ['bench', ...labArgs(one), '--trace', '0'],
    ]) {
      const r = vping(args);
      expect(isOneLineError(r), `${args.join(' ')} → ${r.status} ${r.stderr}`).toBe(true);
    }
    expect(existsSync(report)).toBe(false);
    expect(vping(['bench', '--ns', 'a,b']).stderr).toMatch(/the lab is not up .* run vping lab up first/);
    expect(vping(['bench', ...labArgs(one), '--sizes', '70000']).stderr).toBe('vping: --sizes: payload size 70000 out of range 0-65507\n');
  });
});
