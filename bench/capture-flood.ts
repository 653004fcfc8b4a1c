// Capture under a flood: both ends of a veth pair captured while `ping -f` sends
// 100,000 echoes across it — vping (one process, both ends, writing pcapng) against one
// `tcpdump -w` per end — sequentially in one run: packets captured, kernel drops, the
// packets the veth counters say crossed each end, CPU seconds and CPU per packet, ratios.
//
//   node dist/bench/capture-flood.js [--count N] [--rounds R]
//
// CPU of a child is what the kernel adds to this process's cutime+cstime when the child
// is reaped (/proc/self/stat); the short ip/ping children are measured around their own
// calls and taken out. Traffic: only across the pair this bench makes (vbc…), removed at
// the end. Defaults: each tool's default ring (vping 32 MiB per end; tcpdump/libpcap 2 MiB).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const argv = process.argv.slice(2);
const arg = (name: string, dflt: number): number => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const COUNT = arg('--count', 100_000);
const ROUNDS = arg('--rounds', 1);
const VPING = fileURLToPath(new URL('../bin/vping.js', import.meta.url));
const TICK = 100; // sysconf(_SC_CLK_TCK) on Linux x86-64

/** cutime + cstime of this process, in clock ticks (children already reaped). */
function childTicks(): number {
  const s = readFileSync('/proc/self/stat', 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return Number(f[13]) + Number(f[14]); // fields 16 and 17 (1-based), after pid and comm
}

let otherTicks = 0;
/** A short synchronous child whose CPU is not the capture's. */
function sync(cmd: string, args: string[], timeout = 300_000): string {
  const t0 = childTicks();
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout, maxBuffer: 1 << 26 });
  } finally {
    otherTicks += childTicks() - t0;
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
async function until(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
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
  /** Whole processes, start to exit (startup included). */
  cpuS: number;
  /** From just before the flood to just before the stop signal (the capture path itself). */
  windowCpuS: number;
  floodMs: number;
  fileBytes: number;
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

/** utime+stime of a live process, in seconds (/proc/PID/stat fields 14 and 15). */
function procCpu(pid: number): number {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TICK;
}

async function flood(lab: Lab, procs: Proc[]): Promise<{ floodMs: number; d: number[]; windowCpuS: number }> {
  await Promise.all(procs.map((p) => until('listening', () => /listening on/.test(p.err()))));
  const c = [through(lab, 0), through(lab, 1)];
  const cpu0 = procs.reduce((s, p) => s + procCpu(p.p.pid!), 0);
  const t0 = process.hrtime.bigint();
  sync('ip', ['netns', 'exec', lab.ns[0], 'ping', '-f', '-q', '-c', String(COUNT), lab.addr2]);
  const floodMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const d = [through(lab, 0) - c[0], through(lab, 1) - c[1]];
  // let each tool take what is left in its ring (tcpdump's blocks retire after 1 s)
  await new Promise((r) => setTimeout(r, 1500));
  const windowCpuS = procs.reduce((s, p) => s + procCpu(p.p.pid!), 0) - cpu0;
  return { floodMs, d, windowCpuS };
}

async function runVping(lab: Lab, dir: string): Promise<RunResult> {
  const file = join(dir, 'vping.pcapng');
  const labels = [0, 1].map((i) => `${lab.ns[i]}:${lab.dev[i]}`);
  const t0 = childTicks();
  otherTicks = 0;
  const v = start(process.execPath, [VPING, 'capture', ...labels, '-w', file]);
  const { floodMs, d, windowCpuS } = await flood(lab, [v]);
  v.p.kill('SIGINT');
  if ((await v.exited) !== 0) throw new Error(`vping capture failed:\n${v.err()}`);
  const cpu = (childTicks() - t0 - otherTicks) / TICK;
  const ends = [0, 1].map((i) => ({ end: labels[i], ...summaryOf(v.err(), labels[i]), through: d[i] }));
  return { tool: 'vping capture (1 process, pcapng)', ends, cpuS: cpu, windowCpuS, floodMs, fileBytes: statSync(file).size };
}

async function runTcpdump(lab: Lab, dir: string): Promise<RunResult> {
  const files = [0, 1].map((i) => join(dir, `tcpdump-${i}.pcap`));
  const t0 = childTicks();
  otherTicks = 0;
  const t = [0, 1].map((i) => start('ip', ['netns', 'exec', lab.ns[i], 'tcpdump', '-n', '-i', lab.dev[i], '-w', files[i]]));
  const { floodMs, d, windowCpuS } = await flood(lab, t);
  for (const x of t) x.p.kill('SIGINT');
  await Promise.all(t.map((x) => x.exited));
  const cpu = (childTicks() - t0 - otherTicks) / TICK;
  const ends = [0, 1].map((i) => ({ end: `${lab.ns[i]}:${lab.dev[i]}`, ...summaryOf(t[i].err(), null), through: d[i] }));
  return { tool: 'tcpdump -w (one per end)', ends, cpuS: cpu, windowCpuS, floodMs, fileBytes: files.reduce((s, f) => s + statSync(f).size, 0) };
}

function report(r: RunResult): { captured: number; nsPerPkt: number; windowNsPerPkt: number } {
  const captured = r.ends.reduce((s, e) => s + e.captured, 0);
  const nsPerPkt = (r.cpuS * 1e9) / Math.max(1, captured);
  const windowNsPerPkt = (r.windowCpuS * 1e9) / Math.max(1, captured);
  console.log(`${r.tool}: flood ${r.floodMs.toFixed(0)} ms; CPU whole process ${r.cpuS.toFixed(2)} s = ${nsPerPkt.toFixed(0)} ns/packet; CPU in the flood window ${r.windowCpuS.toFixed(2)} s = ${windowNsPerPkt.toFixed(0)} ns/packet; file ${(r.fileBytes / 1e6).toFixed(1)} MB`);
  for (const e of r.ends) {
    const ok = e.captured + e.dropped === e.through ? 'ok' : `MISMATCH (${e.captured + e.dropped} vs ${e.through})`;
    console.log(`  ${e.end.padEnd(20)} captured ${String(e.captured).padStart(7)}  dropped ${String(e.dropped).padStart(6)}  received-by-filter ${String(e.received).padStart(7)}  through the veth ${String(e.through).padStart(7)}  captured+dropped=through: ${ok}`);
  }
  return { captured, nsPerPkt, windowNsPerPkt };
}

async function main(): Promise<void> {
  console.log(`capture-flood: ping -f -c ${COUNT} across a veth pair, both ends captured; ${ROUNDS} round(s)`);
  const dir = mkdtempSync(join(tmpdir(), 'vping-capbench-'));
  const lab = makeLab();
  try {
    sync('ip', ['netns', 'exec', lab.ns[0], 'ping', '-c', '1', '-W', '2', lab.addr2]); // ARP settled before any measure
    for (let r = 0; r < ROUNDS; r++) {
      const v = report(await runVping(lab, dir));
      const t = report(await runTcpdump(lab, dir));
      const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : 'n/a (tcpdump below the 10 ms clock tick)');
      console.log(`ratio vping/tcpdump: CPU per packet, flood window ${ratio(v.windowNsPerPkt, t.windowNsPerPkt)}; whole process ${ratio(v.nsPerPkt, t.nsPerPkt)} (goal ≤ 1.00); packets captured ${(v.captured / t.captured).toFixed(3)}`);
    }
  } finally {
    dropLab(lab);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
