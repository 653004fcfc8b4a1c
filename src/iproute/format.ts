// `ip a` and `ip link` as iproute2 6.1 prints them (ip/ipaddress.c print_linkinfo,
// print_addrinfo, print_ifa_flags), as text and as `ip -j` JSON. Pure functions of the
// decoded dumps: the caller supplies links, addresses, and the nsid → name map that
// `link-netns NAME` needs.
import { AF_INET6 } from '../sys/libc.js';
import { ARPHRD_NAMES, IFA_F, IFF, INFINITY_LIFE_TIME } from '../netlink/consts.js';
import type { AddrInfo } from '../link/ifaddrmsg.js';
import type { LinkInfo, LinkStats64 } from '../link/ifinfomsg.js';

/** How the ip views name peers in other namespaces: nsid → name (ip's link-netns), or link-netnsid N without it. */
export interface FormatOptions {
  /** nsid → namespace name, as seen from the namespace the links belong to. */
  nsidNames?: Map<number, string>;
  /** every link of the namespace, for the names of lower devices and masters when `links` is a filtered few */
  allLinks?: LinkInfo[];
  /** `ip -s`: the RX and TX counters of each link (links dumped with statistics) */
  stats?: boolean;
}

// print_link_flags: the order ip prints them in (RUNNING is never printed).
const LINK_FLAG_ORDER: [string, number][] = [
  ['LOOPBACK', IFF.LOOPBACK],
  ['BROADCAST', IFF.BROADCAST],
  ['POINTOPOINT', IFF.POINTOPOINT],
  ['MULTICAST', IFF.MULTICAST],
  ['NOARP', IFF.NOARP],
  ['ALLMULTI', IFF.ALLMULTI],
  ['PROMISC', IFF.PROMISC],
  ['MASTER', IFF.MASTER],
  ['SLAVE', IFF.SLAVE],
  ['DEBUG', IFF.DEBUG],
  ['DYNAMIC', IFF.DYNAMIC],
  ['AUTOMEDIA', IFF.AUTOMEDIA],
  ['PORTSEL', IFF.PORTSEL],
  ['NOTRAILERS', IFF.NOTRAILERS],
  ['UP', IFF.UP],
  ['LOWER_UP', IFF.LOWER_UP],
  ['DORMANT', IFF.DORMANT],
  ['ECHO', IFF.ECHO],
];

const OPER_STATES = ['UNKNOWN', 'NOTPRESENT', 'DOWN', 'LOWERLAYERDOWN', 'TESTING', 'DORMANT', 'UP'];
const LINK_MODES = ['DEFAULT', 'DORMANT'];

// ifa_flag_data: name and mask, in print order ("temporary" is "secondary" on IPv6).
const IFA_FLAG_ORDER: [string, number][] = [
  ['secondary', IFA_F.SECONDARY],
  ['temporary', IFA_F.SECONDARY],
  ['nodad', IFA_F.NODAD],
  ['optimistic', IFA_F.OPTIMISTIC],
  ['dadfailed', IFA_F.DADFAILED],
  ['home', IFA_F.HOMEADDRESS],
  ['deprecated', IFA_F.DEPRECATED],
  ['tentative', IFA_F.TENTATIVE],
  ['permanent', IFA_F.PERMANENT],
  ['mngtmpaddr', IFA_F.MANAGETEMPADDR],
  ['noprefixroute', IFA_F.NOPREFIXROUTE],
  ['autojoin', IFA_F.MCAUTOJOIN],
  ['stable-privacy', IFA_F.STABLE_PRIVACY],
];



/** utils.c family_name(); null for "???" (printed as `family N`). */
function familyName(f: number): string | null {
  switch (f) {
    case 2:
      return 'inet';
    case 10:
      return 'inet6';
    case 12:
      return 'dnet';
    case 17:
      return 'link';
    case 4:
      return 'ipx';
    case 28:
      return 'mpls';
    case 7:
      return 'bridge';
    default:
      return null;
  }
}

/** rtnl_rtscope_n2a */
function scopeName(s: number): string {
  switch (s) {
    case 0:
      return 'global';
    case 200:
      return 'site';
    case 253:
      return 'link';
    case 254:
      return 'host';
    case 255:
      return 'nowhere';
    default:
      return String(s);
  }
}

/** rtnl_group_n2a with the default /etc/iproute2/group (0 = default). */
const groupName = (g: number): string => (g === 0 ? 'default' : String(g));
/** ll_type_n2a */
const linkTypeName = (t: number): string => ARPHRD_NAMES.get(t) ?? `[${t}]`;

