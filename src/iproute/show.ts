// `ip a` and `ip link` of one namespace: dump over rtnetlink from a socket inside it, map
// the nsids it knows to namespace names (for `link-netns NAME`), format as iproute2 does.
import { UsageError } from '../sys/errors.js';
import { AF_INET, AF_INET6, AF_UNSPEC } from '../sys/libc.js';
import type { NetnsRef } from '../ns/netns.js';
import { Rtnl, type AddrInfo, type LinkInfo } from '../link/rtnl.js';
import { formatIpAddr, formatIpLink, ipAddrJson, ipLinkJson } from './format.js';

/** Options of the `ip a` / `ip link` views: which device, and -s statistics. */
export interface ShowOptions {
  /** Only this device (as `ip a show dev X`); a clear error when it does not exist. */
  dev?: string;
  /** 4, 6, or all. */
  family?: 4 | 6;
  /** `ip -s`: the RX/TX counters of each link */
  stats?: boolean;
}

interface Snapshot {
  links: LinkInfo[];
  /** every link, for names of lower devices and masters */
  all: LinkInfo[];
  addrs: AddrInfo[];
  nsidNames: Map<number, string>;
}

function snapshot(ns: NetnsRef, o: ShowOptions, withAddrs: boolean): Snapshot {
  using rt = Rtnl.open(ns);
  const all = rt.links({ stats: o.stats ?? false });
  let links = all;
  if (o.dev !== undefined) {
    const l = links.find((x) => x.name === o.dev);
    if (!l) throw new UsageError(`Device "${o.dev}" does not exist${typeof ns === 'string' ? ` in namespace "${ns}"` : ''}`);
    links = [l];
  }
  const fam = o.family === 4 ? AF_INET : o.family === 6 ? AF_INET6 : AF_UNSPEC;
  const addrs = withAddrs ? rt.addrs(fam) : [];
  // A family filter shows only the links that have an address of that family, as ip does.
  if (withAddrs && fam !== AF_UNSPEC) links = links.filter((l) => addrs.some((a) => a.index === l.index));
  const needNames = links.some((l) => l.linkNetnsid !== undefined);
  return { links, all, addrs, nsidNames: needNames ? rt.nsidNames() : new Map() };
}

/** `ip [-n NS] address show [dev DEV]`, as text. */
export function showAddrText(ns: NetnsRef, o: ShowOptions = {}): string {
  const s = snapshot(ns, o, true);
  return formatIpAddr(s.links, s.addrs, { nsidNames: s.nsidNames, allLinks: s.all, stats: o.stats ?? false });
}

/** `ip -j [-n NS] address show`, as ip's JSON objects. */
export function showAddrJson(ns: NetnsRef, o: ShowOptions = {}): object[] {
  const s = snapshot(ns, o, true);
  return ipAddrJson(s.links, s.addrs, { nsidNames: s.nsidNames, allLinks: s.all, stats: o.stats ?? false });
}

/** `ip [-n NS] link show [DEV]`, as text. */
export function showLinkText(ns: NetnsRef, o: ShowOptions = {}): string {
  const s = snapshot(ns, o, false);
  return formatIpLink(s.links, { nsidNames: s.nsidNames, allLinks: s.all, stats: o.stats ?? false });
}

/** `ip -j [-n NS] link show`. */
export function showLinkJson(ns: NetnsRef, o: ShowOptions = {}): object[] {
  const s = snapshot(ns, o, false);
  return ipLinkJson(s.links, { nsidNames: s.nsidNames, allLinks: s.all, stats: o.stats ?? false });
}
