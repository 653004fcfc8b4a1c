// vping link … and vping addr … in ip's own grammar:
//   vping link add tap1 [netns NS] type veth peer name tap2 [netns NS]
//   vping link set tap1 [up|down] [netns NS] [mtu N] [address MAC]
//   vping link del tap1
//   vping [-n NS] link [show [DEV]]
//   vping [-n NS] addr add [local] 192.168.168.1/24 dev tap1 [nodad]
//   vping [-n NS] addr del 192.168.168.1/24 dev tap1
//   vping [-n NS] addr [show [dev DEV]]        (alias: a, address)
import type { Command } from 'commander';
import { existsNetns } from '../../src/ns/netns.js';
import { UsageError } from '../../src/sys/errors.js';
import { Rtnl, type KindLinkOptions, type LinkSetOptions, type VethOptions } from '../../src/link/rtnl.js';
import { MACVLAN_MODE } from '../../src/netlink/consts.js';
import { familyOf } from '../../src/icmp/addr.js';
import { parseInet } from '../../src/inet/addr.js';
import { showAddrJson, showAddrText, showLinkJson, showLinkText } from '../../src/iproute/show.js';
import { action, printJson, requireRoot } from '../run.js';
import { didYouMean } from '../args.js';

/** `master BR`: the bridge's ifindex; anything but a bridge is refused before the kernel is asked. */
function masterIndex(rt: Rtnl, name: string): number {
  const l = rt.getLink(name);
  if (l.kind !== 'bridge') throw new UsageError(`link set: "${name}" is ${l.kind ? `a ${l.kind}` : 'not a bridge'}, and only a bridge can be a master here`);
  return l.index;
}

/** `netns NS` as ip reads it: a name, a path, pid:N, or a bare process id when no namespace has that name. */
function netnsArg(v: string): string {
  return /^[0-9]+$/.test(v) && !existsNetns(v) ? `pid:${v}` : v;
}

interface Globals {
  netns?: string;
  json?: boolean;
  stats?: boolean;
}

/** Words in ip's keyword-value style: take(kw) returns the value after kw. */
class Words {
  readonly #w: string[];
  constructor(words: string[]) {
    this.#w = [...words];
  }
  get empty(): boolean {
    return this.#w.length === 0;
  }
  next(): string | undefined {
    return this.#w.shift();
  }
  peek(): string | undefined {
    return this.#w[0];
  }
  value(kw: string): string {
    const v = this.#w.shift();
    if (v === undefined) throw new UsageError(`"${kw}" needs a value`);
    return v;
  }
}

function intArg(kw: string, v: string): number {
  if (!/^\d+$/.test(v)) throw new UsageError(`invalid ${kw} "${v}"`);
  return Number(v);
}

/** What `link add` makes: a veth pair, or a link of another kind (names of lower devices resolved later). */
export type LinkAdd =
  | ({ kind: 'veth' } & VethOptions)
  | (Omit<KindLinkOptions, 'link' | 'dev'> & { link?: string; dev?: string });

const KINDS = ['veth', 'bridge', 'dummy', 'macvlan', 'vlan', 'vxlan'] as const;

export function parseLinkAdd(words: string[]): LinkAdd {
  const w = new Words(words);
  let name: string | undefined;
  let type: string | undefined;
  let link: string | undefined;
  const o: Partial<VethOptions> = {};
  while (!w.empty && type === undefined) {
    const k = w.next()!;
    if (k === 'name' || k === 'dev') name = w.value(k);
    else if (k === 'type') type = w.value(k);
    else if (k === 'link') link = w.value(k);
    else if (k === 'netns') o.netns = netnsArg(w.value(k));
    else if (k === 'mtu') o.mtu = intArg('mtu', w.value(k));
    else if (k === 'address') o.mac = w.value(k);
    else if (name === undefined) name = k;
    else throw new UsageError(`link add: unexpected "${k}"`);
  }
  if (type === undefined) throw new UsageError(`link add: "type KIND" is required (${KINDS.join(', ')})`);
  if (!(KINDS as readonly string[]).includes(type)) throw new UsageError(`link add: type "${type}" is not supported (${KINDS.join(', ')})`);
  if (name === undefined) throw new UsageError('link add: the interface needs a name');
  if (type !== 'veth') return parseKindLink(name, type as KindLinkOptions['kind'], link, o, w);
  if (link !== undefined) throw new UsageError('link add: a veth has no lower device ("link DEV")');
  let peer: string | undefined;
  while (!w.empty) {
    const k = w.next()!;
    if (k !== 'peer') throw new UsageError(`link add: unexpected "${k}" (expected "peer name NAME")`);
    while (!w.empty) {
      const p = w.next()!;
      if (p === 'name') peer = w.value(p);
      else if (p === 'netns') o.peerNetns = w.value(p);
      else if (p === 'address') o.peerMac = w.value(p);
      else if (p === 'mtu') o.mtu = intArg('mtu', w.value(p));
      else if (peer === undefined) peer = p;
      else throw new UsageError(`link add: unexpected "${p}" after peer`);
    }
  }
  if (peer === undefined) throw new UsageError('link add: a veth needs its peer: "peer name NAME"');
  const sameNs = (o.netns ?? null) === (o.peerNetns ?? null);
  if (peer === name && sameNs) throw new UsageError(`link add: the peer cannot have the interface's own name "${name}" in the same namespace`);
  return { kind: 'veth', ...o, name, peer } as LinkAdd;
}