/** The link flag words, M-DOWN included, as ip prints them inside < >. */
export function linkFlagWords(flags: number, mDown = false): string[] {
  const out: string[] = [];
  let f = flags;
  if (f & IFF.UP && !(f & IFF.RUNNING)) out.push('NO-CARRIER');
  f &= ~IFF.RUNNING;
  for (const [name, bit] of LINK_FLAG_ORDER) {
    if (f & bit) {
      f &= ~bit;
      out.push(name);
    }
  }
  if (f) out.push((f >>> 0).toString(16));
  if (mDown) out.push('M-DOWN');
  return out;
}

/** print_name_and_link: `name@peer` / `name@ifN` / `name@NONE`, and whether M-DOWN applies. */
function nameAndLink(l: LinkInfo, byIndex: Map<number, LinkInfo>): { text: string; mDown: boolean; json: Record<string, unknown> } {
  if (l.link === undefined) return { text: l.name, mDown: false, json: {} };
  if (l.link === 0) return { text: `${l.name}@NONE`, mDown: false, json: { link: null } };
  if (l.linkNetnsid !== undefined) return { text: `${l.name}@if${l.link}`, mDown: false, json: { link_index: l.link } };
  const peer = byIndex.get(l.link);
  const peerName = peer ? peer.name : `if${l.link}`;
  const mDown = !((peer?.flags ?? 0) & IFF.UP);
  return { text: `${l.name}@${peerName}`, mDown, json: { link: peerName } };
}

/** The width of `v` in digits (size_columns). */
const digits = (v: number): number => String(v).length;

/** `ip -s`'s RX/TX block (print_stats64 of iproute2 6.1), each line led by four spaces. */
function statsText(st: LinkStats64): string {
  const cols = ['*X errors:'.length, 'packets'.length, 'errors'.length, 'dropped'.length, 'heartbt'.length, 'overrun'.length, 'compressed'.length, 'otherhost'.length];
  const size = (vals: number[]) => vals.forEach((v, i) => (cols[i] = Math.max(cols[i], digits(v))));
  const rx = [st.rxBytes, st.rxPackets, st.rxErrors, st.rxDropped, st.rxMissedErrors, st.multicast, st.rxCompressed, st.rxNohandler];
  const tx = [st.txBytes, st.txPackets, st.txErrors, st.txDropped, st.txCarrierErrors, st.collisions, st.txCompressed];
  size(rx);
  size(tx);
  const head = (dir: string, words: string[], compressed: boolean) =>
    `    ${dir}: ${'bytes'.padStart(cols[0] - 4)} ${words.map((w, i) => w.padStart(cols[i + 1])).join(' ')} ${(compressed ? 'compressed' : '').padStart(cols[6])}\n`;
  const nums = (vals: number[], n: number) => `    ${vals.slice(0, n).map((v, i) => `${String(v).padStart(cols[i])} `).join('')}\n`;
  return (
    head('RX', ['packets', 'errors', 'dropped', 'missed', 'mcast'], st.rxCompressed > 0) + nums(rx, st.rxCompressed ? 7 : 6) +
    head('TX', ['packets', 'errors', 'dropped', 'carrier', 'collsns'], st.txCompressed > 0) + nums(tx, st.txCompressed ? 7 : 6)
  );
}

/** `ip -s -j`'s stats64 object. */
function statsJson(st: LinkStats64): Record<string, unknown> {
  const rx: Record<string, number> = { bytes: st.rxBytes, packets: st.rxPackets, errors: st.rxErrors, dropped: st.rxDropped, over_errors: st.rxOverErrors, multicast: st.multicast };
  if (st.rxCompressed) rx.compressed = st.rxCompressed;
  if (st.rxNohandler) rx.nohandler = st.rxNohandler;
  const tx: Record<string, number> = { bytes: st.txBytes, packets: st.txPackets, errors: st.txErrors, dropped: st.txDropped, carrier_errors: st.txCarrierErrors, collisions: st.collisions };
  if (st.txCompressed) tx.compressed = st.txCompressed;
  return { rx, tx };
}

