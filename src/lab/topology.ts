// Labs beyond one pair: a topology of namespaces joined by veth links, bridges, addresses,
// routes and forwarding routers — from a file (YAML or JSON, the role containerlab's
// topology file has for containers) or from a shape (a chain with routers between its
// ends, a star of namespaces on one bridge). Checked whole before anything is made (names,
// a link graph without cycles, addresses that do not clash, routes whose gateways are on a
// link); `up` builds it all or, on a failure, removes what it made; `down` removes exactly the
// namespaces `up` made (marked as the pair lab's are); `status` says what stands of each element.
import { readFileSync, writeFileSync } from 'node:fs';
import { UsageError, VpingError } from '../sys/errors.js';
import { AF_INET, AF_INET6 } from '../sys/libc.js';
import { addNetns, checkNetnsName, delNetns, existsNetns, madeByVping, markMade, markPending, unmark, withNetns } from '../ns/netns.js';
import { IFF } from '../netlink/consts.js';
import { Rtnl } from '../link/rtnl.js';
import { checkIfName, parseCidr, type Cidr } from '../link/parse.js';
import { formatInet, inPrefix } from '../inet/addr.js';
import { RT_TABLE_MAIN } from '../link/rtmsg.js';
import { waitOperUp, withLabLock, type NotReady, type ReadyLab } from './lab.js';
import type { LabEnd } from './spec.js';
import { readMapping } from './yaml.js';

/** One end of a veth link: a namespace and the interface's name in it. */
export interface TopoEnd {
  ns: string;
  ifname: string;
}

/** A route in one namespace's main table: to a prefix (or default), via a gateway or out of a device. */
export interface TopoRoute {
  ns: string;
  to: Cidr | null;
  via?: Cidr;
  dev?: string;
  metric?: number;
  /** as written, for messages and status */
  text: string;
}

/** A whole topology, checked. */
export interface Topology {
  name: string;
  namespaces: string[];
  links: { a: TopoEnd; b: TopoEnd; mtu?: number }[];
  bridges: { ns: string; name: string; ports: string[] }[];
  addresses: { ns: string; ifname: string; cidr: Cidr }[];
  routes: TopoRoute[];
  /** namespaces that forward (IPv4 and IPv6) */
  forwarding: string[];
}

const endText = (e: TopoEnd): string => `${e.ns}:${e.ifname}`;

function parseEnd(v: unknown, what: string): TopoEnd {
  if (typeof v !== 'string' || !/^[^:]+:[^:]+$/.test(v)) throw new UsageError(`${what}: "${String(v)}" is not NS:IFNAME`);
  const [ns, ifname] = v.split(':');
  return { ns, ifname };
}

/** `default via 10.0.0.1`, `10.2.0.0/16 via 10.1.0.2 metric 10`, `10.3.0.0/24 dev eth1`, or the same as a mapping. */
function parseRoute(ns: string, v: unknown, what: string): TopoRoute {
  let words: string[];
  if (typeof v === 'string') words = v.trim().split(/\s+/);
  else if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    words = [String(o.to ?? '')];
    for (const k of ['via', 'dev', 'metric']) if (o[k] !== undefined) words.push(k, String(o[k]));
  } else throw new UsageError(`${what}: a route is "PREFIX|default [via ADDR] [dev IF] [metric N]"`);
  const text = words.join(' ');
  const r: TopoRoute = { ns, to: null, text };
  const [dst, ...rest] = words;
  if (dst !== 'default') {
    const c = parseCidr(dst.includes('/') ? dst : `${dst}/${dst.includes(':') ? 128 : 32}`);
    r.to = c;
  }
  for (let i = 0; i < rest.length; i += 2) {
    const k = rest[i];
    const val = rest[i + 1];
    if (val === undefined) throw new UsageError(`${what}: "${k}" needs a value in "${text}"`);
    if (k === 'via') r.via = parseCidr(val.includes('/') ? val : `${val}/${val.includes(':') ? 128 : 32}`);
    else if (k === 'dev') r.dev = val;
    else if (k === 'metric' && /^\d+$/.test(val)) r.metric = Number(val);
    else throw new UsageError(`${what}: unexpected "${k}" in "${text}"`);
  }
  if (!r.via && !r.dev) throw new UsageError(`${what}: "${text}" needs "via ADDRESS" or "dev IF"`);
  return r;
}

const TOP_KEYS = new Set(['name', 'namespaces', 'links', 'bridges', 'addresses', 'routes', 'forwarding']);