/** The words after `type bridge|dummy|macvlan|vlan|vxlan`, as ip takes them. */
function parseKindLink(name: string, kind: KindLinkOptions['kind'], link: string | undefined, o: Partial<VethOptions>, w: Words): LinkAdd {
  const out: LinkAdd = { kind, name };
  if (o.netns !== undefined) out.netns = o.netns;
  if (o.mtu !== undefined) out.mtu = o.mtu;
  if (o.mac !== undefined) out.mac = o.mac;
  if (link !== undefined) out.link = link;
  const range = (kw: string, v: string, max: number): number => {
    const n = intArg(kw, v);
    if (n > max) throw new UsageError(`link add: ${kw} ${n} out of range 0-${max}`);
    return n;
  };
  while (!w.empty) {
    const k = w.next()!;
    if (kind === 'macvlan' && k === 'mode') {
      const m = w.value(k);
      if (!(m in MACVLAN_MODE)) throw new UsageError(`link add: macvlan mode "${m}" (private, vepa, bridge, passthru, source)`);
      out.macvlanMode = m as keyof typeof MACVLAN_MODE;
    } else if ((kind === 'vlan' || kind === 'vxlan') && k === 'id') out.id = range('id', w.value(k), kind === 'vlan' ? 4095 : 16777215);
    else if (kind === 'vxlan' && k === 'dstport') out.dstport = range('dstport', w.value(k), 65535);
    else if (kind === 'vxlan' && (k === 'remote' || k === 'group' || k === 'local')) {
      const a = w.value(k);
      const f = familyOf(a);
      if (!f) throw new UsageError(`link add: ${k} "${a}" is not an IPv4 or IPv6 address`);
      const bytes = parseInet(a)!;
      if (k === 'local') out.local = bytes;
      else out.remote = bytes;
    } else if (kind === 'vxlan' && k === 'dev') out.dev = w.value(k);
    else throw new UsageError(`link add: unexpected "${k}" for type ${kind}`);
  }
  if ((kind === 'macvlan' || kind === 'vlan') && link === undefined) throw new UsageError(`link add: a ${kind} needs its lower device: "link DEV"`);
  if (kind === 'vlan' && out.id === undefined) throw new UsageError('link add: a vlan needs its "id N"');
  if (kind === 'vxlan' && out.id === undefined) throw new UsageError('link add: a vxlan needs its "id VNI"');
  return out;
}

export function parseLinkSet(words: string[]): { dev: string; set: LinkSetOptions; master?: string | null } {
  const w = new Words(words);
  let dev: string | undefined;
  const set: LinkSetOptions = {};
  let master: string | null | undefined;
  while (!w.empty) {
    const k = w.next()!;
    if (k === 'dev') dev = w.value(k);
    else if (k === 'up') set.up = true;
    else if (k === 'down') set.up = false;
    else if (k === 'netns') set.netns = netnsArg(w.value(k));
    else if (k === 'mtu') set.mtu = intArg('mtu', w.value(k));
    else if (k === 'address') set.mac = w.value(k);
    else if (k === 'master') master = w.value(k);
    else if (k === 'nomaster') master = null;
    else if (dev === undefined) dev = k;
    else throw new UsageError(`link set: unexpected "${k}"`);
  }
  if (dev === undefined) throw new UsageError('link set: which device? (vping link set DEV up)');
  if (Object.keys(set).length === 0 && master === undefined) throw new UsageError(`link set ${dev}: nothing to change (up, down, netns NS, mtu N, address MAC, master BR, nomaster)`);
  return master === undefined ? { dev, set } : { dev, set, master };
}

export function parseAddrChange(words: string[], verb: string): { cidr: string; dev: string; nodad: boolean } {
  const w = new Words(words);
  let cidr: string | undefined;
  let dev: string | undefined;
  let nodad = false;
  while (!w.empty) {
    const k = w.next()!;
    if (k === 'local') cidr = w.value(k);
    else if (k === 'dev') dev = w.value(k);
    else if (k === 'nodad') nodad = true;
    else if (cidr === undefined) cidr = k;
    else throw new UsageError(`addr ${verb}: unexpected "${k}"`);
  }
  if (cidr === undefined) throw new UsageError(`addr ${verb}: which address? (addr ${verb} 192.168.168.1/24 dev tap1)`);
  if (dev === undefined) throw new UsageError(`addr ${verb}: "dev DEV" is required`);
  return { cidr, dev, nodad };
}

