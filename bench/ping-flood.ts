// A flood of echoes across a veth pair the bench makes (and removes): vping's engine (a
// library call; the worker loop with sendmmsg/recvmmsg) against iputils `ping -f` and
// against net-ping (the Node peer, loaded from NET_PING_DIR), in one run, with ratios.
//
//   node dist/bench/ping-flood.js [--count N] [--batch B] [--long]
//   NET_PING_DIR=/tmp/netping/node_modules/net-ping node dist/bench/ping-flood.js
//
// --long: 10,000,000 echoes through vping -f -l B, resident memory at each tenth (flat, or it leaks).
//
// Fairness: `ping -f` keeps one probe in flight (its default preload, 1); vping's flood
// here keeps up to --batch in flight and moves them with sendmmsg/recvmmsg. Both are
// printed, and so is `ping -f -l BATCH` (iputils with the same window), so the reader sees
// what the window alone buys. ping -f runs first and last; the faster of the two is the
// base of the ratios (the conservative choice on a shared, noisy machine).
//
// C floor rows: bench/floor.c, compiled here with cc, does the same work (raw socket, build,
// checksum, match) with nothing around it: one in flight with sendto/recvmsg, and a window of
// --batch with sendmmsg/recvmmsg. What vping could reach on this machine, beside what it does.
//
// --threads rows: vping with 2 independent flows (PingOptions.threads: 2 workers, 2 raw
// sockets, 2 ids), so 2 cores, where ping -f uses 1. Beside them, 2 `ping -f` processes at
// once, so the reader sees what the second core alone buys iputils too.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { FLOOD_TX_STAMP_EVERY, startPing, ping, type PingOptions, type PingResult } from '../src/icmp/index.js';
import { withNetns } from '../src/ns/netns.js';

const argv = process.argv.slice(2);
const arg = (name: string, dflt: number): number => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const COUNT = arg('--count', 100_000);
const BATCH = arg('--batch', 32);
const LONG = argv.includes('--long');

interface Row {
  tool: string;
  echoes: number;
  echoPerSec: number;
  minUs: number | null;
  p50Us: number | null;
  clock: string;
  note?: string;
}

const ip = (...a: string[]) => execFileSync('ip', a, { stdio: ['ignore', 'ignore', 'pipe'] });

function makeLab() {
  const t = randomBytes(3).toString('hex');
  const ns1 = `vb${t}a`;
  const ns2 = `vb${t}b`;
  const a1 = '10.250.77.1';
  const a2 = '10.250.77.2';
  const down = () => {
    for (const n of [ns1, ns2]) spawnSync('ip', ['netns', 'del', n], { stdio: 'ignore' });
  };
  try {
    ip('netns', 'add', ns1);
    ip('netns', 'add', ns2);
    ip('link', 'add', `b${t}a`, 'netns', ns1, 'type', 'veth', 'peer', 'name', `b${t}b`, 'netns', ns2);
    ip('-n', ns1, 'addr', 'add', `${a1}/24`, 'dev', `b${t}a`);
    ip('-n', ns2, 'addr', 'add', `${a2}/24`, 'dev', `b${t}b`);
    for (const [n, d] of [[ns1, `b${t}a`], [ns2, `b${t}b`]]) {
      ip('-n', n, 'link', 'set', 'lo', 'up');
      ip('-n', n, 'link', 'set', d, 'up');
    }
  } catch (e) {
    down();
    throw e;
  }
  return { ns1, ns2, a1, a2, down };
}

function iputilsFlood(ns: string, dst: string, count: number, preload: number, label = ''): Row {
  const args = ['netns', 'exec', ns, 'ping', '-f', '-q', '-c', String(count), ...(preload > 1 ? ['-l', String(preload)] : []), dst];
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  const tm = /(\d+) received.*time (\d+)ms/.exec(r.stdout);
  const rtt = /rtt min\/avg\/max\/mdev = ([\d.]+)\/([\d.]+)\//.exec(r.stdout);
  if (!tm) throw new Error(`ping -f failed: ${r.stdout}${r.stderr}`);
  return {
    tool: `ping -f${preload > 1 ? ` -l ${preload}` : ''} (iputils${label})`,
    echoes: +tm[1],
    echoPerSec: (+tm[1] / +tm[2]) * 1000,
    minUs: rtt ? Math.round(+rtt[1] * 1000) : null,
    p50Us: null,
    clock: 'kernel RX stamp − gettimeofday before send (µs resolution)',
    note: rtt ? `avg ${rtt[2]} ms (ping prints no median)` : undefined,
  };
}

