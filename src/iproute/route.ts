// The `ip route` and `ip neigh` views, text and `-j` JSON, as iproute2 prints them
// (ip/iproute.c print_route, ip/ipneigh.c print_neigh): the main table's routes in the
// kernel's order, and the neighbour entries that are not NOARP-only.
import { AF_INET, AF_INET6, AF_UNSPEC } from '../sys/libc.js';
import { Rtnl, type LinkInfo, type NeighInfo, type RouteInfo } from '../link/rtnl.js';
import { NTF, NUD, RTN, RTN_NAMES, RTPROT_BOOT, RT_TABLE_MAIN } from '../link/rtmsg.js';
import type { NetnsRef } from '../ns/netns.js';

/** rtm_protocol names (iproute2's /etc/iproute2/rt_protos). */
const PROTOS = new Map<number, string>([
  [0, 'unspec'], [1, 'redirect'], [2, 'kernel'], [3, 'boot'], [4, 'static'], [8, 'gated'], [9, 'ra'], [10, 'mrt'], [11, 'zebra'], [12, 'bird'],
  [13, 'dnrouted'], [14, 'xorp'], [15, 'ntk'], [16, 'dhcp'], [18, 'keepalived'], [42, 'babel'], [99, 'openr'], [186, 'bgp'], [187, 'isis'],
  [188, 'ospf'], [189, 'rip'], [192, 'eigrp'],
]);
/** rtm_scope names (rt_scopes). */
const SCOPES = new Map<number, string>([[0, 'global'], [200, 'site'], [253, 'link'], [254, 'host'], [255, 'nowhere']]);
/** route and nexthop flags, in print_rt_flags' order */
const RT_FLAGS: [string, number][] = [
  ['dead', 0x1], ['onlink', 0x4], ['pervasive', 0x2], ['offload', 0x8], ['trap', 0x40], ['notify', 0x100], ['linkdown', 0x10],
  ['unresolved', 0x20], ['rt_offload', 0x4000], ['rt_trap', 0x8000], ['rt_offload_failed', 0x20000000],
];
const PREFS = new Map<number, string>([[0, 'medium'], [1, 'high'], [3, 'low']]);
/** RTM_F_CLONED: a cache entry, not shown by `ip route show` */
const RTM_F_CLONED = 0x200;

/** Protocol and scope words as `ip route` takes them (names or numbers). */
export function protocolNumber(v: string): number | undefined {
  for (const [n, name] of PROTOS) if (name === v) return n;
  return /^\d+$/.test(v) && Number(v) < 256 ? Number(v) : undefined;
}
export function scopeNumber(v: string): number | undefined {
  for (const [n, name] of SCOPES) if (name === v) return n;
  return /^\d+$/.test(v) && Number(v) < 256 ? Number(v) : undefined;
}
export function routeTypeNumber(v: string): number | undefined {
  const i = RTN_NAMES.indexOf(v);
  return i > 0 ? i : undefined;
}

/** The routes `ip route show` prints: the main table, no cache entries. */
export function mainRoutes(routes: readonly RouteInfo[]): RouteInfo[] {
  return routes.filter((r) => r.table === RT_TABLE_MAIN && !(r.flags & RTM_F_CLONED));
}

function routeFields(r: RouteInfo, byIndex: Map<number, LinkInfo>): { text: string; json: Record<string, unknown> } {
  let s = '';
  const j: Record<string, unknown> = {};
  if (r.type !== RTN.UNICAST) {
    const t = RTN_NAMES[r.type] ?? String(r.type);
    s += `${t} `;
    j.type = t;
  }
  const host = r.family === AF_INET6 ? 128 : 32;
  const dst = r.dst !== undefined ? (r.dstLen !== host ? `${r.dst}/${r.dstLen}` : r.dst) : r.dstLen ? `0/${r.dstLen}` : 'default';
  s += `${dst} `;
  j.dst = dst;
  if (r.gateway !== undefined) {
    s += `via ${r.gateway} `;
    j.gateway = r.gateway;
  }
  if (r.oif !== undefined) {
    const dev = byIndex.get(r.oif)?.name ?? `if${r.oif}`;
    s += `dev ${dev} `;
    j.dev = dev;
  }
  if (r.protocol !== RTPROT_BOOT) {
    const p = PROTOS.get(r.protocol) ?? String(r.protocol);
    s += `proto ${p} `;
    j.protocol = p;
  }
  if (r.scope !== 0) {
    const sc = SCOPES.get(r.scope) ?? String(r.scope);
    s += `scope ${sc} `;
    j.scope = sc;
  }
  if (r.prefsrc !== undefined) {
    s += `src ${r.prefsrc} `;
    j.prefsrc = r.prefsrc;
  }
  if (r.priority !== undefined) {
    s += `metric ${r.priority} `;
    j.metric = r.priority;
  }
  const flags = RT_FLAGS.filter(([, bit]) => r.flags & bit).map(([name]) => name);
  for (const f of flags) s += `${f} `;
  j.flags = flags;
  if (r.pref !== undefined) {
    const p = PREFS.get(r.pref) ?? String(r.pref);
    s += `pref ${p}`;
    j.pref = p;
  }
  return { text: `${s}\n`, json: j };
}

