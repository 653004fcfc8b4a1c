// Capture under a flood: both ends of a veth pair captured while `ping -f` sends
// 100,000 echoes across it — vping (one process, both ends, writing pcapng) against one
// `tcpdump -w` per end — sequentially in one run: packets captured, kernel drops, the
// packets the veth counters say crossed each end, CPU seconds and CPU per packet, ratios.
//
//   node dist/bench/capture-flood.js [--count N] [--rounds R]
//
// The same clocks for both tools, in ns or µs (the 10 ms clock tick of /proc/PID/stat is
// as large as tcpdump's whole flood cost):
// - start-up: CPU of the live process when it says "listening" (sum of its threads'
//   /proc/PID/task/TID/schedstat, ns);
// - flood: the same sum just before the flood and once the tool has taken every frame
//   (1.5 s after the flood: libpcap retires a part-filled block after 1 s);
// - whole: what getrusage(RUSAGE_CHILDREN) gains when the tool is reaped (µs), less the
//   short ip/ping children measured around their own calls.
// Traffic: only across the pair this bench makes (vbc…), removed at the end. Each tool
// with its default ring (vping 8 MiB per end; tcpdump/libpcap 2 MiB).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuTimes, RUSAGE } from '../src/sys/rusage.js';

const argv = process.argv.slice(2);
const arg = (name: string, dflt: number): number => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const COUNT = arg('--count', 100_000);
const ROUNDS = arg('--rounds', 1);
const VPING = fileURLToPath(new URL('../bin/vping.js', import.meta.url));

/** User + system CPU of the reaped children, ns (µs resolution). */
function childNs(): { user: number; sys: number } {
  const t = cpuTimes(RUSAGE.CHILDREN);
  return { user: t.userNs, sys: t.sysNs };
}

let other = { user: 0, sys: 0 };
/** A short synchronous child whose CPU is not the capture's. */
function sync(cmd: string, args: string[], timeout = 300_000): string {
  const t0 = childNs();
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout, maxBuffer: 1 << 26 });
  } finally {
    const t1 = childNs();
    other = { user: other.user + t1.user - t0.user, sys: other.sys + t1.sys - t0.sys };
  }
}

interface Proc {
  p: ChildProcess;
  err: () => string;
  exited: Promise<number>;
}
function start(cmd: string, args: string[]): Proc {
  const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  p.stderr!.on('data', (d) => (err += d));
  return { p, err: () => err, exited: new Promise((res) => p.on('close', (c) => res(c ?? -1))) };
}
async function until(what: string, cond: () => boolean, ms = 20_000, every = 20): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

interface Lab {
  ns: [string, string];
  dev: [string, string];
  addr2: string;
}
function makeLab(): Lab {
  const t = randomBytes(3).toString('hex');
  const lab: Lab = { ns: [`vbc${t}a`, `vbc${t}b`], dev: [`vc${t}a`, `vc${t}b`], addr2: '10.213.7.2' };
  const ip = (...a: string[]) => sync('ip', a);
  ip('netns', 'add', lab.ns[0]);
  ip('netns', 'add', lab.ns[1]);
  ip('link', 'add', lab.dev[0], 'netns', lab.ns[0], 'type', 'veth', 'peer', 'name', lab.dev[1], 'netns', lab.ns[1]);
  ip('-n', lab.ns[0], 'addr', 'add', '10.213.7.1/24', 'dev', lab.dev[0]);
  ip('-n', lab.ns[1], 'addr', 'add', '10.213.7.2/24', 'dev', lab.dev[1]);
  for (const i of [0, 1]) {
    // no IPv6 chatter (RS, MLD) to blur the counts
    sync('ip', ['netns', 'exec', lab.ns[i], 'sysctl', '-qw', `net.ipv6.conf.${lab.dev[i]}.disable_ipv6=1`]);
    ip('-n', lab.ns[i], 'link', 'set', lab.dev[i], 'up');
  }
  return lab;
}
function dropLab(lab: Lab): void {
  for (const n of lab.ns) {
    try {
      sync('ip', ['netns', 'del', n]);
    } catch {
      /* gone */
    }
  }
}
function through(lab: Lab, i: number): number {
  const j = JSON.parse(sync('ip', ['-n', lab.ns[i], '-s', '-j', 'link', 'show', 'dev', lab.dev[i]])) as { stats64: { rx: { packets: number }; tx: { packets: number } } }[];
  return j[0].stats64.rx.packets + j[0].stats64.tx.packets;
}

