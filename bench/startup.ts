// Start-up: how long each vping command takes from exec to exit, beside a bare `node -e 0`
// (the floor any Node program pays) and the peer doing the same (ip, ping, tcpdump), medians
// of R runs, interleaved, on a lab this bench makes (vbs…) and removes.
//
//   node dist/bench/startup.js [--runs R]
//
// The commands: `ip a` inside a namespace, one echo across the pair, and the capture of one
// frame (`capture … -c 1`, while pings run across the pair so a frame comes at once).
//
// The frames come from four pings at -i 0.011, a frame every 2.75 ms on average. One ping at
// -i 0.002 would come as often, but iputils spins below 10 ms (sched_yield until the next
// probe is due): it kept one of the machine's two cores busy through every row, and a
// command that starts a second thread (vping ping's engine worker) was measured on one core.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { labDown, labUp } from '../src/lab/lab.js';
import { resolveLab } from '../src/lab/spec.js';

const argv = process.argv.slice(2);
const RUNS = (() => {
  const i = argv.indexOf('--runs');
  return i >= 0 ? Number(argv[i + 1]) : 15;
})();
const VPING = fileURLToPath(new URL('../bin/vping.js', import.meta.url));

function timeMs(cmd: string, args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}`);
  return ms;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  const tag = randomBytes(2).toString('hex');
  const spec = resolveLab({ ns: [`vbs${tag}a`, `vbs${tag}b`], ifnames: ['vbs0', 'vbs1'], addrs: ['10.231.0.1/24', '10.231.0.2/24'] });
  labUp(spec);
  const [a] = spec.ns;
  // a steady trickle across the pair, so a one-frame capture ends at once (see the top)
  const trickle = [0, 1, 2, 3].map(() => spawn('ip', ['netns', 'exec', a, 'ping', '-q', '-i', '0.011', '10.231.0.2'], { stdio: 'ignore' }));
  try {
    const rows: { name: string; runs: [string, string[]][] }[] = [
      { name: 'node -e 0', runs: [[process.execPath, ['-e', '0']]] },
      { name: 'ip a in a namespace', runs: [[process.execPath, [VPING, '-n', a, 'a']], ['ip', ['-n', a, 'a']]] },
      { name: 'ping -c 1 across the pair', runs: [[process.execPath, [VPING, '-n', a, 'ping', '-c', '1', '10.231.0.2']], ['ip', ['netns', 'exec', a, 'ping', '-c', '1', '10.231.0.2']]] },
      { name: 'capture one frame', runs: [[process.execPath, [VPING, 'capture', `${a}:vbs0`, '-c', '1']], ['ip', ['netns', 'exec', a, 'tcpdump', '-n', '-i', 'vbs0', '-c', '1']]] },
    ];
    const times = rows.map((r) => r.runs.map(() => [] as number[]));
    for (let k = 0; k < RUNS; k++) {
      rows.forEach((r, i) => r.runs.forEach(([cmd, args], j) => times[i][j].push(timeMs(cmd, args))));
    }
    const node = median(times[0][0]);
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    process.stdout.write(`\nstart-up to exit, median of ${RUNS} interleaved runs, ms (load ${load}); node -e 0: ${node.toFixed(1)} ms\n`);
    process.stdout.write(`${'command'.padEnd(28)} ${'vping'.padStart(8)} ${'÷ node -e 0'.padStart(12)} ${'peer'.padStart(8)} ${'vping ÷ peer'.padStart(13)}  peer\n`);
    rows.slice(1).forEach((r, i) => {
      const v = median(times[i + 1][0]);
      const p = median(times[i + 1][1]);
      const peerName = r.runs[1][1].includes('tcpdump') ? 'tcpdump' : r.runs[1][1].includes('ping') ? 'ping' : 'ip';
      process.stdout.write(`${r.name.padEnd(28)} ${v.toFixed(1).padStart(8)} ${(v / node).toFixed(2).padStart(12)} ${p.toFixed(1).padStart(8)} ${(v / p).toFixed(2).padStart(13)}  ${peerName} (through ip netns exec where it has no -n)\n`);
    });
    process.stdout.write('goal: each vping command within 1.3× node -e 0\n');
  } finally {
    for (const t of trickle) t.kill('SIGINT');
    labDown(spec);
  }
}

await main();