const indexLinks = (links: readonly LinkInfo[]) => new Map(links.map((l) => [l.index, l]));

/** Exactly `ip route show`'s text for these routes (already filtered by mainRoutes). */
export function formatRoutes(routes: readonly RouteInfo[], links: readonly LinkInfo[]): string {
  const byIndex = indexLinks(links);
  return routes.map((r) => routeFields(r, byIndex).text).join('');
}

/** `ip -j route show`'s objects. */
export function routesJson(routes: readonly RouteInfo[], links: readonly LinkInfo[]): object[] {
  const byIndex = indexLinks(links);
  return routes.map((r) => routeFields(r, byIndex).json);
}

/** The entries `ip neigh show` prints: any state but NOARP alone (and not NONE), or proxy/learned ones. */
export function shownNeighbours(ns: readonly NeighInfo[]): NeighInfo[] {
  const mask = 0xff & ~0x40;
  return ns.filter((n) => n.state & mask || n.flags & (NTF.PROXY | NTF.EXT_LEARNED));
}

function neighFields(n: NeighInfo, byIndex: Map<number, LinkInfo>): { text: string; json: Record<string, unknown> } {
  let s = '';
  const j: Record<string, unknown> = {};
  if (n.dst !== undefined) {
    s += `${n.dst} `;
    j.dst = n.dst;
  }
  if (n.ifindex) {
    const dev = byIndex.get(n.ifindex)?.name ?? `if${n.ifindex}`;
    s += `dev ${dev} `;
    j.dev = dev;
  }
  if (n.lladdr !== undefined) {
    s += `lladdr ${n.lladdr} `;
    j.lladdr = n.lladdr;
  }
  if (n.flags & NTF.ROUTER) {
    s += 'router ';
    j.router = null;
  }
  if (n.flags & NTF.PROXY) {
    s += 'proxy ';
    j.proxy = null;
  }
  const states: string[] = [];
  let st = n.state;
  for (const [name, bit] of NUD) {
    if (st & bit) {
      st &= ~bit;
      states.push(name);
    }
  }
  if (st) states.push(`0x${st.toString(16)}`);
  if (n.state) {
    for (const x of states) s += `${x} `;
    j.state = states;
  }
  return { text: `${s}\n`, json: j };
}

/** Exactly `ip neigh show`'s text. */
export function formatNeighbours(ns: readonly NeighInfo[], links: readonly LinkInfo[]): string {
  const byIndex = indexLinks(links);
  return ns.map((n) => neighFields(n, byIndex).text).join('');
}

/** `ip -j neigh show`'s objects. */
export function neighboursJson(ns: readonly NeighInfo[], links: readonly LinkInfo[]): object[] {
  const byIndex = indexLinks(links);
  return ns.map((n) => neighFields(n, byIndex).json);
}

/** `ip [-n NS] [-4|-6] route show`: the routes and the links to name their devices. */
export function showRoutes(ns: NetnsRef, family: 4 | 6 = 4): { routes: RouteInfo[]; links: LinkInfo[] } {
  using rt = Rtnl.open(ns);
  return { routes: mainRoutes(rt.routes(family === 6 ? AF_INET6 : AF_INET)), links: rt.links() };
}

/** `ip [-n NS] [-4|-6] neigh show`. */
export function showNeighbours(ns: NetnsRef, family?: 4 | 6): { neighbours: NeighInfo[]; links: LinkInfo[] } {
  using rt = Rtnl.open(ns);
  const fam = family === 4 ? AF_INET : family === 6 ? AF_INET6 : AF_UNSPEC;
  return { neighbours: shownNeighbours(rt.neighbours(fam)), links: rt.links() };
}
