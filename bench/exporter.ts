// vping exporter beside smokeping_prober (Debian's prometheus-smokeping-prober), probing the
// same targets from inside the same namespaces at the same time: a lab of P pairs (each
// namespace probes its peer, so 2P targets), both tools at the same interval and size for a
// measured window after a warm-up. Prints, per tool: probes sent in the window, CPU seconds
// (every thread of every process: one vping process, one prober per source namespace, as
// smokeping_prober pings from the namespace it runs in), CPU per 1,000 probes, the mean RTT
// each reports for the same targets (histogram _sum ÷ _count over the window), its lowest
// histogram bucket, and peak RSS; then the ratios vping ÷ smokeping_prober.
//
//   node dist/bench/exporter.js [--pairs P] [--interval S] [--window S] [--soak MIN]
//
// --soak MIN: instead, vping alone with 2P targets (default 50 pairs: 100 targets) for MIN
// minutes, RSS and open fds every 30 s, first/last/largest printed (the exporter's memory and
// descriptors stay flat or it leaks).
// Traffic: only across the lab this bench makes (vbx…), removed at the end; the metrics are
// read on 127.0.0.1 (vping in the root namespace; each prober inside its own namespace). Each
// prober gets a config path that does not exist: its targets are the command line's.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { labDown, labUp } from '../src/lab/lab.js';
import { labPairs, resolveLab, type LabInput } from '../src/lab/spec.js';

const argv = process.argv.slice(2);
const arg = (name: string, dflt: number): number => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const SOAK_MIN = arg('--soak', 0);
const PAIRS = arg('--pairs', SOAK_MIN ? 50 : 10);
const INTERVAL_S = arg('--interval', 0.1);
const WINDOW_S = arg('--window', 60);
const WARMUP_S = 5;
const VPING = fileURLToPath(new URL('../bin/vping.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU of a live process, ns: the sum over its threads of schedstat's time on CPU. */
function procNs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      /* the thread ended meanwhile */
    }
  }
  return ns;
}

const status = (pid: number, key: string): number => Number(/(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(key)) ?? '0 kB')?.[1] ?? 0) * 1024;
const fds = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;

/** Samples of a Prometheus text: `name{labels}` → value, summed over series by metric name when `sum`. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    const key = line.slice(0, i);
    const name = key.split('{')[0];
    out.set(name, (out.get(name) ?? 0) + Number(line.slice(i + 1)));
  }
  return out;
}

interface Tool {
  name: string;
  procs: ChildProcess[];
  /** the summed samples of every process's /metrics */
  scrape(): Promise<Map<string, number>>;
  requests: string;
  rttSum: string;
  rttCount: string;
  lowestBucket: string;
}

async function until(what: string, f: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await Promise.resolve(f()).catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(100);
  }
}