/** A topology file's text (YAML, of which JSON is a part), checked; a UsageError names the mistake. */
export function parseTopology(text: string, file: string): Topology {
  const d = readMapping(text, file, TOP_KEYS, 'a mapping (namespaces, links, addresses, routes, …)');
  if (d === null) throw new UsageError(`${file}: empty: a topology lists namespaces, links, addresses, routes`);
  const list = (k: string): unknown[] => {
    const v = d[k];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw new UsageError(`${file}: ${k}: expected a list`);
    return v as unknown[];
  };
  const t: Topology = {
    name: typeof d.name === 'string' ? d.name : file,
    namespaces: list('namespaces').map((n, i) => {
      if (typeof n !== 'string') throw new UsageError(`${file}: namespaces[${i}]: expected a name`);
      return n;
    }),
    links: list('links').map((l, i) => {
      const what = `${file}: links[${i}]`;
      if (Array.isArray(l) && l.length === 2) return { a: parseEnd(l[0], what), b: parseEnd(l[1], what) };
      if (l && typeof l === 'object' && !Array.isArray(l)) {
        const o = l as Record<string, unknown>;
        const link: Topology['links'][number] = { a: parseEnd(o.a, what), b: parseEnd(o.b, what) };
        if (o.mtu !== undefined) link.mtu = Number(o.mtu);
        return link;
      }
      throw new UsageError(`${what}: a link is [NS:IF, NS:IF] or { a: NS:IF, b: NS:IF, mtu: N }`);
    }),
    bridges: list('bridges').map((b, i) => {
      const o = b as Record<string, unknown>;
      if (!o || typeof o.ns !== 'string' || typeof o.name !== 'string' || !Array.isArray(o.ports)) throw new UsageError(`${file}: bridges[${i}]: expected { ns, name, ports: [IF, …] }`);
      return { ns: o.ns, name: o.name, ports: (o.ports as unknown[]).map(String) };
    }),
    addresses: [],
    routes: [],
    forwarding: list('forwarding').map(String),
  };
  const addrs = d.addresses ?? {};
  if (typeof addrs !== 'object' || Array.isArray(addrs)) throw new UsageError(`${file}: addresses: expected NS:IF: ADDRESS/PREFIX (or a list)`);
  for (const [k, v] of Object.entries(addrs as Record<string, unknown>)) {
    const e = parseEnd(k, `${file}: addresses`);
    for (const a of Array.isArray(v) ? v : [v]) {
      const c = parseCidr(String(a));
      if (!c.explicitPrefix) throw new UsageError(`${file}: addresses: ${k}: "${String(a)}" needs its prefix length (as 10.0.0.1/24)`);
      t.addresses.push({ ...e, cidr: c });
    }
  }
  const routes = d.routes ?? {};
  if (typeof routes !== 'object' || Array.isArray(routes)) throw new UsageError(`${file}: routes: expected NS: [ROUTE, …]`);
  for (const [ns, v] of Object.entries(routes as Record<string, unknown>)) {
    for (const r of Array.isArray(v) ? v : [v]) t.routes.push(parseRoute(ns, r, `${file}: routes: ${ns}`));
  }
  checkTopology(t, file);
  return t;
}

/** Are two addresses in one subnet (the shorter of their prefixes)? */
const sameNet = (a: Cidr, b: Cidr): boolean => a.family === b.family && inPrefix(a.bytes, b.bytes, Math.min(a.prefixlen, b.prefixlen));

/**
 * The rules a topology must keep: known, unique namespaces and interfaces; links between two
 * namespaces that form no cycle (a loop of veths and bridges floods itself); bridge ports that
 * are link ends of the bridge's namespace; addresses on interfaces that exist, never the same
 * address twice; routes in known namespaces whose gateway lies in a subnet of that namespace.
 */