function linkText(l: LinkInfo, byIndex: Map<number, LinkInfo>, opts: FormatOptions, doLink: boolean): string {
  const nl = nameAndLink(l, byIndex);
  let s = `${l.index}: ${nl.text}: <${linkFlagWords(l.flags, nl.mDown).join(',')}> `;
  if (l.mtu !== undefined) s += `mtu ${l.mtu} `;
  if (l.qdisc !== undefined) s += `qdisc ${l.qdisc} `;
  if (l.master !== undefined) s += `master ${byIndex.get(l.master)?.name ?? `if${l.master}`} `;
  if (l.operstate !== undefined) s += l.operstate < OPER_STATES.length ? `state ${OPER_STATES[l.operstate]} ` : `state 0x${l.operstate.toString(16)} `;
  if (doLink && l.linkmode !== undefined) s += l.linkmode < LINK_MODES.length ? `mode ${LINK_MODES[l.linkmode]} ` : `mode ${l.linkmode} `;
  if (l.group !== undefined) s += `group ${groupName(l.group)} `;
  if (l.txqlen) s += `qlen ${l.txqlen}`;
  s += `\n    link/${linkTypeName(l.type)} `;
  if (l.address !== undefined) s += l.address;
  if (l.broadcast !== undefined) s += `${l.flags & IFF.POINTOPOINT ? ' peer ' : ' brd '}${l.broadcast}`;
  if (l.permAddress !== undefined && l.permAddress !== l.address) s += ` permaddr ${l.permAddress}`;
  if (l.linkNetnsid !== undefined) {
    const id = l.linkNetnsid;
    if (id >= 0) {
      const name = opts.nsidNames?.get(id);
      s += name !== undefined ? ` link-netns ${name}` : ` link-netnsid ${id}`;
    } else s += ' link-netnsid unknown';
  }
  if (l.protoDown) s += ' protodown on ';
  if (doLink && l.ifalias !== undefined) s += `\n    alias ${l.ifalias}`;
  for (const alt of l.altnames) s += `\n    altname ${alt}`;
  s += '\n';
  // ip link -s: the counters right after the link; ip addr -s puts them after the addresses
  if (doLink && opts.stats && l.stats64) s += statsText(l.stats64);
  return s;
}

function linkJson(l: LinkInfo, byIndex: Map<number, LinkInfo>, doLink: boolean): Record<string, unknown> {
  const nl = nameAndLink(l, byIndex);
  const o: Record<string, unknown> = { ifindex: l.index, ...nl.json, ifname: l.name, flags: linkFlagWords(l.flags, nl.mDown) };
  if (l.mtu !== undefined) o.mtu = l.mtu;
  if (l.qdisc !== undefined) o.qdisc = l.qdisc;
  if (l.master !== undefined) o.master = byIndex.get(l.master)?.name ?? `if${l.master}`;
  if (l.operstate !== undefined) {
    if (l.operstate < OPER_STATES.length) o.operstate = OPER_STATES[l.operstate];
    else o.operstate_index = l.operstate;
  }
  if (doLink && l.linkmode !== undefined) {
    if (l.linkmode < LINK_MODES.length) o.linkmode = LINK_MODES[l.linkmode];
    else o.linkmode_index = l.linkmode;
  }
  if (l.group !== undefined) o.group = groupName(l.group);
  if (l.txqlen) o.txqlen = l.txqlen;
  o.link_type = linkTypeName(l.type);
  if (l.address !== undefined) o.address = l.address;
  if (l.broadcast !== undefined) {
    if (l.flags & IFF.POINTOPOINT) o.link_pointtopoint = true;
    o.broadcast = l.broadcast;
  }
  if (l.permAddress !== undefined && l.permAddress !== l.address) o.permaddr = l.permAddress;
  if (l.linkNetnsid !== undefined) o.link_netnsid = l.linkNetnsid;
  if (l.protoDown) o.proto_down = true;
  if (doLink && l.ifalias !== undefined) o.ifalias = l.ifalias;
  if (l.altnames.length) o.altnames = [...l.altnames];
  return o;
}

/** print_ifa_flags: the words, and the JSON booleans. */
function addrFlags(a: AddrInfo): { words: string[]; json: Record<string, unknown> } {
  const words: string[] = [];
  const json: Record<string, unknown> = {};
  let f = a.flags;
  for (const [name, mask] of IFA_FLAG_ORDER) {
    if (mask === IFA_F.PERMANENT) {
      if (!(f & mask)) {
        words.push('dynamic');
        json.dynamic = true;
      }
    } else if (f & mask) {
      const word = mask === IFA_F.SECONDARY && a.family === AF_INET6 ? 'temporary' : name;
      words.push(word);
      json[word] = true;
    }
    f &= ~mask;
  }
  if (f) {
    const hex = (f >>> 0).toString(16).padStart(2, '0');
    words.push(`flags ${hex}`);
    json.ifa_flags = hex;
  }
  return { words, json };
}

