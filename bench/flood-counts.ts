// One echo in flight, as people type it: `vping -n NS ping -f -q -c N` beside
// `ip netns exec NS ping -f -q -c N` for N from 1,000 to 1,000,000, on a pair this bench makes
// (and removes). For each N, interleaved runs (median of --runs, default 3):
// - echo/s by each tool's own clock: N ÷ the `time` its statistics line prints (first send to
//   last reply), the figure a user reads;
// - the whole process's wall time, start-up included (Node's start against a C binary's);
// - vping with its flood warm-up turned off (VPING_WARM=0), so the reader sees what the
//   warm-up buys at each N.
//
//   node dist/bench/flood-counts.js [--runs R] [--counts 1000,10000,100000,1000000]
//
// Traffic: only across the pair made here (10.78.0.0/24 inside two fresh namespaces), and the
// warm-up's, inside vping's own throw-away namespace.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string): string => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
const RUNS = Number(opt('--runs', '3'));
const COUNTS = opt('--counts', '1000,10000,100000,1000000').split(',').map(Number);
const VPING = fileURLToPath(new URL('../bin/vping.js', import.meta.url));

const tag = randomBytes(2).toString('hex');
const ns1 = `vfc${tag}a`;
const ns2 = `vfc${tag}b`;
const DST = '10.78.0.2';
const ip = (...a: string[]) => execFileSync('ip', a, { stdio: ['ignore', 'ignore', 'pipe'] });

interface Run {
  /** the tool's own `time`, ms */
  ownMs: number;
  /** the process's wall time, ms */
  wallMs: number;
}

function once(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Run {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, maxBuffer: 1 << 24 });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const m = /(\d+) packets transmitted, (\d+) received.*time (\d+)ms/.exec(r.stdout);
  if (r.status !== 0 || !m || m[1] !== m[2]) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${r.stdout}${r.stderr}`);
  return { ownMs: Number(m[3]), wallMs };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function main(): void {
  ip('netns', 'add', ns1);
  ip('netns', 'add', ns2);
  try {
    ip('link', 'add', 'vfc0', 'netns', ns1, 'type', 'veth', 'peer', 'name', 'vfc1', 'netns', ns2);
    ip('-n', ns1, 'addr', 'add', '10.78.0.1/24', 'dev', 'vfc0');
    ip('-n', ns2, 'addr', 'add', '10.78.0.2/24', 'dev', 'vfc1');
    for (const [n, d] of [[ns1, 'vfc0'], [ns2, 'vfc1']]) {
      ip('-n', n, 'link', 'set', d, 'up');
      ip('-n', n, 'link', 'set', 'lo', 'up');
    }
    // carrier, and the neighbour entry, before anything is timed
    for (let i = 0; i < 300 && !execFileSync('ip', ['-n', ns1, 'link', 'show', 'vfc0'], { encoding: 'utf8' }).includes('state UP'); i++) spawnSync('sleep', ['0.01']);
    once('ip', ['netns', 'exec', ns1, 'ping', '-c', '1', DST]);
    process.stdout.write(`one echo in flight, -f -q -c N on a veth pair; median of ${RUNS} interleaved runs; load ${loadavg()[0].toFixed(2)}\n`);
    process.stdout.write(`${'N'.padStart(9)} ${'ping echo/s'.padStart(12)} ${'vping echo/s'.padStart(13)} ${'ratio'.padStart(6)} ${'no warm-up'.padStart(11)} ${'ratio'.padStart(6)} ${'ping wall ms'.padStart(13)} ${'vping wall ms'.padStart(14)} ${'ratio'.padStart(6)}\n`);
    for (const n of COUNTS) {
      const p: Run[] = [];
      const v: Run[] = [];
      const c: Run[] = [];
      for (let r = 0; r < RUNS; r++) {
        p.push(once('ip', ['netns', 'exec', ns1, 'ping', '-f', '-q', '-c', String(n), DST]));
        v.push(once(process.execPath, [VPING, '-n', ns1, 'ping', '-f', '-q', '-c', String(n), DST]));
        c.push(once(process.execPath, [VPING, '-n', ns1, 'ping', '-f', '-q', '-c', String(n), DST], { ...process.env, VPING_WARM: '0' }));
      }
      // a time of 0 ms (ping's few hundred echoes) is counted as 1 ms: a rate, not infinity
      const rate = (rs: Run[]) => n / (Math.max(1, median(rs.map((x) => x.ownMs))) / 1000);
      const wall = (rs: Run[]) => median(rs.map((x) => x.wallMs));
      const pr = rate(p);
      process.stdout.write(
        `${String(n).padStart(9)} ${pr.toFixed(0).padStart(12)} ${rate(v).toFixed(0).padStart(13)} ${(rate(v) / pr).toFixed(2).padStart(6)} ` +
        `${rate(c).toFixed(0).padStart(11)} ${(rate(c) / pr).toFixed(2).padStart(6)} ${wall(p).toFixed(1).padStart(13)} ${wall(v).toFixed(1).padStart(14)} ${(wall(v) / wall(p)).toFixed(2).padStart(6)}\n`,
      );
    }
  } finally {
    for (const n of [ns1, ns2]) spawnSync('ip', ['netns', 'del', n]);
  }
}

main();