interface EndResult {
  end: string;
  captured: number;
  received: number;
  dropped: number;
  through: number;
}
interface RunResult {
  tool: string;
  ends: EndResult[];
  /** Whole processes, start to exit (start-up included), ns; and its user/system split. */
  wholeNs: number;
  userNs: number;
  sysNs: number;
  /** Start to "listening" (runtime, modules, rings), ns. */
  startNs: number;
  /** From just before the flood until every frame is taken (the capture path itself), ns. */
  floodNs: number;
  floodMs: number;
  fileBytes: number;
  /** peak resident size, summed over the tool's processes (VmHWM), bytes */
  peakRss: number;
}

function summaryOf(err: string, label: string | null): { captured: number; received: number; dropped: number } {
  const pre = label ? `${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ` : '';
  const get = (what: string) => {
    const m = new RegExp(`^${pre}(\\d+) packets ${what}$`, 'm').exec(err);
    if (!m) throw new Error(`no "${what}" line in:\n${err}`);
    return Number(m[1]);
  };
  return { captured: get('captured'), received: get('received by filter'), dropped: get('dropped by kernel') };
}

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

/** The peak resident size of a live process (VmHWM), bytes. */
const peakRss = (pid: number): number => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;

async function flood(lab: Lab, procs: Proc[]): Promise<{ floodMs: number; d: number[]; startNs: number; floodNs: number }> {
  await Promise.all(procs.map((p) => until('listening', () => /listening on/.test(p.err()), 20_000, 1)));
  const startNs = procs.reduce((s, p) => s + procNs(p.p.pid!), 0);
  await new Promise((r) => setTimeout(r, 100)); // let start-up work that trails "listening" finish
  const c = [through(lab, 0), through(lab, 1)];
  const cpu0 = procs.reduce((s, p) => s + procNs(p.p.pid!), 0);
  const t0 = process.hrtime.bigint();
  sync('ip', ['netns', 'exec', lab.ns[0], 'ping', '-f', '-q', '-c', String(COUNT), lab.addr2]);
  const floodMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const d = [through(lab, 0) - c[0], through(lab, 1) - c[1]];
  // let each tool take what is left in its ring (tcpdump's blocks retire after 1 s)
  await new Promise((r) => setTimeout(r, 1500));
  const floodNs = procs.reduce((s, p) => s + procNs(p.p.pid!), 0) - cpu0;
  return { floodMs, d, startNs, floodNs };
}

/** The CPU the run's children cost when reaped, less the ip/ping children. */
function wholeSince(t0: { user: number; sys: number }, other0: { user: number; sys: number }): { wholeNs: number; userNs: number; sysNs: number } {
  const t1 = childNs();
  const userNs = t1.user - t0.user - (other.user - other0.user);
  const sysNs = t1.sys - t0.sys - (other.sys - other0.sys);
  return { wholeNs: userNs + sysNs, userNs, sysNs };
}

async function runVping(lab: Lab, dir: string): Promise<RunResult> {
  const file = join(dir, 'vping.pcapng');
  const labels = [0, 1].map((i) => `${lab.ns[i]}:${lab.dev[i]}`);
  const t0 = childNs();
  const other0 = { ...other };
  const v = start(process.execPath, [VPING, 'capture', ...labels, '-w', file]);
  const { floodMs, d, startNs, floodNs } = await flood(lab, [v]);
  const rss = peakRss(v.p.pid!);
  v.p.kill('SIGINT');
  if ((await v.exited) !== 0) throw new Error(`vping capture failed:\n${v.err()}`);
  const ends = [0, 1].map((i) => ({ end: labels[i], ...summaryOf(v.err(), labels[i]), through: d[i] }));
  return { tool: 'vping capture (1 process, pcapng)', ends, ...wholeSince(t0, other0), startNs, floodNs, floodMs, fileBytes: statSync(file).size, peakRss: rss };
}

