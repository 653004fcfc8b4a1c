// vping exporter with the real engine, scraped by a real Prometheus (Debian's package, on
// 127.0.0.1 with a temporary config): the series of each target arrive in Prometheus with
// the counts the exporter kept, promtool accepts the exposition, and faults stay local to
// their target — a namespace deleted under a probe, an interface down, a bad config on
// SIGHUP, a port in use. Targets are the lab pair the test builds and a namespace's own
// loopback; nothing leaves them.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { labDown, labUp } from '../../src/lab/lab.js';
import type { LabInput } from '../../src/lab/spec.js';
import { describePriv, isRoot, peer, removeNetns, uniq } from '../helpers/priv.js';
import { VPING, isOneLineError, vping } from '../helpers/cli.js';

const lab: LabInput = { ns: [uniq('vx'), uniq('vx')], ifnames: ['vx0', 'vx1'], addrs: ['10.214.0.1/24', '10.214.0.2/24'] };
const labArgs = ['--ns', lab.ns!.join(','), '--ifnames', lab.ifnames!.join(','), '--addrs', lab.addrs!.join(',')];
const doomed = uniq('vxd');
const dir = mkdtempSync(join(tmpdir(), 'vping-exporter-'));
const configFile = join(dir, 'exporter.yml');
const children: ChildProcess[] = [];
let port = 0;
let promPort = 0;
let exporter: ChildProcess;
let exporterErr = '';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The exporter's /metrics, as samples `name{labels}` → value. */
async function scrape(): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

const series = (name: string, ns: string, dest: string, extra = ''): string => `${name}{netns="${ns}",destination="${dest}",size="56"${extra}}`;

async function promQuery(q: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const r = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(q)}`);
  const j = (await r.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  expect(j.status).toBe('success');
  return j.data.result;
}

async function until<T>(what: string, f: () => Promise<T | undefined | null | false>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

beforeAll(async () => {
  if (!isRoot) return;
  labUp(lab);
  peer('ip', ['netns', 'add', doomed]);
  peer('ip', ['-n', doomed, 'link', 'set', 'lo', 'up']);
  writeFileSync(configFile, `interval: 50ms\nrescan: 300ms\ntargets:\n  - { netns: ${doomed}, address: 127.0.0.1 }\n`);
  port = await freePort();
  promPort = await freePort();
  exporter = spawn(process.execPath, [VPING, 'exporter', '--lab', ...labArgs, '--config', configFile, '--listen', `127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(exporter);
  exporter.stderr!.on('data', (d: Buffer) => (exporterErr += d.toString()));
  await until('the exporter to listen', async () => exporterErr.includes('listening on'));
  writeFileSync(join(dir, 'prometheus.yml'), [
    'global:', '  scrape_interval: 1s', '  scrape_timeout: 900ms',
    'scrape_configs:', '  - job_name: vping', '    static_configs:', `      - targets: ['127.0.0.1:${port}']`, '',
  ].join('\n'));
  const prom = spawn('prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn',
  ], { stdio: 'ignore' });
  children.push(prom);
}, 60_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await sleep(100);
  if (isRoot) {
    labDown(lab);
    removeNetns(doomed);
  }
  rmSync(dir, { recursive: true, force: true });
});