export function checkTopology(t: Topology, what: string): void {
  if (t.namespaces.length === 0) throw new UsageError(`${what}: no namespaces`);
  const nsSet = new Set<string>();
  for (const n of t.namespaces) {
    checkNetnsName(n);
    if (nsSet.has(n)) throw new UsageError(`${what}: namespace "${n}" is listed twice`);
    nsSet.add(n);
  }
  const ifs = new Set<string>();
  const addIf = (ns: string, ifname: string, w: string) => {
    if (!nsSet.has(ns)) throw new UsageError(`${what}: ${w}: namespace "${ns}" is not in namespaces`);
    checkIfName(ifname);
    const k = `${ns}:${ifname}`;
    if (ifs.has(k)) throw new UsageError(`${what}: ${w}: interface ${k} is named twice`);
    ifs.add(k);
  };
  // the link graph must be a forest (union-find over namespaces and bridges)
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== undefined && parent.get(r) !== r) r = parent.get(r)!;
    return r;
  };
  for (const l of t.links) {
    const w = `link ${endText(l.a)} — ${endText(l.b)}`;
    addIf(l.a.ns, l.a.ifname, w);
    addIf(l.b.ns, l.b.ifname, w);
    if (l.a.ns === l.b.ns) throw new UsageError(`${what}: ${w}: both ends in one namespace`);
    const ra = find(l.a.ns);
    const rb = find(l.b.ns);
    if (ra === rb) throw new UsageError(`${what}: ${w} closes a cycle (its namespaces are already joined): a loop of links floods itself`);
    parent.set(ra, rb);
  }
  for (const b of t.bridges) {
    addIf(b.ns, b.name, `bridge ${b.ns}:${b.name}`);
    for (const p of b.ports) {
      if (!t.links.some((l) => (l.a.ns === b.ns && l.a.ifname === p) || (l.b.ns === b.ns && l.b.ifname === p))) {
        throw new UsageError(`${what}: bridge ${b.ns}:${b.name}: port "${p}" is not a link end in ${b.ns}`);
      }
    }
  }
  const seen = new Map<string, string>();
  for (const a of t.addresses) {
    const k = `${a.ns}:${a.ifname}`;
    if (!ifs.has(k)) throw new UsageError(`${what}: address ${a.cidr.address}/${a.cidr.prefixlen}: no interface ${k}`);
    const other = seen.get(a.cidr.address);
    if (other) throw new UsageError(`${what}: address ${a.cidr.address} is on both ${other} and ${k}`);
    seen.set(a.cidr.address, k);
  }
  for (const n of t.forwarding) if (!nsSet.has(n)) throw new UsageError(`${what}: forwarding: namespace "${n}" is not in namespaces`);
  for (const r of t.routes) {
    if (!nsSet.has(r.ns)) throw new UsageError(`${what}: routes: namespace "${r.ns}" is not in namespaces`);
    if (r.dev !== undefined && !ifs.has(`${r.ns}:${r.dev}`)) throw new UsageError(`${what}: routes: ${r.ns}: "${r.text}": no interface ${r.ns}:${r.dev}`);
    if (r.via) {
      const mine = t.addresses.filter((a) => a.ns === r.ns);
      if (!mine.some((a) => sameNet(a.cidr, r.via!))) throw new UsageError(`${what}: routes: ${r.ns}: "${r.text}": gateway ${r.via.address} is on none of ${r.ns}'s subnets (unreachable)`);
    }
  }
}

/**
 * A chain: two ends with `hops` routers between them (`${prefix}h1 — ${prefix}r1 — … —
 * ${prefix}h2`), each link its own /24 of 10.`net`.0.0/16 (.1 on the left, .2 on the right), the
 * ends routed through their router, each router to every subnet beyond its neighbours, and
 * forwarding on in the routers.
 */
export function chainTopology(hops: number, prefix = '', net = 200): Topology {
  if (!Number.isInteger(hops) || hops < 1 || hops > 250) throw new UsageError(`--hops: ${hops} out of range 1-250`);
  const routers = Array.from({ length: hops }, (_, i) => `${prefix}r${i + 1}`);
  const nodes = [`${prefix}h1`, ...routers, `${prefix}h2`];
  const sub = (k: number, host: number) => `10.${net}.${k}.${host}`;
  const t: Topology = { name: `chain of ${hops} router${hops === 1 ? '' : 's'}`, namespaces: nodes, links: [], bridges: [], addresses: [], routes: [], forwarding: routers };
  for (let k = 0; k <= hops; k++) {
    const left = nodes[k];
    const right = nodes[k + 1];
    const a = { ns: left, ifname: k === 0 ? 'eth0' : 'eth1' };
    const b = { ns: right, ifname: 'eth0' };
    t.links.push({ a, b });
    t.addresses.push({ ...a, cidr: parseCidr(`${sub(k, 1)}/24`) }, { ...b, cidr: parseCidr(`${sub(k, 2)}/24`) });
  }
  const route = (ns: string, to: string, via: string): TopoRoute => ({ ns, to: to === 'default' ? null : parseCidr(to), via: parseCidr(`${via}/32`), text: `${to} via ${via}` });
  t.routes.push(route(nodes[0], 'default', sub(0, 2)), route(nodes[hops + 1], 'default', sub(hops, 1)));
  for (let i = 1; i <= hops; i++) {
    for (let k = 0; k < i - 1; k++) t.routes.push(route(nodes[i], `10.${net}.${k}.0/24`, sub(i - 1, 1)));
    for (let k = i + 1; k <= hops; k++) t.routes.push(route(nodes[i], `10.${net}.${k}.0/24`, sub(i, 2)));
  }
  checkTopology(t, 'chain');
  return t;
}