/** bench/floor.c compiled into a temporary directory (null, with the reason, when cc cannot). */
function compileFloor(): { bin: string; dir: string } | string {
  const src = fileURLToPath(new URL('../../bench/floor.c', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'vping-floor-'));
  const bin = join(dir, 'floor');
  const r = spawnSync('cc', ['-O2', '-o', bin, src], { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return `C floor: skipped (cc ${src}: ${r.error?.message ?? r.stderr.trim().split('\n')[0]})`;
  }
  return { bin, dir };
}

/** The C loop's echo/s (first send to last reply). */
function floorRow(bin: string, ns: string, dst: string, count: number, window: number): Row {
  const mode = window > 1 ? 'mmsg' : 'sendto';
  const out = execFileSync('ip', ['netns', 'exec', ns, bin, mode, String(count), String(window), dst], { encoding: 'utf8' });
  const [, , , got, ns_] = out.trim().split(' ');
  return {
    tool: window > 1 ? `C floor, -l ${window} (sendmmsg/recvmmsg)` : 'C floor, one in flight (sendto/recvmsg)',
    echoes: Number(got),
    echoPerSec: Number(got) / (Number(ns_) / 1e9),
    minUs: null,
    p50Us: null,
    clock: '—',
    note: 'bench/floor.c: build, checksum, match; nothing else',
  };
}

/** Two `ping -f` processes at once, each with half the count: received over the longer of their "time"s. */
async function iputilsTwo(ns: string, dst: string, count: number): Promise<Row> {
  const one = () => new Promise<string>((resolve) => {
    execFile('ip', ['netns', 'exec', ns, 'ping', '-f', '-q', '-c', String(count / 2), dst], { encoding: 'utf8' }, (_e, out) => resolve(out));
  });
  const outs = await Promise.all([one(), one()]);
  let rx = 0;
  let ms = 0;
  for (const o of outs) {
    const tm = /(\d+) received.*time (\d+)ms/.exec(o);
    if (!tm) throw new Error(`ping -f failed: ${o}`);
    rx += +tm[1];
    ms = Math.max(ms, +tm[2]);
  }
  return {
    tool: '2 × ping -f at once (iputils, 2 processes)',
    echoes: rx,
    echoPerSec: (rx / ms) * 1000,
    minUs: null,
    p50Us: null,
    clock: '—',
    note: 'received of both / the longer of their "time"s',
  };
}

function vpingRow(r: PingResult, label: string): Row {
  const st = r.stats;
  const k = st.rtt.kernel;
  const h = st.rtt.hrtime;
  return {
    tool: label,
    echoes: st.received,
    echoPerSec: st.transmitted / (st.elapsedNs / 1e9),
    minUs: k ? k.minNs / 1000 : h ? h.minNs / 1000 : null,
    p50Us: k ? k.p50Ns / 1000 : h ? h.p50Ns / 1000 : null,
    clock: k ? `kernel TX stamp → RX stamp (ns, ${k.samples} stamped)` : 'hrtime (ns)',
    note: h ? `hrtime min/p50 ${(h.minNs / 1000).toFixed(2)}/${(h.p50Ns / 1000).toFixed(2)} µs` : undefined,
  };
}

interface NetPingSession {
  pingHost(target: string, cb: (err: Error | null, target: string, sent: Date, rcvd: Date) => void): void;
  close(): void;
}
interface NetPingModule {
  createSession(o: object): NetPingSession;
}

async function netPingRow(ns: string, dst: string, count: number): Promise<Row | string> {
  const dir = process.env.NET_PING_DIR;
  if (!dir) return 'net-ping: skipped (set NET_PING_DIR to an installed net-ping, e.g. /tmp/netping/node_modules/net-ping)';
  let mod: NetPingModule;
  try {
    mod = createRequire(import.meta.url)(dir) as NetPingModule;
  } catch (e) {
    return `net-ping: skipped (cannot load ${dir}: ${(e as Error).message.split('\n')[0]})`;
  }
  // the raw socket is created in createSession: do it inside the namespace, synchronously
  const session = withNetns(ns, () => mod.createSession({ retries: 0, timeout: 1000, packetSize: 64 }));
  const rtts: number[] = [];
  const t0 = process.hrtime.bigint();
  let ok = 0;
  await new Promise<void>((resolve) => {
    let left = count;
    const next = () => {
      if (left-- === 0) return resolve();
      session.pingHost(dst, (err, _t, sent, rcvd) => {
        if (!err) {
          ok++;
          rtts.push(rcvd.getTime() - sent.getTime());
        }
        next();
      });
    };
    next();
  });
  const dt = Number(process.hrtime.bigint() - t0) / 1e9;
  session.close();
  rtts.sort((a, b) => a - b);
  return {
    tool: 'net-ping (raw-socket, one in flight)',
    echoes: ok,
    echoPerSec: count / dt,
    minUs: rtts.length ? rtts[0] * 1000 : null,
    p50Us: rtts.length ? rtts[Math.max(0, Math.trunc(0.5 + 0.5 * rtts.length) - 1)] * 1000 : null,
    clock: 'Date (1 ms resolution: 0.00 means under a millisecond)',
  };
}

function print(rows: Row[], notes: string[]): void {
  // the base: the faster of the two plain `ping -f` runs (first and last)
  const pings = rows.filter((r) => r.tool.startsWith('ping -f (iputils'));
  const base = pings.length ? pings.reduce((a, b) => (b.echoPerSec > a.echoPerSec ? b : a)) : undefined;
  const same = rows.find((r) => r.tool.startsWith(`ping -f -l ${BATCH} (iputils`));
  const fmt = (n: number | null, d = 2) => (n === null ? '—' : n.toFixed(d));
  const ratio = (r: Row, b: Row | undefined) => (b ? (r.echoPerSec / b.echoPerSec).toFixed(2) : '—');
  const lw = `×ping -l ${BATCH}`;
  console.log(`\n${'tool'.padEnd(48)} ${'echoes'.padStart(7)} ${'echo/s'.padStart(9)} ${'×ping -f'.padStart(8)} ${lw.padStart(lw.length)} ${'min µs'.padStart(7)} ${'p50 µs'.padStart(7)}  clock`);
  for (const r of rows) {
    console.log(`${r.tool.padEnd(48)} ${String(r.echoes).padStart(7)} ${Math.round(r.echoPerSec).toString().padStart(9)} ${ratio(r, base).padStart(8)} ${ratio(r, same).padStart(lw.length)} ${fmt(r.minUs).padStart(7)} ${fmt(r.p50Us).padStart(7)}  ${r.clock}${r.note ? `; ${r.note}` : ''}`);
  }
  // the goal rows: vping with kernel stamps (all probes, or a sample), fastest first
  const stamped = rows.filter((r) => r.tool.startsWith('vping') && r.clock.startsWith('kernel')).sort((a, b) => b.echoPerSec - a.echoPerSec);
  if (base) {
    console.log(`\nbase: ping -f ${Math.round(base.echoPerSec)} echo/s (${base.tool}, the faster of its two runs)`);
    for (const r of stamped) {
      console.log(`${r.tool}: ${ratio(r, base)}× ping -f echo/s (goal ≥ 1.2×), ${ratio(r, same)}× ping -f -l ${BATCH}; kernel min RTT − ping min: ${r.minUs !== null && base.minUs !== null ? (r.minUs - base.minUs).toFixed(2) : '—'} µs (goal within 1 µs; ping's min has 1 µs resolution)`);
    }
  }
  // issue goals: one in flight at ping's pace; a window near the C floor and past ping's
  const byTool = (t: string) => rows.find((r) => r.tool === t);
  const one = byTool('vping -f (one in flight, as ping -f)');
  const win = byTool(`vping -f -l ${BATCH} (flood defaults)`);
  const c1 = byTool('C floor, one in flight (sendto/recvmsg)');
  const cw = byTool(`C floor, -l ${BATCH} (sendmmsg/recvmmsg)`);
  if (one) console.log(`one in flight: vping ${ratio(one, base)}× ping -f (goal ≥ 1.0), ${ratio(one, c1)}× the C floor`);
  if (win) console.log(`-l ${BATCH}: vping ${ratio(win, cw)}× the C floor (goal ≥ 0.8), ${ratio(win, same)}× ping -f -l ${BATCH} (goal ≥ 1.5)`);
  console.log(`\nfairness: ping -f keeps ONE probe in flight (its default preload 1), one sendmsg and one recvmsg per echo;`);
  console.log(`  vping -f -l ${BATCH} keeps up to ${BATCH} in flight and moves them with sendmmsg/recvmmsg (one call per batch).`);
  console.log(`  \`ping -f -l ${BATCH}\` is iputils with the same window: compare against it for what vping adds beyond the window.`);
  console.log(`  \`vping -f\` (no -l) is the like-for-like row with ping -f: one in flight, as iputils.`);
  console.log(`  echo/s: ping = received / its "time" (ms, first to last send); vping = transmitted / (first to last send, ns).`);
  console.log(`  RTT: ping's min = kernel RX stamp − gettimeofday before sendmsg (µs); vping's = kernel TX stamp → kernel RX stamp (ns),`);
  console.log(`  over the probes it stamped (a flood stamps the first ${FLOOD_TX_STAMP_EVERY}, then 1 in ${FLOOD_TX_STAMP_EVERY}; "every probe TX-stamped" stamps all).`);
  console.log(`  "2 flows on 2 cores" rows: vping --threads 2, two independent flows (a worker, raw socket, id and seq space each,`);
  console.log(`  half the count each; -l is per flow), so TWO cores where ping -f uses one; echo/s = both flows' transmitted over`);
  console.log(`  the first send of either to the last send of either (the second worker's start-up gap included). Compare them`);
  console.log(`  with "2 × ping -f at once" for what a second core gives iputils too; the single-flow rows are the like-for-like ones.`);
  console.log(`  net-ping keeps one in flight through the event loop (raw-socket addon); its clock is Date (ms).`);
  for (const n of notes) console.log(n);
}

async function longRun(ns: string, dst: string): Promise<void> {
  const N = 10_000_000;
  const mib = (b: number) => (b / 1048576).toFixed(1);
  const s = startPing({ destination: dst, netns: ns, count: N, flood: true, preload: BATCH, events: false, floodTicks: true });
  let sent = 0;
  let next = 0;
  // resident memory at the first tick and every 100,000 echoes (the worker shares the process)
  const marks: { sent: number; rss: number }[] = [];
  s.on('tick', (t) => {
    sent += t.sent;
    if (sent >= next) {
      marks.push({ sent, rss: process.memoryUsage().rss });
      next = marks.length === 1 ? N / 10 : next + N / 10;
    }
  });
  const r = await s.done;
  const after = process.memoryUsage().rss;
  console.log(`\n--long: ${N} echoes through vping -f -l ${BATCH} (flood defaults), ${r.stats.received} received`);
  console.log('  RSS MiB by echoes sent: ' + marks.map((m) => `${m.sent}: ${mib(m.rss)}`).join(', '));
  // while running: from the 100,000 mark to the last tick (the worker's memory is counted)
  const later = marks.slice(1);
  const lo = Math.min(...later.map((m) => m.rss));
  const hi = Math.max(...later.map((m) => m.rss));
  console.log(`  running, from the first tenth on: min ${mib(lo)}, max ${mib(hi)} MiB (spread ${mib(hi - lo)} MiB); first tick ${mib(marks[0].rss)} MiB; after the worker ended ${mib(after)} MiB`);
}

/** A flood with the engine's sample stream on, read on the main thread as the bench reads it. */
async function withSamples(o: PingOptions): Promise<PingResult> {
  const s = startPing({ ...o, events: false, samples: true });
  let n = 0;
  s.on('samples', (b) => {
    n += b.count;
  });
  const r = await s.done;
  if (n !== r.stats.received + r.stats.duplicates) throw new Error(`sample stream: ${n} samples for ${r.stats.received} replies`);
  return r;
}

async function main(): Promise<void> {
  if (process.geteuid?.() !== 0) {
    console.error('ping-flood bench: needs root (namespaces, raw sockets)');
    process.exit(2);
  }
  const lab = makeLab();
  try {
    // warm-up: neighbour resolved, code paths hot
    await ping({ destination: lab.a2, netns: lab.ns1, count: 2000, flood: true });
    const rows: Row[] = [];
    const notes: string[] = [];
    const la = loadavg().map((l) => l.toFixed(2)).join(', ');
    console.log(`machine: ${cpus().length} cores, load average ${la} (other work shares these cores); ${COUNT} echoes per row`);
    rows.push(iputilsFlood(lab.ns1, lab.a2, COUNT, 1, ', first run'));
    rows.push(vpingRow(await ping({ destination: lab.a2, netns: lab.ns1, count: COUNT, flood: true, preload: BATCH }), `vping -f -l ${BATCH} (flood defaults)`));
    rows.push(vpingRow(await ping({ destination: lab.a2, netns: lab.ns1, count: COUNT, flood: true, preload: BATCH, txStampEvery: 1 }), `vping -f -l ${BATCH}, every probe TX-stamped`));
    rows.push(vpingRow(await ping({ destination: lab.a2, netns: lab.ns1, count: COUNT, flood: true, preload: BATCH, kernelTimestamps: false }), `vping -f -l ${BATCH}, no kernel stamps`));
    rows.push(vpingRow(await ping({ destination: lab.a2, netns: lab.ns1, count: COUNT, flood: true }), 'vping -f (one in flight, as ping -f)'));
    rows.push(vpingRow(await withSamples({ destination: lab.a2, netns: lab.ns1, count: COUNT, flood: true }), 'vping -f, sample stream on (what vping bench reads)'));
    rows.push(vpingRow(await withSamples({ destination: lab.a2, netns: lab.ns1, count: COUNT, flood: true, preload: BATCH }), `vping -f -l ${BATCH}, sample stream on`));
    rows.push(vpingRow(await ping({ destination: lab.a2, netns: lab.ns1, count: COUNT, flood: true, threads: 2 }), 'vping -f, 2 flows on 2 cores (ping uses 1)'));
    rows.push(vpingRow(await ping({ destination: lab.a2, netns: lab.ns1, count: COUNT, flood: true, preload: BATCH, threads: 2 }), `vping -f -l ${BATCH}/flow, 2 flows on 2 cores`));
    rows.push(await iputilsTwo(lab.ns1, lab.a2, COUNT));
    rows.push(iputilsFlood(lab.ns1, lab.a2, COUNT, BATCH));
    const floor = compileFloor();
    if (typeof floor === 'string') notes.push(floor);
    else {
      try {
        rows.push(floorRow(floor.bin, lab.ns1, lab.a2, COUNT, 1));
        rows.push(floorRow(floor.bin, lab.ns1, lab.a2, COUNT, BATCH));
      } finally {
        rmSync(floor.dir, { recursive: true, force: true });
      }
    }
    rows.push(iputilsFlood(lab.ns1, lab.a2, COUNT, 1, ', last run'));
    const np = await netPingRow(lab.ns1, lab.a2, Math.min(COUNT, 100_000));
    if (typeof np === 'string') notes.push(np);
    else rows.push(np);
    print(rows, notes);
    if (LONG) await longRun(lab.ns1, lab.a2);
  } finally {
    lab.down();
  }
}

await main();