describePriv('vping exporter', () => {
  it('Prometheus scrapes every target with the counts the exporter kept; promtool accepts the exposition', async () => {
    const [a, b] = lab.ns!;
    // a few scrapes in: every target has a series in Prometheus
    const rows = await until('three targets in Prometheus', async () => {
      const r = await promQuery('vping_probe_replies_total > 10');
      return r.length === 3 && r;
    });
    expect(rows.map((r) => `${r.metric.netns}>${r.metric.destination}`).sort()).toEqual([`${a}>10.214.0.2`, `${b}>10.214.0.1`, `${doomed}>127.0.0.1`].sort());
    // the value Prometheus holds lies between what the exporter said before and after its scrape
    const key = series('vping_probe_requests_total', a, '10.214.0.2');
    const before = (await scrape()).get(key)!;
    const t0 = Date.now() / 1000;
    await sleep(2500);
    const after = (await scrape()).get(key)!;
    const [p] = await promQuery(`vping_probe_requests_total{netns="${a}"}`);
    const [ts] = await promQuery(`timestamp(vping_probe_requests_total{netns="${a}"})`);
    expect(Number(ts.value[1])).toBeGreaterThan(t0);
    expect(Number(p.value[1])).toBeGreaterThanOrEqual(before);
    expect(Number(p.value[1])).toBeLessThanOrEqual(after);
    // on the idle lab every request is answered (a reply or two may be in flight at a scrape)
    const m = await scrape();
    const sent = m.get(key)!;
    const got = m.get(series('vping_probe_replies_total', a, '10.214.0.2'))!;
    expect(got).toBeLessThanOrEqual(sent);
    expect(got).toBeGreaterThanOrEqual(sent - 2);
    expect(m.get(series('vping_probe_rtt_seconds_count', a, '10.214.0.2'))).toBe(got);
    // microsecond buckets: the veth crossing lands below a millisecond, above 1 µs
    expect(m.get(`vping_probe_rtt_seconds_bucket{le="0.000001",netns="${a}",destination="10.214.0.2",size="56"}`)).toBe(0);
    expect(m.get(`vping_probe_rtt_seconds_bucket{le="0.001024",netns="${a}",destination="10.214.0.2",size="56"}`)).toBeGreaterThan(0);
    expect(m.get(series('vping_probe_up', a, '10.214.0.2'))).toBe(1);
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.stdout + check.stderr).toBe('');
    expect(check.status).toBe(0);
  }, 60_000);

  it('an interface down counts send errors by cause for its target only; the others go on', async () => {
    const [a, b] = lab.ns!;
    peer('ip', ['-n', a, 'link', 'set', 'vx0', 'down']);
    try {
      await until('send errors counted', async () => {
        const m = await scrape();
        return [...m.keys()].some((k) => k.startsWith(`vping_probe_errors_total{netns="${a}",destination="10.214.0.2",size="56",cause="E`) && m.get(k)! > 0);
      });
      const m0 = await scrape();
      await sleep(500);
      const m1 = await scrape();
      const lo = series('vping_probe_replies_total', doomed, '127.0.0.1');
      expect(m1.get(lo)!).toBeGreaterThan(m0.get(lo)!);
    } finally {
      peer('ip', ['-n', a, 'link', 'set', 'vx0', 'up']);
      peer('ip', ['-n', b, 'link', 'set', 'vx1', 'up']);
    }
  }, 30_000);

  it('SIGHUP: a bad config is refused in one line and the old one runs on; a good one adds a target and keeps the counters of the rest', async () => {
    const [a] = lab.ns!;
    const key = series('vping_probe_requests_total', a, '10.214.0.2');
    const before = (await scrape()).get(key)!;
    writeFileSync(configFile, 'interval: 50ms\ntargets: [ { netns: nope/, address: not-an-address } ]\n');
    const mark = exporterErr.length;
    exporter.kill('SIGHUP');
    await until('the refusal', async () => exporterErr.slice(mark).includes('keeping the running config'));
    expect(exporterErr.slice(mark).trim().split('\n')).toHaveLength(1);
    expect(exporterErr.slice(mark)).toMatch(/not-an-address" is not a numeric IPv4 or IPv6 address; keeping the running config/);
    writeFileSync(configFile, `interval: 50ms\nrescan: 300ms\ntargets:\n  - { netns: ${doomed}, address: 127.0.0.1 }\n  - { netns: ${a}, address: 10.214.0.1 }\n`);
    const mark2 = exporterErr.length;
    exporter.kill('SIGHUP');
    await until('the reload', async () => /reloaded .*: 1 added, 0 removed, 3 kept/.test(exporterErr.slice(mark2)));
    const m = await until('the new target', async () => {
      const x = await scrape();
      return (x.get(series('vping_probe_replies_total', a, '10.214.0.1')) ?? 0) > 0 && x;
    });
    expect(m.get(key)!).toBeGreaterThan(before);
  }, 30_000);

  it('a namespace glob follows namespaces as they come and go (rescanned)', async () => {
    const [a] = lab.ns!;
    const g = uniq('vxg');
    writeFileSync(configFile, [
      'interval: 50ms', 'rescan: 300ms', 'targets:', `  - { netns: ${doomed}, address: 127.0.0.1 }`, `  - { netns: ${a}, address: 10.214.0.1 }`,
      'netns:', `  - { glob: "${g}*", address: 127.0.0.1 }`, '',
    ].join('\n'));
    const mark = exporterErr.length;
    exporter.kill('SIGHUP');
    await until('the reload', async () => /reloaded .*: 0 added, 0 removed, 4 kept/.test(exporterErr.slice(mark)));
    try {
      peer('ip', ['netns', 'add', `${g}1`]);
      peer('ip', ['-n', `${g}1`, 'link', 'set', 'lo', 'up']);
      await until('the new namespace probed', async () => ((await scrape()).get(series('vping_probe_replies_total', `${g}1`, '127.0.0.1')) ?? 0) > 0);
      peer('ip', ['netns', 'del', `${g}1`]);
      await until('its series gone', async () => !(await scrape()).has(series('vping_probe_requests_total', `${g}1`, '127.0.0.1')));
    } finally {
      removeNetns(`${g}1`);
    }
  }, 30_000);

  it('a namespace deleted under its probe: up 0 and netns_gone for it, the others go on', async () => {
    const [a] = lab.ns!;
    peer('ip', ['netns', 'del', doomed]);
    const m = await until('the deletion seen', async () => {
      const x = await scrape();
      return x.get(series('vping_probe_up', doomed, '127.0.0.1')) === 0 && x;
    });
    expect(m.get(series('vping_probe_errors_total', doomed, '127.0.0.1', ',cause="netns_gone"'))).toBe(1);
    const k = series('vping_probe_replies_total', a, '10.214.0.2');
    await sleep(300);
    expect((await scrape()).get(k)!).toBeGreaterThan(m.get(k)!);
    expect(exporterErr).toContain(`${doomed}: the namespace is gone; 127.0.0.1 is not probed until it is back`);
  }, 30_000);

  it('a port in use is one line and exit 2; a config error at start too', () => {
    const r = vping(['exporter', '--lab', ...labArgs, '--listen', `127.0.0.1:${port}`]);
    expect(r.stderr).toBe(`vping: exporter: cannot listen on 127.0.0.1:${port}: the address is in use (another exporter?)\n`);
    expect(isOneLineError(r)).toBe(true);
    const bad = join(dir, 'bad.yml');
    writeFileSync(bad, 'targets:\n  - { netns: ns1, adress: 10.0.0.1 }\n');
    const c = vping(['exporter', '--config', bad]);
    expect(c.stderr).toBe(`vping: ${bad}: targets[0]: unknown key "adress"\n`);
    expect(isOneLineError(c)).toBe(true);
    expect(isOneLineError(vping(['exporter']))).toBe(true);
  });

  it('SIGTERM ends it cleanly (exit 0, the port freed)', async () => {
    exporter.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => (exporter.exitCode !== null ? r(exporter.exitCode) : exporter.on('exit', (c) => r(c))));
    expect(code).toBe(0);
    expect(exporterErr).toMatch(/stopped\n$/);
    const s = createServer();
    await new Promise<void>((r, j) => s.once('error', j).listen(port, '127.0.0.1', r));
    await new Promise<void>((r) => s.close(() => r()));
  });
});
