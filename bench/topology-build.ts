// Building topologies: a 3-router chain and a 50-namespace star, by vping (the library's
// topologyUp) and by ip -batch doing the same work (one batch in the root namespace for the
// namespaces and the veth links, each end born in its namespace; one `ip -n NS -batch` per
// namespace for bridges, addresses, links up and routes; `ip netns exec R sysctl` for the
// routers' forwarding, which ip has no batch line for). Both are checked by vping's status of
// the topology after each build, outside the timing. Median of R rounds.
//
//   node dist/bench/topology-build.js [--rounds R] [--star N] [--hops H]
//
// Traffic: none. Namespaces: prefixed vbt…, removed after each build.
import { chainTopology, starTopology, topologyDown, topologyStatus, topologyUp, type Topology } from '../src/lab/topology.js';
import { ipBatch, msSince, nowNs, printRows, removeNetnsWithPrefix, run, type Row } from './util.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const ROUNDS = arg('--rounds', 3);
const PREFIX = `vbt${process.pid % 1000}`;

/** The same topology as ip commands: the root batch, the per-namespace batches, the sysctls. */
function viaIp(t: Topology): void {
  const root = t.namespaces.map((n) => `netns add ${n}`);
  for (const l of t.links) root.push(`link add ${l.a.ifname} netns ${l.a.ns}${l.mtu ? ` mtu ${l.mtu}` : ''} type veth peer name ${l.b.ifname} netns ${l.b.ns}`);
  ipBatch(root);
  for (const n of t.namespaces) {
    const lines = ['link set lo up'];
    for (const b of t.bridges.filter((x) => x.ns === n)) {
      lines.push(`link add ${b.name} type bridge`);
      for (const p of b.ports) lines.push(`link set ${p} master ${b.name}`);
      lines.push(`link set ${b.name} up`);
    }
    for (const a of t.addresses.filter((x) => x.ns === n)) lines.push(`addr add ${a.cidr.address}/${a.cidr.prefixlen} dev ${a.ifname}${a.cidr.address.includes(':') ? ' nodad' : ''}`);
    for (const l of t.links) for (const e of [l.a, l.b]) if (e.ns === n) lines.push(`link set ${e.ifname} up`);
    for (const r of t.routes.filter((x) => x.ns === n)) lines.push(`route add ${r.text}`);
    ipBatch(lines, n);
  }
  for (const n of t.forwarding) run('ip', ['netns', 'exec', n, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function bench(t: Topology): Row[] {
  const variants: [string, () => void][] = [
    ['vping library', () => topologyUp(t)],
    ['ip -batch', () => viaIp(t)],
  ];
  const times = new Map<string, number[]>(variants.map(([n]) => [n, []]));
  removeNetnsWithPrefix(PREFIX);
  try {
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, f] of variants) {
        const t0 = nowNs();
        f();
        times.get(name)!.push(msSince(t0));
        const st = topologyStatus(t);
        if (!st.ok) throw new Error(`${name}: not as asked: ${st.elements.filter((e) => !e.ok).map((e) => `${e.kind} ${e.what} (${e.problem})`).join('; ')}`);
        topologyDown(t, { force: true });
      }
    }
  } finally {
    removeNetnsWithPrefix(PREFIX);
  }
  return variants.map(([name]) => {
    const xs = times.get(name)!;
    return { name, ms: median(xs), note: `median of ${xs.length}: ${xs.map((x) => x.toFixed(0)).join(', ')} ms` };
  });
}

const chain = chainTopology(arg('--hops', 3), `${PREFIX}c`);
const star = starTopology(arg('--star', 50), `${PREFIX}s`);
for (const t of [chain, star]) {
  const rows = bench(t);
  printRows(`${t.name}: ${t.namespaces.length} namespaces, ${t.links.length} links, ${t.addresses.length} addresses, ${t.routes.length} routes; build time`, rows, 'ip -batch');
  process.stdout.write(`vping library / ip -batch = ${(rows[0].ms / rows[1].ms).toFixed(3)} (goal <= 1.0)\n`);
}
