// The lab's shape as options (--ns, --ifnames, --addrs, --prefix, --pairs, --mtu), shared
// by every command that works on the lab: lab, bench, trace; and the topology options
// (--topology FILE, --shape chain|star) of lab and trace.
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { UsageError, VpingError, asErrorCode } from '../src/sys/errors.js';
import { chainTopology, parseTopology, starTopology, type Topology } from '../src/lab/topology.js';
import type { LabInput } from '../src/lab/spec.js';
import { int } from './args.js';

export interface LabCliOptions {
  ns?: string;
  ifnames?: string;
  addrs?: string;
  prefix?: string;
  pairs?: string;
  mtu?: string;
}

const two = (flag: string, v: string): [string, string] => {
  const p = v.split(',');
  if (p.length !== 2 || !p[0] || !p[1]) throw new UsageError(`${flag} takes two comma-separated values, e.g. ${flag} ns1,ns2`);
  return [p[0], p[1]];
};

export function labInput(o: LabCliOptions): LabInput {
  const input: LabInput = {};
  if (o.ns !== undefined) input.ns = two('--ns', o.ns);
  if (o.ifnames !== undefined) input.ifnames = two('--ifnames', o.ifnames);
  if (o.addrs !== undefined) input.addrs = two('--addrs', o.addrs);
  if (o.prefix !== undefined) input.prefix = int('--prefix', o.prefix);
  if (o.pairs !== undefined) input.pairs = int('--pairs', o.pairs);
  if (o.mtu !== undefined) input.mtu = int('--mtu', o.mtu);
  return input;
}

/** The lab's shape options, shared by every lab-using command (lab, ping across it, bench). */
export function withLabOptions(c: Command, { mtu = true }: { mtu?: boolean } = {}): Command {
  c.option('--ns <a,b>', 'namespaces of the two ends', 'ns1,ns2')
    .option('--ifnames <a,b>', 'interface names of the two ends', 'tap1,tap2')
    .option('--addrs <a,b>', 'addresses with prefix of the two ends (default 192.168.168.1/24,192.168.168.2/24; 10.0.0.1/24,10.0.0.2/24 above 88 pairs)')
    .option('--prefix <len>', 'prefix length for both addresses')
    .option('--pairs <n>', 'build N pairs, each in its own two namespaces (NS-1, NS-2, ...) and subnet', '1');
  // the MTU is something to build or check, not to remove
  if (mtu) c.option('--mtu <bytes>', 'MTU of both ends');
  return c;
}

/** The topology options' values (lab up/down/status, trace). */
export interface TopologyCliOptions {
  topology?: string;
  shape?: string;
  hops?: string;
  leaves?: string;
  namePrefix?: string;
}

/** Topologies beyond one pair: a file, or a shape. */
export function withTopologyOptions(c: Command): Command {
  return c
    .option('--topology <file>', 'a topology file (YAML or JSON): namespaces, links, bridges, addresses, routes, forwarding')
    .option('--shape <shape>', 'a built-in topology: chain (ends with routers between them) or star (namespaces on one bridge)')
    .option('--hops <n>', 'chain: routers between the ends', '1')
    .option('--leaves <n>', 'star: namespaces on the bridge', '3')
    .option('--name-prefix <p>', 'chain and star: a prefix for every namespace name', '');
}

/** The topology the options ask for, or null for the pair lab. */
export function topologyOf(o: TopologyCliOptions): Topology | null {
  if (o.topology !== undefined && o.shape !== undefined) throw new UsageError('--topology and --shape: one or the other');
  if (o.topology !== undefined) {
    let text: string;
    try {
      text = readFileSync(o.topology, 'utf8');
    } catch (e) {
      throw new VpingError(asErrorCode((e as NodeJS.ErrnoException).code), `${o.topology}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    return parseTopology(text, o.topology);
  }
  if (o.shape === undefined) return null;
  if (o.shape === 'chain') return chainTopology(int('--hops', o.hops ?? '1'), o.namePrefix ?? '');
  if (o.shape === 'star') return starTopology(int('--leaves', o.leaves ?? '3'), o.namePrefix ?? '');
  throw new UsageError(`--shape: "${o.shape}" (chain or star)`);
}