const lft = (v: number, signed: boolean): string => (v === INFINITY_LIFE_TIME ? 'forever' : `${signed ? v | 0 : v >>> 0}sec`);

function addrText(a: AddrInfo): string {
  const fam = familyName(a.family);
  let s = fam !== null ? `    ${fam} ` : `    family ${a.family} `;
  const local = a.local ?? a.address;
  const address = a.address ?? a.local;
  if (local !== undefined) {
    s += local;
    if (address !== undefined && address !== local) s += ` peer ${address}`;
    s += `/${a.prefixlen} `;
    if (a.metric !== undefined) s += `metric ${a.metric} `;
  }
  if (a.broadcast !== undefined) s += `brd ${a.broadcast} `;
  if (a.anycast !== undefined) s += `any ${a.anycast} `;
  s += `scope ${scopeName(a.scope)} `;
  for (const w of addrFlags(a).words) s += `${w} `;
  if (a.label !== undefined) s += a.label;
  if (a.cacheinfo) {
    const deprecated = (a.flags & IFA_F.DEPRECATED) !== 0;
    s += `\n       valid_lft ${lft(a.cacheinfo.valid, false)} preferred_lft ${lft(a.cacheinfo.preferred, deprecated)}`;
  }
  return s + '\n';
}

function addrJson(a: AddrInfo): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const fam = familyName(a.family);
  if (fam !== null) o.family = fam;
  else o.family_index = a.family;
  const local = a.local ?? a.address;
  const address = a.address ?? a.local;
  if (local !== undefined) {
    o.local = local;
    if (address !== undefined && address !== local) o.address = address;
    o.prefixlen = a.prefixlen;
    if (a.metric !== undefined) o.metric = a.metric;
  }
  if (a.broadcast !== undefined) o.broadcast = a.broadcast;
  if (a.anycast !== undefined) o.anycast = a.anycast;
  o.scope = scopeName(a.scope);
  Object.assign(o, addrFlags(a).json);
  if (a.label !== undefined) o.label = a.label;
  if (a.cacheinfo) {
    const deprecated = (a.flags & IFA_F.DEPRECATED) !== 0;
    o.valid_life_time = a.cacheinfo.valid >>> 0;
    o.preferred_life_time = a.cacheinfo.preferred === INFINITY_LIFE_TIME || !deprecated ? a.cacheinfo.preferred >>> 0 : a.cacheinfo.preferred | 0;
  }
  return o;
}

const indexLinks = (links: LinkInfo[]) => new Map(links.map((l) => [l.index, l]));

/** Exactly `ip address show`'s text for these links and addresses. */
export function formatIpAddr(links: LinkInfo[], addrs: AddrInfo[], opts: FormatOptions = {}): string {
  const byIndex = indexLinks(opts.allLinks ?? links);
  let out = '';
  for (const l of links) {
    out += linkText(l, byIndex, opts, false);
    for (const a of addrs) if (a.index === l.index) out += addrText(a);
    if (opts.stats && l.stats64) out += statsText(l.stats64);
  }
  return out;
}

/** `ip -j address show`'s objects (JSON.stringify gives ip's compact form). */
export function ipAddrJson(links: LinkInfo[], addrs: AddrInfo[], opts: FormatOptions = {}): object[] {
  const byIndex = indexLinks(opts.allLinks ?? links);
  return links.map((l) => {
    const o: Record<string, unknown> = { ...linkJson(l, byIndex, false), addr_info: addrs.filter((a) => a.index === l.index).map(addrJson) };
    if (opts.stats && l.stats64) o.stats64 = statsJson(l.stats64);
    return o;
  });
}

/** Exactly `ip link show`'s text. */
export function formatIpLink(links: LinkInfo[], opts: FormatOptions = {}): string {
  const byIndex = indexLinks(opts.allLinks ?? links);
  return links.map((l) => linkText(l, byIndex, opts, true)).join('');
}

/** `ip -j link show`'s objects. */
export function ipLinkJson(links: LinkInfo[], opts: FormatOptions = {}): object[] {
  const byIndex = indexLinks(opts.allLinks ?? links);
  return links.map((l) => {
    const o = linkJson(l, byIndex, true);
    if (opts.stats && l.stats64) o.stats64 = statsJson(l.stats64);
    return o;
  });
}
