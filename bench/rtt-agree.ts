// Do vping's figures mean what ping's mean? vping ping and iputils ping on the same veth pair
// (made here, removed at the end), idle and under the shapers users put on it, interleaved run
// by run so that both meet the same machine and the same queue state. Per scenario: the median
// of each tool's averages, their ratio, and transmitted/received/loss of every run.
//
//   node dist/bench/rtt-agree.js [--runs N] [--idle-runs N] [--only WORD]
//
// Scenarios (this kernel has tbf, htb, pfifo and ingress; no netem):
// - idle, 56 and 1,400 bytes: 50 echoes at -i 0.02 (goal: avg ratio 0.85–1.15);
// - tbf on the sending end (the request waits in the qdisc), tbf on the receiving end (the
//   reply waits), htb with a rate-limited class: 20 × 1,400 B at -i 0.02 (goal 0.95–1.05, same
//   counts);
// - a tbf small enough to drop (limit of two packets): real loss, the same count on both sides.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const argv = process.argv.slice(2);
const arg = (name: string, dflt: number): number => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const RUNS = arg('--runs', 5);
/** --only WORD: the scenarios whose name contains WORD */
const ONLY = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : '';
const IDLE_RUNS = arg('--idle-runs', 9);
const VPING = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'vping.js');

const sh = (cmd: string, ...a: string[]): void => {
  execFileSync(cmd, a, { stdio: ['ignore', 'ignore', 'pipe'] });
};

interface Figures {
  tx: number;
  rx: number;
  loss: string;
  avgUs: number | null;
  /** ping's `time`: first to last send, ms */
  timeMs: number;
}

/** The statistics lines both tools print (iputils' layout). */
export function parseStats(out: string): Figures {
  const c = /(\d+) packets transmitted, (\d+) received(?:, .*?)?, ([\d.e+-]+)% packet loss, time (\d+)ms/.exec(out);
  if (!c) throw new Error(`no statistics in:\n${out}`);
  const r = /rtt min\/avg\/max\/mdev = [\d.]+\/([\d.]+)\//.exec(out);
  return { tx: +c[1], rx: +c[2], loss: `${c[3]}%`, avgUs: r ? Math.round(+r[1] * 1000) : null, timeMs: +c[4] };
}