function showArgs(words: string[]): { dev?: string } {
  const w = new Words(words);
  if (w.peek() === 'show' || w.peek() === 'list' || w.peek() === 'ls') w.next();
  let dev: string | undefined;
  while (!w.empty) {
    const k = w.next()!;
    if (k === 'dev') dev = w.value(k);
    else if (dev === undefined) dev = k;
    else throw new UsageError(`unexpected "${k}"`);
  }
  return dev === undefined ? {} : { dev };
}

export function register(program: Command): void {
  program
    .command('link')
    .description('links, as ip link: add NAME type veth peer name PEER | add NAME [link DEV] type bridge|macvlan|vxlan|vlan|dummy … | set DEV up|down|netns NS|mtu N|address MAC|master BR|nomaster | del DEV | show [DEV]')
    .argument('[words...]', "ip link's words")
    .allowUnknownOption()
    .helpOption(false)
    .action(action((words: string[], _o: unknown, cmd: Command) => {
      // ip's own words take the options (`link show dev x`), so help is looked for here
      if (words[0] === 'help' || words.includes('--help') || words.includes('-h')) {
        process.stdout.write(cmd.helpInformation());
        return;
      }
      const g = cmd.optsWithGlobals<Globals>();
      const verb = words[0] ?? 'show';
      const rest = words.slice(1);
      if (verb === 'show' || verb === 'list' || verb === 'ls' || words.length === 0) {
        const o = { ...showArgs(words), stats: g.stats ?? false };
        if (g.json) printJson(showLinkJson(g.netns, o));
        else process.stdout.write(showLinkText(g.netns, o));
        return;
      }
      const verbs = ['add', 'set', 'del', 'delete'];
      if (!verbs.includes(verb)) throw new UsageError(`link: unknown command "${verb}"${didYouMean(verb, [...verbs, 'show', 'list'])} (add, set, del, show)`);
      requireRoot(`link ${verb}`);
      using rt = Rtnl.open(g.netns);
      if (verb === 'add') {
        const a = parseLinkAdd(rest);
        if (a.kind === 'veth') rt.createVeth(a);
        else {
          const { link, dev, ...rest2 } = a;
          rt.createLink({ ...rest2, ...(link !== undefined ? { link: rt.linkIndex(link) } : {}), ...(dev !== undefined ? { dev: rt.linkIndex(dev) } : {}) });
        }
      } else if (verb === 'set') {
        const { dev, set, master } = parseLinkSet(rest);
        if (master !== undefined) set.master = master === null ? 0 : masterIndex(rt, master);
        rt.setLink(dev, set);
      } else if (verb === 'del' || verb === 'delete') {
        const dev = rest[0] === 'dev' ? rest[1] : rest[0];
        if (!dev) throw new UsageError('link del: which device?');
        rt.deleteLink(dev);
      } else throw new UsageError(`link: unknown command "${verb}"${didYouMean(verb, ['add', 'set', 'del', 'delete', 'show', 'list'])} (add, set, del, show)`);
    }));

  program
    .command('addr')
    .aliases(['a', 'address'])
    .description('addresses, as ip addr: add [local] ADDR/PREFIX dev DEV [nodad] | del ADDR/PREFIX dev DEV | show [dev DEV]')
    .argument('[words...]', "ip addr's words")
    .option('-4', 'IPv4 only (show)')
    .option('-6', 'IPv6 only (show)')
    .allowUnknownOption()
    .action(action((words: string[], opts: { 4?: boolean; 6?: boolean }, cmd: Command) => {
      if (words[0] === 'help') {
        process.stdout.write(cmd.helpInformation());
        return;
      }
      const g = cmd.optsWithGlobals<Globals>();
      const verb = words[0] ?? 'show';
      if (verb === 'show' || verb === 'list' || verb === 'ls' || words.length === 0) {
        const o = { ...showArgs(words), stats: g.stats ?? false, ...(opts[4] ? { family: 4 as const } : opts[6] ? { family: 6 as const } : {}) };
        if (g.json) printJson(showAddrJson(g.netns, o));
        else process.stdout.write(showAddrText(g.netns, o));
        return;
      }
      const verbs = ['add', 'replace', 'del', 'delete'];
      if (!verbs.includes(verb)) throw new UsageError(`addr: unknown command "${verb}"${didYouMean(verb, [...verbs, 'show', 'list'])} (add, del, show)`);
      requireRoot(`addr ${verb}`);
      using rt = Rtnl.open(g.netns);
      if (verb === 'add' || verb === 'replace') {
        const a = parseAddrChange(words.slice(1), verb);
        rt.addAddr(a.dev, a.cidr, { nodad: a.nodad, replace: verb === 'replace' });
      } else if (verb === 'del' || verb === 'delete') {
        const a = parseAddrChange(words.slice(1), verb);
        rt.delAddr(a.dev, a.cidr);
      } else throw new UsageError(`addr: unknown command "${verb}"${didYouMean(verb, ['add', 'replace', 'del', 'delete', 'show', 'list'])} (add, del, show)`);
    }));
}