async function main(): Promise<void> {
  const tag = randomBytes(2).toString('hex');
  const lab: LabInput = { pairs: PAIRS, ns: [`vbx${tag}a`, `vbx${tag}b`], ifnames: ['vbx0', 'vbx1'], addrs: ['10.230.0.1/24', '10.230.0.2/24'] };
  const spec = resolveLab(lab);
  const pairs = labPairs(spec);
  labUp(spec);
  const procs: ChildProcess[] = [];
  // stopped early (Ctrl-C, a soak cut short): the tools and the lab go too
  const onSignal = (): void => {
    for (const p of procs) p.kill('SIGKILL');
    labDown(spec);
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const port = 19400 + Math.floor(Math.random() * 500);
    const vp = spawn(process.execPath, [VPING, 'exporter', '--lab', '--ns', spec.ns.join(','), '--ifnames', spec.ifnames.join(','), '--addrs', spec.addrs.join(','), '--pairs', String(PAIRS), '-i', String(INTERVAL_S), '--listen', `127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    procs.push(vp);
    let vpErr = '';
    vp.stderr!.on('data', (d: Buffer) => (vpErr += d.toString()));
    await until('vping exporter listening', () => vpErr.includes('listening on'));
    const vping: Tool = {
      name: 'vping exporter', procs: [vp],
      scrape: async () => samples(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()),
      requests: 'vping_probe_requests_total', rttSum: 'vping_probe_rtt_seconds_sum', rttCount: 'vping_probe_rtt_seconds_count', lowestBucket: '1 µs',
    };
    if (SOAK_MIN) return await soak(vping);
    // one prober per source namespace, listening on its own loopback, pinging its peer
    const probers: { ns: string; port: number; p: ChildProcess }[] = [];
    for (const p of pairs) {
      for (const [a, b] of [[0, 1], [1, 0]] as const) {
        const ns = p.ends[a].ns;
        const pport = 9374;
        const child = spawn('ip', ['netns', 'exec', ns, 'prometheus-smokeping-prober', `--web.listen-address=127.0.0.1:${pport}`, `--ping.interval=${INTERVAL_S * 1000}ms`, '--privileged', '--log.level=warn', '--config.file=/nonexistent/smokeping_prober.yml', p.ends[b].cidr.address], { stdio: 'ignore' });
        procs.push(child);
        probers.push({ ns, port: pport, p: child });
      }
    }
    const curl = (ns: string, port: number): string => execFileSync('ip', ['netns', 'exec', ns, 'curl', '-sf', `http://127.0.0.1:${port}/metrics`], { encoding: 'utf8' });
    await until('every smokeping_prober answering', () => probers.every((x) => {
      try {
        return curl(x.ns, x.port).includes('smokeping_requests_total');
      } catch {
        return false;
      }
    }));
    const smoke: Tool = {
      name: 'smokeping_prober', procs: probers.map((x) => x.p),
      scrape: async () => {
        const all = new Map<string, number>();
        for (const x of probers) for (const [k, v] of samples(curl(x.ns, x.port))) all.set(k, (all.get(k) ?? 0) + v);
        return all;
      },
      requests: 'smokeping_requests_total', rttSum: 'smokeping_response_duration_seconds_sum', rttCount: 'smokeping_response_duration_seconds_count', lowestBucket: '50 µs',
    };
    const tools = [vping, smoke];
    await sleep(WARMUP_S * 1000);
    // `ip netns exec` execs the prober: the child's pid is the prober's
    const cpu = (t: Tool): number => t.procs.reduce((s, p) => s + procNs(p.pid!), 0);
    const rss = (t: Tool): number => t.procs.reduce((s, p) => s + status(p.pid!, 'VmHWM'), 0);
    const before = await Promise.all(tools.map(async (t) => ({ cpu: cpu(t), m: await t.scrape() })));
    await sleep(WINDOW_S * 1000);
    const after = await Promise.all(tools.map(async (t) => ({ cpu: cpu(t), m: await t.scrape() })));
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    process.stdout.write(`\nvping exporter beside smokeping_prober: ${pairs.length * 2} targets (${PAIRS} pairs, each end probing the other) at ${INTERVAL_S} s, 56 B, ${WINDOW_S} s window after ${WARMUP_S} s; load ${load}\n`);
    process.stdout.write(`${'tool'.padEnd(18)} ${'processes'.padStart(9)} ${'probes'.padStart(8)} ${'CPU s'.padStart(8)} ${'CPU ms/1000 probes'.padStart(19)} ${'mean RTT µs'.padStart(12)} ${'lowest bucket'.padStart(14)} ${'peak RSS MiB'.padStart(13)}\n`);
    const fig = tools.map((t, i) => {
      const b = before[i];
      const a = after[i];
      const probes = (a.m.get(t.requests) ?? 0) - (b.m.get(t.requests) ?? 0);
      const cpuS = (a.cpu - b.cpu) / 1e9;
      const n = (a.m.get(t.rttCount) ?? 0) - (b.m.get(t.rttCount) ?? 0);
      const meanUs = n > 0 ? (((a.m.get(t.rttSum) ?? 0) - (b.m.get(t.rttSum) ?? 0)) / n) * 1e6 : NaN;
      const perK = probes > 0 ? (cpuS / probes) * 1e6 : NaN;
      const mib = rss(t) / 2 ** 20;
      process.stdout.write(`${t.name.padEnd(18)} ${String(t.procs.length).padStart(9)} ${String(probes).padStart(8)} ${cpuS.toFixed(2).padStart(8)} ${perK.toFixed(1).padStart(19)} ${meanUs.toFixed(1).padStart(12)} ${t.lowestBucket.padStart(14)} ${mib.toFixed(0).padStart(13)}\n`);
      return { perK, meanUs, mib };
    });
    process.stdout.write(`vping ÷ smokeping_prober: CPU per probe ${(fig[0].perK / fig[1].perK).toFixed(3)} (goal ≤ 1), mean RTT ${(fig[0].meanUs / fig[1].meanUs).toFixed(3)}, peak RSS ${(fig[0].mib / fig[1].mib).toFixed(3)}\n`);
    process.stdout.write("mean RTT: vping's is ping's span (user send → kernel RX stamp); smokeping_prober's is its own (Go's pro-bing: user send → user receive), so the two are printed, not judged\n");
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await sleep(300);
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    labDown(spec);
  }
}

async function soak(t: Tool): Promise<void> {
  const pid = t.procs[0].pid!;
  const rows: { min: number; rss: number; fds: number; probes: number }[] = [];
  const t0 = Date.now();
  const end = t0 + SOAK_MIN * 60_000;
  process.stdout.write(`\nvping exporter soak: ${PAIRS * 2} targets at ${INTERVAL_S} s for ${SOAK_MIN} min\n${'min'.padStart(6)} ${'RSS MiB'.padStart(8)} ${'fds'.padStart(5)} ${'probes'.padStart(9)}\n`);
  for (;;) {
    const m = await t.scrape();
    const r = { min: (Date.now() - t0) / 60_000, rss: status(pid, 'VmRSS') / 2 ** 20, fds: fds(pid), probes: m.get(t.requests) ?? 0 };
    rows.push(r);
    process.stdout.write(`${r.min.toFixed(1).padStart(6)} ${r.rss.toFixed(1).padStart(8)} ${String(r.fds).padStart(5)} ${String(r.probes).padStart(9)}\n`);
    if (Date.now() >= end) break;
    await sleep(Math.min(30_000, end - Date.now()));
  }
  const first = rows[1] ?? rows[0];
  const last = rows[rows.length - 1];
  process.stdout.write(`RSS ${first.rss.toFixed(1)} → ${last.rss.toFixed(1)} MiB (largest ${Math.max(...rows.map((r) => r.rss)).toFixed(1)}), fds ${first.fds} → ${last.fds}, ${last.probes} probes (${(last.probes / (last.min * 60)).toFixed(0)}/s)\n`);
  // flat or growing: the least-squares slope of RSS over the second half (the first holds the
  // heaps' growth to their working size), against the spread of the samples around it
  const half = rows.filter((r) => r.min >= last.min / 2);
  if (half.length >= 3) {
    const mx = half.reduce((s, r) => s + r.min, 0) / half.length;
    const my = half.reduce((s, r) => s + r.rss, 0) / half.length;
    const slope = half.reduce((s, r) => s + (r.min - mx) * (r.rss - my), 0) / half.reduce((s, r) => s + (r.min - mx) ** 2, 0);
    const lo = Math.min(...half.map((r) => r.rss));
    const hi = Math.max(...half.map((r) => r.rss));
    process.stdout.write(`second half (${half[0].min.toFixed(1)}–${last.min.toFixed(1)} min): RSS ${lo.toFixed(1)}–${hi.toFixed(1)} MiB, slope ${slope >= 0 ? '+' : ''}${slope.toFixed(2)} MiB/min (${((slope * 60) / my * 100).toFixed(1)}% of its mean per hour)\n`);
    // V8's heaps swing in long saw-teeth (an old generation collected every several minutes),
    // so a slope over part of one tooth says little: the band each quarter spans does
    const q = (k: number) => rows.filter((r) => r.min >= (last.min * k) / 4 && r.min <= (last.min * (k + 1)) / 4);
    const bands = [0, 1, 2, 3].map(q).filter((b) => b.length).map((b) => `${Math.min(...b.map((r) => r.rss)).toFixed(0)}–${Math.max(...b.map((r) => r.rss)).toFixed(0)}`);
    process.stdout.write(`RSS band by quarter of the soak, MiB: ${bands.join(', ')}\n`);
  }
}

await main();