function once(tool: 'vping' | 'ping', ns: string, dst: string, args: string[]): Figures {
  const r = tool === 'vping'
    ? spawnSync('node', [VPING, '-n', ns, 'ping', '-q', ...args, dst], { encoding: 'utf8' })
    : spawnSync('ip', ['netns', 'exec', ns, 'ping', '-q', ...args, dst], { encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 1) throw new Error(`${tool} ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return parseStats(r.stdout);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

interface Scenario {
  name: string;
  goal: [number, number];
  runs: number;
  args: string[];
  setup?: (ns1: string, ns2: string, if1: string, if2: string) => void;
}

const SCENARIOS: Scenario[] = [
  { name: 'idle, 56 B', goal: [0.85, 1.15], runs: IDLE_RUNS, args: ['-c', '50', '-i', '0.02', '-s', '56'] },
  { name: 'idle, 1400 B', goal: [0.85, 1.15], runs: IDLE_RUNS, args: ['-c', '50', '-i', '0.02', '-s', '1400'] },
  {
    name: 'tbf 200kbit on the sending end',
    goal: [0.95, 1.05],
    runs: RUNS,
    args: ['-c', '20', '-i', '0.02', '-s', '1400'],
    setup: (ns1, _ns2, if1) => sh('tc', '-n', ns1, 'qdisc', 'add', 'dev', if1, 'root', 'tbf', 'rate', '200kbit', 'burst', '1600', 'latency', '500ms'),
  },
  {
    // each reply waits its 11.5 ms of serialization in the peer's qdisc, and is gone before the next
    name: 'tbf 1mbit on the receiving end',
    goal: [0.95, 1.05],
    runs: RUNS,
    args: ['-c', '20', '-i', '0.02', '-s', '1400'],
    setup: (_ns1, ns2, _if1, if2) => sh('tc', '-n', ns2, 'qdisc', 'add', 'dev', if2, 'root', 'tbf', 'rate', '1mbit', 'burst', '1600', 'latency', '500ms'),
  },
  {
    // replies pile up in the peer's qdisc (57 ms each, one request per 20 ms): the queue, the
    // drops and so the RTT follow the rate the requests are offered at — shown per tool
    name: 'tbf 200kbit on the receiving end (queue builds)',
    goal: [0.95, 1.05],
    runs: RUNS,
    args: ['-c', '20', '-i', '0.02', '-s', '1400'],
    setup: (_ns1, ns2, _if1, if2) => sh('tc', '-n', ns2, 'qdisc', 'add', 'dev', if2, 'root', 'tbf', 'rate', '200kbit', 'burst', '1600', 'latency', '500ms'),
  },
  {
    name: 'htb class at 300kbit on the sending end',
    goal: [0.95, 1.05],
    runs: RUNS,
    args: ['-c', '20', '-i', '0.02', '-s', '1400'],
    setup: (ns1, _ns2, if1) => {
      sh('tc', '-n', ns1, 'qdisc', 'add', 'dev', if1, 'root', 'handle', '1:', 'htb', 'default', '10');
      sh('tc', '-n', ns1, 'class', 'add', 'dev', if1, 'parent', '1:', 'classid', '1:10', 'htb', 'rate', '300kbit', 'ceil', '300kbit', 'burst', '1600');
    },
  },
  {
    name: 'tbf that drops (limit 3000 B)',
    goal: [0.95, 1.05],
    runs: RUNS,
    args: ['-c', '20', '-i', '0.01', '-s', '1400'],
    setup: (ns1, _ns2, if1) => sh('tc', '-n', ns1, 'qdisc', 'add', 'dev', if1, 'root', 'tbf', 'rate', '200kbit', 'burst', '1600', 'limit', '3000'),
  },
];

function main(): void {
  const t = randomBytes(3).toString('hex');
  const [ns1, ns2, if1, if2] = [`vra${t}`, `vrb${t}`, `ra${t}`, `rb${t}`];
  const [a1, a2] = ['10.251.7.1', '10.251.7.2'];
  const down = (): void => {
    for (const n of [ns1, ns2]) spawnSync('ip', ['netns', 'del', n], { stdio: 'ignore' });
  };
  process.on('SIGINT', () => {
    down();
    process.exit(130);
  });
  try {
    sh('ip', 'netns', 'add', ns1);
    sh('ip', 'netns', 'add', ns2);
    sh('ip', 'link', 'add', if1, 'netns', ns1, 'type', 'veth', 'peer', 'name', if2, 'netns', ns2);
    sh('ip', '-n', ns1, 'addr', 'add', `${a1}/24`, 'dev', if1);
    sh('ip', '-n', ns2, 'addr', 'add', `${a2}/24`, 'dev', if2);
    for (const [n, d] of [[ns1, if1], [ns2, if2]]) {
      sh('ip', '-n', n, 'link', 'set', 'lo', 'up');
      sh('ip', '-n', n, 'link', 'set', d, 'up');
    }
    console.log(`vping ping and iputils ping on one veth pair, interleaved; load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log('avg in µs (each tool prints whole µs); ratio = median of vping avgs ÷ median of ping avgs\n');
    console.log('interval kept = median of time ÷ (transmitted − 1): the rate each tool really offered\n');
    const head = ['scenario', 'runs', 'vping avg', 'ping avg', 'ratio', 'goal', 'interval kept v/p ms', 'vping tx/rx (loss) avg µs, per run', 'ping tx/rx (loss) avg µs, per run'];
    const lines: string[][] = [];
    for (const s of SCENARIOS.filter((x) => x.name.includes(ONLY))) {
      // every run meets the same link: the qdisc made afresh (full buckets, empty queues) before
      // each, so neither tool inherits the other's shaper state
      const fresh = (): void => {
        for (const [n, d] of [[ns1, if1], [ns2, if2]]) spawnSync('tc', ['-n', n, 'qdisc', 'del', 'dev', d, 'root'], { stdio: 'ignore' });
        s.setup?.(ns1, ns2, if1, if2);
      };
      const v: Figures[] = [];
      const p: Figures[] = [];
      const go = (tool: 'vping' | 'ping'): void => {
        fresh();
        (tool === 'vping' ? v : p).push(once(tool, ns1, a2, s.args));
      };
      for (let i = 0; i < s.runs; i++) {
        // alternate which tool goes first, so neither always runs on a quieter machine
        if (i % 2 === 0) {
          go('vping');
          go('ping');
        } else {
          go('ping');
          go('vping');
        }
      }
      const mv = median(v.filter((f) => f.avgUs !== null).map((f) => f.avgUs as number));
      const mp = median(p.filter((f) => f.avgUs !== null).map((f) => f.avgUs as number));
      const ratio = mv / mp;
      const counts = (fs: Figures[]): string => fs.map((f) => `${f.tx}/${f.rx} (${f.loss}) ${f.avgUs ?? '-'}`).join(', ');
      const kept = (fs: Figures[]): string => median(fs.map((f) => f.timeMs / Math.max(1, f.tx - 1))).toFixed(1);
      lines.push([
        s.name, String(s.runs), String(mv), String(mp), ratio.toFixed(3), `${s.goal[0]}–${s.goal[1]}${ratio >= s.goal[0] && ratio <= s.goal[1] ? '' : ' MISSED'}`,
        `${kept(v)} / ${kept(p)}`, counts(v), counts(p),
      ]);
    }
    const w = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
    const fmt = (r: string[]): string => r.map((c, i) => (i === 0 || i >= 7 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ').trimEnd();
    console.log(fmt(head));
    for (const l of lines) console.log(fmt(l));
  } finally {
    down();
  }
}

main();