/** A star: `size` namespaces (`${prefix}s1`…) each joined to a bridge in `${prefix}hub`, one /24. */
export function starTopology(size: number, prefix = '', net = 201): Topology {
  if (!Number.isInteger(size) || size < 2 || size > 250) throw new UsageError(`--leaves: ${size} out of range 2-250`);
  const hub = `${prefix}hub`;
  const leaves = Array.from({ length: size }, (_, i) => `${prefix}s${i + 1}`);
  const t: Topology = { name: `star of ${size}`, namespaces: [hub, ...leaves], links: [], bridges: [{ ns: hub, name: 'br0', ports: [] }], addresses: [], routes: [], forwarding: [] };
  leaves.forEach((ns, i) => {
    const port = `p${i + 1}`;
    t.links.push({ a: { ns, ifname: 'eth0' }, b: { ns: hub, ifname: port } });
    t.bridges[0].ports.push(port);
    t.addresses.push({ ns, ifname: 'eth0', cidr: parseCidr(`10.${net}.0.${i + 1}/24`) });
  });
  checkTopology(t, 'star');
  return t;
}

/**
 * The links an echo crosses from namespace `from` to namespace `to` (the topology's link graph
 * has no cycles, so the path is the one there is), each as the end it leaves by and the end
 * it arrives at; a UsageError when they are not joined by links (a bridge in between is not
 * followed: its ports are ends of separate links).
 */
export function pathBetween(t: Topology, from: string, to: string): { out: TopoEnd; in: TopoEnd }[] {
  for (const n of [from, to]) if (!t.namespaces.includes(n)) throw new UsageError(`trace: namespace "${n}" is not in the topology`);
  if (from === to) throw new UsageError('trace: the two ends are one namespace');
  const prev = new Map<string, { out: TopoEnd; in: TopoEnd }>();
  const queue = [from];
  const seen = new Set([from]);
  while (queue.length) {
    const n = queue.shift()!;
    for (const l of t.links) {
      for (const [a, b] of [[l.a, l.b], [l.b, l.a]] as const) {
        if (a.ns !== n || seen.has(b.ns)) continue;
        seen.add(b.ns);
        prev.set(b.ns, { out: a, in: b });
        queue.push(b.ns);
      }
    }
  }
  if (!prev.has(to)) throw new UsageError(`trace: no path of links from ${from} to ${to}`);
  const path: { out: TopoEnd; in: TopoEnd }[] = [];
  for (let n = to; n !== from; n = prev.get(n)!.out.ns) path.unshift(prev.get(n)!);
  return path;
}

/**
 * The path between two namespaces of a topology as a lab of one pair (what bench measures):
 * the source end is the first link's end it leaves by, the destination the last link's end it
 * arrives at, each with its address of `family`. Nothing is inspected here: the topology's own
 * status says whether it stands.
 */
export function pathLab(t: Topology, from: string, to: string, family: 4 | 6): ReadyLab {
  const path = pathBetween(t, from, to);
  const endOf = (e: TopoEnd): LabEnd => {
    const a = t.addresses.find((x) => x.ns === e.ns && x.ifname === e.ifname && (x.cidr.family === AF_INET6 ? 6 : 4) === family);
    if (!a) throw new UsageError(`${e.ns}:${e.ifname} has no IPv${family} address`);
    return { ns: e.ns, ifname: e.ifname, cidr: a.cidr, addr: `${a.cidr.address}/${a.cidr.prefixlen}` };
  };
  const ends: [LabEnd, LabEnd] = [endOf(path[0].out), endOf(path[path.length - 1].in)];
  return {
    spec: { pairs: 1, ns: [ends[0].ns, ends[1].ns], ifnames: [ends[0].ifname, ends[1].ifname], addrs: [ends[0].addr, ends[1].addr] },
    pairs: [{ index: 1, ends }],
    family,
  };
}

/** What `up` and `down` did, in one line and by namespace. */
export interface TopologyResult {
  changed: boolean;
  message: string;
  namespaces: string[];
}

