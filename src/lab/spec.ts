// The lab as data: what `vping lab up` builds, declared once. Defaults are the seed's
// walk-through; `pairs: N` scales it out.
//
// Naming rule for N > 1 pairs (pair i = 1..N):
//   namespaces  `${ns[0]}-${i}` and `${ns[1]}-${i}`      (ns1-1/ns2-1, ns1-2/ns2-2, ...)
//   interfaces  the same `ifnames` in every pair           (each pair has its own namespaces)
//   addresses   each address moved up by (i-1) subnets of its prefix:
//               192.168.168.1/24 → pair 2 192.168.169.1/24, pair 3 192.168.170.1/24, ...
//               (pair 1 keeps the given addresses). A lab never steps out of the private
//               block its first address is in (RFC 1918, 100.64.0.0/10, 198.18.0.0/15,
//               fc00::/7): N pairs that do not fit are refused, naming a base that fits.
//               Without --addrs, a lab of more pairs than the seed's 192.168.168.0/24 leaves
//               room for in 192.168.0.0/16 (88) starts at 10.0.0.1/24 (room for 65,536).
// With N = 1 the names and addresses are used as given (the seed: ns1, ns2, tap1, tap2).
import { UsageError } from '../sys/errors.js';
import { checkNetnsRef, isNetnsName } from '../ns/netns.js';
import { checkIfName, checkMtu, parseCidr, type Cidr } from '../link/parse.js';
import { formatIPv4, formatIPv6, inPrefix } from '../inet/addr.js';

/** The lab as asked: pairs, the two namespaces, interface names, addresses (with prefix), MTU. */
export interface LabSpec {
  /** Number of veth pairs, each in its own two namespaces (default 1). */
  pairs: number;
  /** Namespace names of the two ends (default ns1, ns2). */
  ns: [string, string];
  /** Interface names of the two ends (default tap1, tap2). */
  ifnames: [string, string];
  /** Addresses with prefix of the two ends (default 192.168.168.1/24, 192.168.168.2/24). */
  addrs: [string, string];
  /** MTU of both ends (default: the kernel's, 1500). */
  mtu?: number;
  /** IFA_F_NODAD on the addresses (IPv6 usable at once); default true for IPv6. */
  nodad?: boolean;
}

/** What a caller may give: any part of the spec, plus `prefix` to override both prefixes. */
export type LabInput = Partial<LabSpec> & { prefix?: number };

/** The veth tutorial's lab: ns1/tap1 192.168.168.1/24 <-> ns2/tap2 192.168.168.2/24. */
export const SEED_LAB: Readonly<LabSpec> = Object.freeze({
  pairs: 1,
  ns: ['ns1', 'ns2'] as [string, string],
  ifnames: ['tap1', 'tap2'] as [string, string],
  addrs: ['192.168.168.1/24', '192.168.168.2/24'] as [string, string],
});

/** Upper bound on pairs: 2 namespaces each; a sanity limit, not a kernel one. */
export const MAX_PAIRS = 4096;

/** The default addresses of a lab with more pairs than fit after the tutorial's subnet in 192.168.0.0/16. */
export const MANY_PAIRS_ADDRS: readonly [string, string] = Object.freeze(['10.0.0.1/24', '10.0.0.2/24'] as [string, string]);

/** The blocks kept for private use, benchmarking and shared address space: a lab stays inside its own. */
const PRIVATE_BLOCKS: { cidr: string; bytes: number[]; prefixlen: number }[] = [
  { cidr: '10.0.0.0/8', bytes: [10, 0, 0, 0], prefixlen: 8 },
  { cidr: '172.16.0.0/12', bytes: [172, 16, 0, 0], prefixlen: 12 },
  { cidr: '192.168.0.0/16', bytes: [192, 168, 0, 0], prefixlen: 16 },
  { cidr: '100.64.0.0/10', bytes: [100, 64, 0, 0], prefixlen: 10 },
  { cidr: '198.18.0.0/15', bytes: [198, 18, 0, 0], prefixlen: 15 },
  { cidr: 'fc00::/7', bytes: [0xfc, ...new Array<number>(15).fill(0)], prefixlen: 7 },
];