async function runTcpdump(lab: Lab, dir: string): Promise<RunResult> {
  const files = [0, 1].map((i) => join(dir, `tcpdump-${i}.pcap`));
  const t0 = childNs();
  const other0 = { ...other };
  // ip netns exec execs tcpdump in place: the pid is tcpdump's
  const t = [0, 1].map((i) => start('ip', ['netns', 'exec', lab.ns[i], 'tcpdump', '-n', '-i', lab.dev[i], '-w', files[i]]));
  const { floodMs, d, startNs, floodNs } = await flood(lab, t);
  const rss = t.reduce((n, x) => n + peakRss(x.p.pid!), 0);
  for (const x of t) x.p.kill('SIGINT');
  await Promise.all(t.map((x) => x.exited));
  const ends = [0, 1].map((i) => ({ end: `${lab.ns[i]}:${lab.dev[i]}`, ...summaryOf(t[i].err(), null), through: d[i] }));
  return { tool: 'tcpdump -w (one per end)', ends, ...wholeSince(t0, other0), startNs, floodNs, floodMs, fileBytes: files.reduce((s, f) => s + statSync(f).size, 0), peakRss: rss };
}

const ms = (ns: number) => `${(ns / 1e6).toFixed(1)} ms`;
function report(r: RunResult): { captured: number; nsPerPkt: number; floodNsPerPkt: number; startNs: number; peakRss: number } {
  const captured = r.ends.reduce((s, e) => s + e.captured, 0);
  const nsPerPkt = r.wholeNs / Math.max(1, captured);
  const floodNsPerPkt = r.floodNs / Math.max(1, captured);
  console.log(
    `${r.tool}: flood ${r.floodMs.toFixed(0)} ms, file ${(r.fileBytes / 1e6).toFixed(1)} MB; CPU: start-up ${ms(r.startNs)}; ` +
      `flood ${ms(r.floodNs)} = ${floodNsPerPkt.toFixed(0)} ns/packet; whole process ${ms(r.wholeNs)} (user ${ms(r.userNs)}, sys ${ms(r.sysNs)}) = ${nsPerPkt.toFixed(0)} ns/packet; ` +
      `rest (between, stop, exit) ${ms(r.wholeNs - r.startNs - r.floodNs)}; peak RSS ${(r.peakRss / 2 ** 20).toFixed(1)} MiB (all its processes)`,
  );
  for (const e of r.ends) {
    const ok = e.captured + e.dropped === e.through ? 'ok' : `MISMATCH (${e.captured + e.dropped} vs ${e.through})`;
    console.log(`  ${e.end.padEnd(20)} captured ${String(e.captured).padStart(7)}  dropped ${String(e.dropped).padStart(6)}  received-by-filter ${String(e.received).padStart(7)}  through the veth ${String(e.through).padStart(7)}  captured+dropped=through: ${ok}`);
  }
  return { captured, nsPerPkt, floodNsPerPkt, startNs: r.startNs, peakRss: r.peakRss };
}

async function main(): Promise<void> {
  console.log(`capture-flood: ping -f -c ${COUNT} across a veth pair, both ends captured; ${ROUNDS} round(s)`);
  const dir = mkdtempSync(join(tmpdir(), 'vping-capbench-'));
  const lab = makeLab();
  try {
    sync('ip', ['netns', 'exec', lab.ns[0], 'ping', '-c', '1', '-W', '2', lab.addr2]); // ARP settled before any measure
    for (let r = 0; r < ROUNDS; r++) {
      // alternate which tool goes first: the page cache and the other tool's exit leave the
      // machine in a different state for the second
      let v;
      let t;
      if (r % 2 === 0) {
        v = report(await runVping(lab, dir));
        t = report(await runTcpdump(lab, dir));
      } else {
        t = report(await runTcpdump(lab, dir));
        v = report(await runVping(lab, dir));
      }
      const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : 'n/a');
      console.log(
        `ratio vping/tcpdump: CPU per packet, flood ${ratio(v.floodNsPerPkt, t.floodNsPerPkt)}; whole process ${ratio(v.nsPerPkt, t.nsPerPkt)} (goal ≤ 1.5); ` +
          `start-up ${ratio(v.startNs, t.startNs)}; peak RSS ${ratio(v.peakRss, t.peakRss)}; packets captured ${(v.captured / t.captured).toFixed(3)}`,
      );
    }
  } finally {
    dropLab(lab);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