const sysctlOn = (ns: string, path: string): void => withNetns(ns, () => writeFileSync(path, '1\n'));

/** Build the topology whole (under the lab lock), or remove what this run made and say why. */
export function topologyUp(t: Topology, hooks: { onStep?: (s: string) => void } = {}): TopologyResult {
  return withLabLock(() => {
    const there = t.namespaces.filter((n) => existsNetns(n));
    if (there.length) {
      const st = topologyStatusLocked(t);
      if (there.length === t.namespaces.length && st.ok) return { changed: false, message: `topology ${t.name} is up: nothing changed`, namespaces: [] };
      const ours = there.filter((n) => madeByVping(n));
      const how = ours.length === there.length ? ' (vping made them: vping lab down with the same topology removes them)' : '';
      throw new VpingError('EEXIST', `topology ${t.name}: namespace${there.length > 1 ? 's' : ''} ${there.join(', ')} already exist${there.length > 1 ? '' : 's'} and the topology is not whole${how}`);
    }
    const made: string[] = [];
    const step = hooks.onStep ?? (() => undefined);
    try {
      for (const n of t.namespaces) {
        markPending(n);
        addNetns(n);
        made.push(n);
        markMade(n);
        using rt = Rtnl.open(n);
        rt.setLink('lo', { up: true });
        step(`netns ${n}`);
      }
      const notReady: NotReady[] = [];
      for (const l of t.links) {
        using rt = Rtnl.open(l.a.ns);
        rt.createVeth({ name: l.a.ifname, peer: l.b.ifname, peerNetns: l.b.ns, mtu: l.mtu });
        step(`link ${endText(l.a)} ${endText(l.b)}`);
      }
      for (const b of t.bridges) {
        using rt = Rtnl.open(b.ns);
        rt.createLink({ name: b.name, kind: 'bridge' });
        const br = rt.getLink(b.name).index;
        for (const p of b.ports) rt.setLink(p, { master: br });
        rt.setLink(br, { up: true });
        step(`bridge ${b.ns}:${b.name}`);
      }
      for (const a of t.addresses) {
        using rt = Rtnl.open(a.ns);
        rt.addAddr(a.ifname, `${a.cidr.address}/${a.cidr.prefixlen}`, { nodad: a.cidr.family === AF_INET6 });
      }
      for (const l of t.links) {
        for (const e of [l.a, l.b]) {
          using rt = Rtnl.open(e.ns);
          rt.setLink(e.ifname, { up: true });
          notReady.push({ ns: e.ns, index: e.ifname, what: endText(e) });
        }
      }
      for (const n of t.forwarding) {
        sysctlOn(n, '/proc/sys/net/ipv4/ip_forward');
        sysctlOn(n, '/proc/sys/net/ipv6/conf/all/forwarding');
      }
      for (const r of t.routes) {
        using rt = Rtnl.open(r.ns);
        const family = r.to?.family ?? r.via?.family ?? AF_INET;
        rt.route('add', {
          family, dst: r.to ? { bytes: r.to.bytes, prefixlen: r.to.prefixlen } : null, text: r.text,
          ...(r.via ? { gateway: r.via.bytes } : {}), ...(r.dev ? { oif: rt.linkIndex(r.dev) } : {}), ...(r.metric !== undefined ? { metric: r.metric } : {}),
        });
      }
      step('routes');
      waitOperUp(notReady);
      return { changed: true, message: `topology ${t.name} is up: ${t.namespaces.length} namespaces, ${t.links.length} links, ${t.addresses.length} addresses, ${t.routes.length} routes`, namespaces: made };
    } catch (e) {
      for (const n of made.reverse()) {
        try {
          if (existsNetns(n)) delNetns(n);
          unmark(n);
        } catch {
          /* best effort: down removes what is left */
        }
      }
      throw e;
    }
  });
}

/** Remove the topology's namespaces that vping made; refuse the others unless `force`. */
export function topologyDown(t: Topology, opts: { force?: boolean } = {}): TopologyResult {
  return withLabLock(() => {
    const there = t.namespaces.filter((n) => existsNetns(n));
    const foreign = there.filter((n) => !madeByVping(n));
    if (foreign.length && !opts.force) {
      throw new VpingError('EPERM', `topology ${t.name}: ${foreign.join(', ')} ${foreign.length > 1 ? 'were' : 'was'} not made by vping; not removed (--force removes ${foreign.length > 1 ? 'them' : 'it'})`);
    }
    for (const n of there) delNetns(n);
    return { changed: there.length > 0, message: there.length ? `topology ${t.name}: removed ${there.length} namespace${there.length > 1 ? 's' : ''}` : `topology ${t.name}: nothing to remove`, namespaces: there };
  });
}