/** The private block `c` is in, if any. */
export function privateBlockOf(c: Cidr): { cidr: string; bytes: number[]; prefixlen: number } | null {
  return PRIVATE_BLOCKS.find((b) => inPrefix(c.bytes, b.bytes, b.prefixlen)) ?? null;
}

/**
 * The two ends must be able to reach each other and must not be one host: one address on
 * both ends is answered inside one namespace (every ping "excellent", nothing measured), and
 * addresses outside each other's subnet have no route between them.
 */
function checkEnds(c0: Cidr, c1: Cidr): void {
  const a0 = `${c0.address}/${c0.prefixlen}`;
  const a1 = `${c1.address}/${c1.prefixlen}`;
  if (c0.address === c1.address) {
    throw new UsageError(`both ends would have the address ${c0.address}: every ping would be answered inside one namespace and measure nothing; give two addresses of one subnet`);
  }
  if (!inPrefix(c1.bytes, c0.bytes, c0.prefixlen) || !inPrefix(c0.bytes, c1.bytes, c1.prefixlen)) {
    throw new UsageError(`${a0} and ${a1} are not in one subnet: the two ends could not reach each other; give two addresses of one subnet`);
  }
}

/** One end of one pair, fully resolved. */
export interface LabEnd {
  ns: string;
  ifname: string;
  cidr: Cidr;
  /** `192.168.168.1/24` */
  addr: string;
}

/** One pair of the lab, with every name and address resolved. */
export interface LabPair {
  /** 1-based. */
  index: number;
  ends: [LabEnd, LabEnd];
}

/** Fill defaults and check every name and address; a UsageError names the bad field. */
export function resolveLab(input: LabInput = {}): LabSpec {
  const pairs = input.pairs ?? 1;
  if (!Number.isInteger(pairs) || pairs < 1 || pairs > MAX_PAIRS) throw new UsageError(`invalid number of pairs ${pairs}: expected 1-${MAX_PAIRS}`);
  const ns = (input.ns ?? SEED_LAB.ns).slice() as [string, string];
  const ifnames = (input.ifnames ?? SEED_LAB.ifnames).slice() as [string, string];
  const seedFits = 256 - SEED_BASE_SUBNET; // /24s from the seed's to the end of 192.168.0.0/16
  let addrs = (input.addrs ?? (pairs > seedFits ? MANY_PAIRS_ADDRS : SEED_LAB.addrs)).slice() as [string, string];
  if (ns.length !== 2 || ifnames.length !== 2 || addrs.length !== 2) throw new UsageError('a lab has exactly two ends: give two namespaces, two interface names and two addresses');
  if (ns[0] === ns[1]) throw new UsageError(`both ends are in namespace "${ns[0]}": a lab needs two different namespaces`);
  for (const n of ns) {
    checkNetnsRef(n);
    if (pairs > 1 && !isNetnsName(n)) throw new UsageError(`namespace "${n}" is reached by path or pid: a lab of several pairs names its namespaces (NAME-1, NAME-2, …), so give names`);
  }
  if (input.prefix !== undefined) {
    if (!Number.isInteger(input.prefix)) throw new UsageError(`invalid prefix length ${input.prefix}`);
    addrs = addrs.map((a) => `${a.split('/')[0]}/${input.prefix}`) as [string, string];
  }
  const c0 = parseCidr(addrs[0]);
  const c1 = parseCidr(addrs[1]);
  if (c0.family !== c1.family) throw new UsageError(`the two addresses are of different families (${addrs[0]}, ${addrs[1]})`);
  checkEnds(c0, c1);
  if (input.mtu !== undefined) checkMtu(input.mtu);
  const spec: LabSpec = { pairs, ns, ifnames, addrs: [`${c0.address}/${c0.prefixlen}`, `${c1.address}/${c1.prefixlen}`] };
  if (input.mtu !== undefined) spec.mtu = input.mtu;
  if (input.nodad !== undefined) spec.nodad = input.nodad;
  // Check every derived name and address now, before anything is made.
  labPairs(spec);
  return spec;
}

