// Building a lab of N pairs (default 100): vping as a library call and through its CLI,
// against the seed's per-step ip commands and against ip -batch doing the same work.
// Every variant builds the same thing: 2N namespaces, N veth pairs with an end in each,
// an address on each end, each end and each lo up. Median of R rounds (default 3).
//
//   node dist/bench/lab-build.js [--pairs N] [--rounds R]
//
// Traffic: none (no packet is sent). Namespaces: prefixed vbl…, removed after each build.
import { fileURLToPath } from 'node:url';
import { labDown, labUp } from '../src/lab/lab.js';
import { ipBatch, msSince, nowNs, printRows, removeNetnsWithPrefix, run, type Row } from './util.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const PAIRS = arg('--pairs', 100);
const ROUNDS = arg('--rounds', 3);
const VPING = fileURLToPath(new URL('../bin/vping.js', import.meta.url));
const PREFIX = `vbl${process.pid % 1000}`;
const NS: [string, string] = [`${PREFIX}x`, `${PREFIX}y`];

interface PairNames { a: string; b: string; addrA: string; addrB: string }
/** The names and addresses labUp derives for pair i (src/lab/spec.ts's rule). */
function pair(i: number): PairNames {
  const third = 168 + (i - 1);
  const hi = 168 + Math.floor(third / 256);
  return { a: `${NS[0]}-${i}`, b: `${NS[1]}-${i}`, addrA: `192.${hi}.${third % 256}.1/24`, addrB: `192.${hi}.${third % 256}.2/24` };
}
const pairs = () => Array.from({ length: PAIRS }, (_, k) => pair(k + 1));

function viaLibrary(): void {
  labUp({ pairs: PAIRS, ns: NS });
}
function viaCli(): void {
  run(process.execPath, [VPING, 'lab', 'up', '--pairs', String(PAIRS), '--ns', NS.join(',')]);
}
/** The seed's commands, one process each (ip netns exec … ip … as the tutorial types them). */
function viaIpSteps(): void {
  for (const p of pairs()) {
    const cmds = [
      ['link', 'add', 'tap1', 'type', 'veth', 'peer', 'name', 'tap2'],
      ['netns', 'add', p.a],
      ['netns', 'add', p.b],
      ['link', 'set', 'tap1', 'netns', p.a],
      ['link', 'set', 'tap2', 'netns', p.b],
      ['netns', 'exec', p.a, 'ip', 'addr', 'add', 'local', p.addrA, 'dev', 'tap1'],
      ['netns', 'exec', p.b, 'ip', 'addr', 'add', 'local', p.addrB, 'dev', 'tap2'],
      ['netns', 'exec', p.a, 'ip', 'link', 'set', 'tap1', 'up'],
      ['netns', 'exec', p.b, 'ip', 'link', 'set', 'tap2', 'up'],
      ['netns', 'exec', p.a, 'ip', 'link', 'set', 'lo', 'up'],
      ['netns', 'exec', p.b, 'ip', 'link', 'set', 'lo', 'up'],
    ];
    for (const c of cmds) run('ip', c);
  }
}
/**
 * ip -batch, as few processes as ip allows: one batch in the root namespace (every netns
 * add, every veth created with its ends directly in their namespaces), then one
 * `ip -n NS -batch` per namespace (a batch line cannot switch namespace).
 */
function viaIpBatch(): void {
  const root: string[] = [];
  for (const p of pairs()) root.push(`netns add ${p.a}`, `netns add ${p.b}`);
  for (const p of pairs()) root.push(`link add tap1 netns ${p.a} type veth peer name tap2 netns ${p.b}`);
  ipBatch(root);
  for (const p of pairs()) {
    ipBatch(['link set lo up', `addr add local ${p.addrA} dev tap1`, 'link set tap1 up'], p.a);
    ipBatch(['link set lo up', `addr add local ${p.addrB} dev tap2`, 'link set tap2 up'], p.b);
  }
}

/** Same result from every variant: checked once per variant, outside the timing. */
function verify(name: string): void {
  const p = pair(PAIRS);
  const out = run('ip', ['-n', p.b, '-j', 'addr', 'show', 'dev', 'tap2']);
  const j = JSON.parse(out) as { operstate: string; addr_info: { local: string; prefixlen: number }[] }[];
  const ok = j[0]?.addr_info.some((a) => `${a.local}/${a.prefixlen}` === p.addrB) && j[0].operstate !== 'DOWN';
  if (!ok) throw new Error(`${name}: the last pair is not as asked: ${out}`);
}

function teardown(): void {
  removeNetnsWithPrefix(PREFIX);
}

const variants: [string, () => void][] = [
  ['vping library', viaLibrary],
  ['vping CLI', viaCli],
  ['ip -batch', viaIpBatch],
  ['ip per step', viaIpSteps],
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

teardown();
const times = new Map<string, number[]>(variants.map(([n]) => [n, []]));
try {
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, f] of variants) {
      const t0 = nowNs();
      f();
      times.get(name)!.push(msSince(t0));
      verify(name);
      teardown();
    }
  }
} finally {
  teardown();
  labDown({ pairs: PAIRS, ns: NS });
}
const rows: Row[] = variants.map(([name]) => {
  const t = times.get(name)!;
  return { name, ms: median(t), note: `median of ${t.length}: ${t.map((x) => x.toFixed(0)).join(', ')} ms` };
});
printRows(`lab of ${PAIRS} pairs (${2 * PAIRS} namespaces), build time`, rows, 'ip -batch');
const lib = rows[0].ms;
const batch = rows.find((r) => r.name === 'ip -batch')!.ms;
const steps = rows.find((r) => r.name === 'ip per step')!.ms;
process.stdout.write(`\nvping library / ip -batch = ${(lib / batch).toFixed(3)} (goal <= 1.0)\n`);
process.stdout.write(`ip per step / vping library = ${(steps / lib).toFixed(1)}x (goal >= 10x)\n`);