/** One element of the topology and whether it stands as asked. */
export interface TopologyElement {
  kind: 'namespace' | 'link' | 'bridge' | 'address' | 'route' | 'forwarding';
  what: string;
  ok: boolean;
  /** why not, when not */
  problem?: string;
}

/** What stands of each element, and whether all of it does. */
export function topologyStatus(t: Topology): { ok: boolean; elements: TopologyElement[] } {
  return topologyStatusLocked(t);
}

function topologyStatusLocked(t: Topology): { ok: boolean; elements: TopologyElement[] } {
  const el: TopologyElement[] = [];
  const present = new Set(t.namespaces.filter((n) => existsNetns(n)));
  for (const n of t.namespaces) el.push({ kind: 'namespace', what: n, ok: present.has(n), ...(present.has(n) ? {} : { problem: 'absent' }) });
  const cache = new Map<string, { links: ReturnType<Rtnl['links']>; addrs: ReturnType<Rtnl['addrs']>; routes: ReturnType<Rtnl['routes']> }>();
  const view = (ns: string) => {
    if (!present.has(ns)) return null;
    let v = cache.get(ns);
    if (!v) {
      using rt = Rtnl.open(ns);
      v = { links: rt.links(), addrs: rt.addrs(), routes: [...rt.routes(AF_INET), ...rt.routes(AF_INET6)] };
      cache.set(ns, v);
    }
    return v;
  };
  const linkState = (e: TopoEnd): string | null => {
    const v = view(e.ns);
    if (!v) return `${e.ns} is absent`;
    const l = v.links.find((x) => x.name === e.ifname);
    if (!l) return `no ${endText(e)}`;
    return l.flags & IFF.UP ? null : `${endText(e)} is down`;
  };
  for (const l of t.links) {
    const p = linkState(l.a) ?? linkState(l.b);
    el.push({ kind: 'link', what: `${endText(l.a)} — ${endText(l.b)}`, ok: p === null, ...(p ? { problem: p } : {}) });
  }
  for (const b of t.bridges) {
    const v = view(b.ns);
    const br = v?.links.find((x) => x.name === b.name);
    const loose = br ? b.ports.filter((p) => v!.links.find((x) => x.name === p)?.master !== br.index) : [];
    const problem = !v ? `${b.ns} is absent` : !br ? `no bridge ${b.name}` : loose.length ? `${loose.join(', ')} not enslaved` : null;
    el.push({ kind: 'bridge', what: `${b.ns}:${b.name} [${b.ports.join(', ')}]`, ok: problem === null, ...(problem ? { problem } : {}) });
  }
  for (const a of t.addresses) {
    const v = view(a.ns);
    const l = v?.links.find((x) => x.name === a.ifname);
    const has = !!l && v!.addrs.some((x) => x.index === l.index && (x.local ?? x.address) === a.cidr.address && x.prefixlen === a.cidr.prefixlen);
    el.push({ kind: 'address', what: `${a.ns}:${a.ifname} ${a.cidr.address}/${a.cidr.prefixlen}`, ok: has, ...(has ? {} : { problem: 'missing' }) });
  }
  for (const r of t.routes) {
    const v = view(r.ns);
    const fam = r.to?.family ?? r.via?.family ?? AF_INET;
    const has = !!v && v.routes.some((x) =>
      x.table === RT_TABLE_MAIN && x.family === fam && (r.to ? x.dst === formatInet(fam, r.to.bytes) && x.dstLen === r.to.prefixlen : x.dst === undefined && x.dstLen === 0) &&
      (!r.via || x.gateway === r.via.address));
    el.push({ kind: 'route', what: `${r.ns}: ${r.text}`, ok: has, ...(has ? {} : { problem: 'missing' }) });
  }
  for (const n of t.forwarding) {
    let on = false;
    if (present.has(n)) on = withNetns(n, () => readSysctl('/proc/sys/net/ipv4/ip_forward')) === '1';
    el.push({ kind: 'forwarding', what: n, ok: on, ...(on ? {} : { problem: 'off' }) });
  }
  return { ok: el.every((e) => e.ok), elements: el };
}

/** A /proc/sys/net value, read on this thread (inside the namespace it is switched to). */
function readSysctl(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}