/** The tutorial's subnet (192.168.168.0/24) is the 168th /24 of 192.168.0.0/16. */
const SEED_BASE_SUBNET = 168;

/** Namespace name of end `e` (0/1) in pair `i` (1-based). */
export function pairNs(spec: LabSpec, i: number, e: 0 | 1): string {
  return spec.pairs === 1 ? spec.ns[e] : `${spec.ns[e]}-${i}`;
}

/** `cidr` moved up by `k` subnets of its own prefix. */
export function shiftCidr(c: Cidr, k: number): Cidr {
  if (k === 0) return c;
  const bits = c.bytes.length * 8;
  let v = 0n;
  for (const b of c.bytes) v = (v << 8n) | BigInt(b);
  const next = v + (BigInt(k) << BigInt(bits - c.prefixlen));
  if (c.prefixlen === 0 || next >> BigInt(bits) !== 0n) {
    throw new UsageError(`cannot give pair ${k + 1} its own subnet: ${c.address}/${c.prefixlen} moved up by ${k} subnets leaves the address space`);
  }
  const bytes = new Uint8Array(c.bytes.length);
  let x = next;
  for (let i = bytes.length - 1; i >= 0; i--) {
    bytes[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return { ...c, bytes, address: bytes.length === 4 ? formatIPv4(bytes) : formatIPv6(bytes) };
}

/** Every pair of the lab, resolved (names checked, addresses derived). */
export function labPairs(spec: LabSpec): LabPair[] {
  const base = [parseCidr(spec.addrs[0]), parseCidr(spec.addrs[1])];
  // the last pair's subnet must stay in the private block the first is in
  const block = privateBlockOf(base[0]);
  if (block && spec.pairs > 1) {
    // how many subnets of the base's prefix lie from the base's to the end of the block
    let fits = 1n;
    if (base[0].prefixlen >= block.prefixlen) {
      let v = 0n;
      for (const b of base[0].bytes) v = (v << 8n) | BigInt(b);
      const span = BigInt(base[0].prefixlen - block.prefixlen);
      const index = (v >> BigInt(base[0].bytes.length * 8 - base[0].prefixlen)) & ((1n << span) - 1n);
      fits = (1n << span) - index;
    }
    if (BigInt(spec.pairs) > fits) {
      const v6 = base[0].bytes.length === 16;
      const hint = v6 ? 'fd00::1/64,fd00::2/64' : `${MANY_PAIRS_ADDRS[0]},${MANY_PAIRS_ADDRS[1]}`;
      throw new UsageError(`${spec.pairs} pairs from ${spec.addrs[0]} would leave ${block.cidr} after pair ${fits} (each pair takes the next /${base[0].prefixlen}); use --addrs ${hint}, which fits ${v6 ? 'more than 4,096' : '65,536'} pairs`);
    }
  }
  const out: LabPair[] = [];
  const seen = new Set<string>();
  for (let i = 1; i <= spec.pairs; i++) {
    const ends = ([0, 1] as const).map((e) => {
      const ns = pairNs(spec, i, e);
      checkNetnsRef(ns);
      checkIfName(spec.ifnames[e]);
      if (seen.has(ns)) throw new UsageError(`namespace "${ns}" would be used twice in this lab`);
      seen.add(ns);
      const cidr = shiftCidr(base[e], i - 1);
      return { ns, ifname: spec.ifnames[e], cidr, addr: `${cidr.address}/${cidr.prefixlen}` };
    }) as [LabEnd, LabEnd];
    out.push({ index: i, ends });
  }
  return out;
}
