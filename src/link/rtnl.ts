// rtnetlink requests: veth create (each end directly in its namespace), set up/down, mtu,
// MAC, move, delete, addresses, dumps of links and addresses, nsids. One socket per
// namespace; several requests can go in one sendmsg (RtnlBatch) and their acks are read
// after, which is how a lab of many pairs is built quickly.
import { EEXIST, ENODEV, EOPNOTSUPP } from '../sys/errno.js';
import { UsageError } from '../sys/errors.js';
import { AF_INET, AF_UNSPEC } from '../sys/libc.js';
import { listNetnsNames, openNetns, NetNs, type NetnsRef } from '../ns/netns.js';
import { IFA, IFA_F, IFF, IFLA, IFLA_INFO, IFLA_MACVLAN, IFLA_VLAN, IFLA_VXLAN, MACVLAN_MODE, NETNSA, NETNSA_NSID_NOT_ASSIGNED, NLM_F, RTEXT_FILTER, RTGENMSG, RTM, RT_SCOPE, VETH_INFO } from '../netlink/consts.js';
import { NetlinkError } from '../netlink/errors.js';
import { checkIfName, checkMtu, parseCidr, parseMacAddr, type Cidr } from './parse.js';
import { AttrSet, type NlWriter } from '../netlink/nlattr.js';
import { NetlinkConn, NetlinkSocket, type NlEndpoint, type Pending } from '../netlink/transport.js';
import { IFINFOMSG, decodeLink, putIfinfomsg, type LinkInfo } from './ifinfomsg.js';
import { decodeAddr, putIfaddrmsg, type AddrInfo } from './ifaddrmsg.js';
import { RTA, RTN, RTPROT_BOOT, RT_TABLE_MAIN, decodeNeigh, decodeRoute, putNdmsg, putRtmsg, type NeighInfo, type RouteInfo } from './rtmsg.js';

export type { LinkInfo } from './ifinfomsg.js';
export type { AddrInfo } from './ifaddrmsg.js';
export type { RouteInfo, NeighInfo } from './rtmsg.js';

/** A device by name (resolved by the kernel in the socket's namespace) or by ifindex. */
export type DevRef = string | number;
/** A namespace given by handle or by name (for IFLA_NET_NS_FD). */
export type NsTarget = NetNs | string;

/** A veth pair to create: its name, the peer's name, and the namespace the peer goes to (IFLA_NET_NS_FD). */
export interface VethOptions {
  name: string;
  peer: string;
  /** Where `name` is created (default: the socket's namespace). */
  netns?: NsTarget;
  /** Where `peer` is created (default: the socket's namespace). */
  peerNetns?: NsTarget;
  /** MTU of both ends. */
  mtu?: number;
  mac?: string;
  peerMac?: string;
  /** Ask for this ifindex for `name` (`ip link add ... index N`); 0/undefined lets the kernel pick. */
  index?: number;
  /** Ask for this ifindex for `peer`. */
  peerIndex?: number;
}

/** What `ip link set` changes: up/down, name, MTU, MAC address, namespace, master. */
export interface LinkSetOptions {
  up?: boolean;
  mtu?: number;
  mac?: string;
  netns?: NsTarget;
  /** enslave to this bridge (by ifindex); 0 releases it (`nomaster`) */
  master?: number;
}

/** A route to add, replace or delete (`ip route add|replace|del`), in the main table. */
export interface RouteOptions {
  /** AF_INET or AF_INET6 */
  family: number;
  /** the destination prefix (bytes and length); null: default */
  dst: { bytes: Uint8Array; prefixlen: number } | null;
  gateway?: Uint8Array;
  /** the output device, by ifindex */
  oif?: number;
  metric?: number;
  /** rtm_protocol (default boot, as ip) */
  protocol?: number;
  /** rtm_scope (default: link when there is no gateway, else global, as ip) */
  scope?: number;
  prefsrc?: Uint8Array;
  /** rtm_type (default unicast): blackhole, unreachable, prohibit, throw */
  type?: number;
  /** for messages: the words as typed */
  text?: string;
}

/** Link kinds other than veth that `link add` makes (the kernel may lack some: it refuses them). */
export type LinkKind = 'bridge' | 'dummy' | 'macvlan' | 'vlan' | 'vxlan';

/** A link of another kind: `ip link add NAME [link DEV] type KIND [its options]`. */
export interface KindLinkOptions {
  name: string;
  kind: LinkKind;
  /** the lower device (macvlan, vlan: required), by ifindex */
  link?: number;
  netns?: NsTarget;
  mtu?: number;
  mac?: string;
  /** macvlan: private, vepa, bridge, passthru or source (the kernel's default: vepa) */
  macvlanMode?: keyof typeof MACVLAN_MODE;
  /** vlan and vxlan: the VLAN id (0-4095) or VNI (0-16777215) */
  id?: number;
  /** vxlan: the UDP port (ip's default when not given is 0, which the kernel makes 8472) */
  dstport?: number;
  /** vxlan: the remote or multicast group, the local address (bytes) and the underlay device (ifindex) */
  remote?: Uint8Array;
  local?: Uint8Array;
  dev?: number;
}

/** Address flags and extras, as `ip addr add` takes them (nodad, broadcast, label, scope, …). */
export interface AddrOptions {
  /** IFA_F_NODAD: usable at once (IPv6 skips duplicate address detection). */
  nodad?: boolean;
  /** `ip addr replace` instead of `add` (no EEXIST when it is there). */
  replace?: boolean;
}

const REQ_ACK = NLM_F.REQUEST | NLM_F.ACK;
const VETH_KIND = Buffer.from('veth');
const devText = (dev: DevRef) => (typeof dev === 'number' ? `if${dev}` : dev);

/** The head of an RTM_NEWLINK that creates a link, in iproute2's order: ifinfomsg, lower link, MTU, address, namespace, name. */
function putNewLinkHead(w: NlWriter, h: { index: number; link?: number; mtu?: number; mac: Uint8Array | null; fd: number | null; name: string }): void {
  putIfinfomsg(w, { index: h.index });
  if (h.link !== undefined) w.u32(IFLA.LINK, h.link);
  if (h.mtu !== undefined) w.u32(IFLA.MTU, h.mtu);
  if (h.mac) w.binary(IFLA.ADDRESS, h.mac);
  if (h.fd !== null) w.u32(IFLA.NET_NS_FD, h.fd);
  w.str(IFLA.IFNAME, h.name);
}

/** A refused kind reads as ip says it; a name taken says so. */
function explainKind(e: NetlinkError, o: KindLinkOptions): NetlinkError {
  const say = (message: string) => new NetlinkError({ op: e.op, errno: e.errno, kernelMessage: e.kernelMessage, offset: e.offset, seq: e.seq, message });
  if (e.errno === EOPNOTSUPP) return say(`link add ${o.name} type ${o.kind}: this kernel has no ${o.kind} links (Unknown device type)`);
  if (e.errno === EEXIST) return say(`link add ${o.name}: a device named "${o.name}" exists`);
  return e;
}

/** ENODEV on a named device reads as ip says it: `Cannot find device "tap9"`. */
function noDevice(dev: DevRef): (e: NetlinkError) => NetlinkError {
  return (e) =>
    e.errno === ENODEV
      ? new NetlinkError({ op: e.op, errno: e.errno, kernelMessage: e.kernelMessage, offset: e.offset, seq: e.seq, message: `Cannot find device "${devText(dev)}"` })
      : e;
}

/** Namespace fds for a request: names are opened now and closed when the request is done. */
class FdScope {
  readonly #opened: NetNs[] = [];
  fd(ns: NsTarget): number {
    if (ns instanceof NetNs) return ns.fd;
    const h = openNetns(ns);
    this.#opened.push(h);
    return h.fd;
  }
  close(): void {
    for (const h of this.#opened.splice(0)) h.close();
  }
}

/** Write the device selector: ifindex in the header, or IFLA_IFNAME for a name. */
function putDevHeader(w: NlWriter, dev: DevRef, h: { flags?: number; change?: number } = {}): void {
  putIfinfomsg(w, { index: typeof dev === 'number' ? dev : 0, flags: h.flags, change: h.change });
  if (typeof dev === 'string') w.str(IFLA.IFNAME, dev);
}

/**
 * Requests queued on one socket and sent in one sendmsg; the kernel answers each with an
 * ack. `run()` throws the first failure; `send()` returns them all.
 */
export class RtnlBatch {
  readonly #rt: Rtnl;
  readonly #pending: Pending[] = [];
  readonly #fds = new FdScope();

  constructor(rt: Rtnl) {
    this.#rt = rt;
    rt.conn.begin();
  }

  get size(): number {
    return this.#pending.length;
  }

  #msg(type: number, flags: number, p: Omit<Pending, 'seq'>, body: (w: NlWriter) => void): this {
    const seq = this.#rt.conn.nextSeq();
    this.#rt.conn.w.message(type, flags, seq, body);
    this.#pending.push({ ...p, seq });
    return this;
  }

  /** `ip link add NAME [netns A] type veth peer name PEER [netns B]`, in one RTM_NEWLINK. */
  createVeth(o: VethOptions): this {
    checkIfName(o.name);
    checkIfName(o.peer);
    if (o.mtu !== undefined) checkMtu(o.mtu);
    const mac = o.mac !== undefined ? parseMacAddr(o.mac) : null;
    const peerMac = o.peerMac !== undefined ? parseMacAddr(o.peerMac) : null;
    const fd = o.netns !== undefined ? this.#fds.fd(o.netns) : null;
    const peerFd = o.peerNetns !== undefined ? this.#fds.fd(o.peerNetns) : null;
    const op = `link add ${o.name} type veth peer name ${o.peer}`;
    return this.#msg(RTM.NEWLINK, REQ_ACK | NLM_F.CREATE | NLM_F.EXCL, { op, explain: (e) => this.#rt.explainVethExists(e, o) }, (w) => {
      // iproute2's order and encoding, so the bytes equal `ip link add ...`'s (see
      // test/fixtures/rtnl/newlink-veth.*): options, then IFLA_IFNAME, then IFLA_LINKINFO with
      // the kind unterminated (addattr_l(kind, strlen(kind))).
      putNewLinkHead(w, { index: o.index ?? 0, mtu: o.mtu, mac, fd, name: o.name });
      w.nest(IFLA.LINKINFO, (li) => {
        li.binary(IFLA_INFO.KIND, VETH_KIND);
        li.nest(IFLA_INFO.DATA, (d) =>
          d.nest(VETH_INFO.PEER, (p) => {
            putIfinfomsg(p, { index: o.peerIndex ?? 0 });
            if (o.mtu !== undefined) p.u32(IFLA.MTU, o.mtu);
            if (peerMac) p.binary(IFLA.ADDRESS, peerMac);
            if (peerFd !== null) p.u32(IFLA.NET_NS_FD, peerFd);
            p.str(IFLA.IFNAME, o.peer);
          }),
        );
      });
    });
  }

  /** `ip link add NAME [link DEV] type KIND …` for a bridge, dummy, macvlan, vlan or vxlan, in one RTM_NEWLINK. */
  createLink(o: KindLinkOptions): this {
    checkIfName(o.name);
    if (o.mtu !== undefined) checkMtu(o.mtu);
    const mac = o.mac !== undefined ? parseMacAddr(o.mac) : null;
    const fd = o.netns !== undefined ? this.#fds.fd(o.netns) : null;
    const op = `link add ${o.name} type ${o.kind}`;
    return this.#msg(RTM.NEWLINK, REQ_ACK | NLM_F.CREATE | NLM_F.EXCL, { op, explain: (e) => explainKind(e, o) }, (w) => {
      putNewLinkHead(w, { index: 0, link: o.link, mtu: o.mtu, mac, fd, name: o.name });
      w.nest(IFLA.LINKINFO, (li) => {
        li.binary(IFLA_INFO.KIND, Buffer.from(o.kind));
        if (o.kind === 'macvlan' && o.macvlanMode) li.nest(IFLA_INFO.DATA, (d) => d.u32(IFLA_MACVLAN.MODE, MACVLAN_MODE[o.macvlanMode!]));
        else if (o.kind === 'vlan') li.nest(IFLA_INFO.DATA, (d) => d.u16(IFLA_VLAN.ID, o.id ?? 0));
        else if (o.kind === 'vxlan') {
          li.nest(IFLA_INFO.DATA, (d) => {
            d.u32(IFLA_VXLAN.ID, o.id ?? 0);
            if (o.remote) d.binary(o.remote.length === 4 ? IFLA_VXLAN.GROUP : IFLA_VXLAN.GROUP6, o.remote);
            if (o.local) d.binary(o.local.length === 4 ? IFLA_VXLAN.LOCAL : IFLA_VXLAN.LOCAL6, o.local);
            if (o.dev !== undefined) d.u32(IFLA_VXLAN.LINK, o.dev);
            // the UDP port travels in network order
            if (o.dstport !== undefined) d.binary(IFLA_VXLAN.PORT, Uint8Array.of(o.dstport >> 8, o.dstport & 0xff));
          });
        }
      });
    });
  }

  /** `ip link set DEV [up|down] [mtu N] [address MAC] [netns NS] [master BR|nomaster]`. */
  setLink(dev: DevRef, o: LinkSetOptions): this {
    if (typeof dev === 'string') checkIfName(dev);
    if (o.mtu !== undefined) checkMtu(o.mtu);
    const mac = o.mac !== undefined ? parseMacAddr(o.mac) : null;
    const fd = o.netns !== undefined ? this.#fds.fd(o.netns) : null;
    const words = [
      o.up === undefined ? null : o.up ? 'up' : 'down', o.mtu !== undefined ? `mtu ${o.mtu}` : null, o.mac ? `address ${o.mac}` : null,
      o.netns !== undefined ? `netns ${typeof o.netns === 'string' ? o.netns : o.netns.label}` : null,
      o.master === undefined ? null : o.master === 0 ? 'nomaster' : `master if${o.master}`,
    ];
    const op = `link set ${devText(dev)} ${words.filter(Boolean).join(' ')}`.trimEnd();
    return this.#msg(RTM.NEWLINK, REQ_ACK, { op, explain: noDevice(dev) }, (w) => {
      putDevHeader(w, dev, { flags: o.up ? IFF.UP : 0, change: o.up === undefined ? 0 : IFF.UP });
      if (o.mtu !== undefined) w.u32(IFLA.MTU, o.mtu);
      if (mac) w.binary(IFLA.ADDRESS, mac);
      if (fd !== null) w.u32(IFLA.NET_NS_FD, fd);
      if (o.master !== undefined) w.u32(IFLA.MASTER, o.master);
    });
  }

  /**
   * `ip route add|replace|del …` in the main table: RTM_NEWROUTE (CREATE|EXCL, or
   * CREATE|REPLACE) or RTM_DELROUTE, with ip's defaults (protocol boot, scope link for a
   * route with neither gateway nor a type other than unicast; a delete matches any protocol,
   * scope and type that are not given).
   */
  route(verb: 'add' | 'replace' | 'del', o: RouteOptions): this {
    const del = verb === 'del';
    const type = o.type ?? (del ? RTN.UNSPEC : RTN.UNICAST);
    const scope = o.scope ?? (del ? RT_SCOPE.NOWHERE : type === RTN.UNICAST && !o.gateway ? RT_SCOPE.LINK : RT_SCOPE.UNIVERSE);
    const flags = del ? REQ_ACK : REQ_ACK | NLM_F.CREATE | (verb === 'replace' ? NLM_F.REPLACE : NLM_F.EXCL);
    const op = `route ${verb} ${o.text ?? ''}`.trimEnd();
    return this.#msg(del ? RTM.DELROUTE : RTM.NEWROUTE, flags, { op }, (w) => {
      putRtmsg(w, { family: o.family, dstLen: o.dst ? o.dst.prefixlen : 0, table: RT_TABLE_MAIN, protocol: o.protocol ?? (del ? 0 : RTPROT_BOOT), scope, type });
      if (o.dst) w.binary(RTA.DST, o.dst.bytes);
      if (o.gateway) w.binary(RTA.GATEWAY, o.gateway);
      if (o.oif !== undefined) w.u32(RTA.OIF, o.oif);
      if (o.metric !== undefined) w.u32(RTA.PRIORITY, o.metric);
      if (o.prefsrc) w.binary(RTA.PREFSRC, o.prefsrc);
    });
  }

  /** `ip link del DEV`. */
  deleteLink(dev: DevRef): this {
    if (typeof dev === 'string') checkIfName(dev);
    return this.#msg(RTM.DELLINK, REQ_ACK, { op: `link del ${devText(dev)}`, explain: noDevice(dev) }, (w) => putDevHeader(w, dev));
  }

  /**
   * `ip addr add local ADDR/P dev DEV`: IFA_LOCAL and IFA_ADDRESS both ADDR (no peer), scope
   * host for 127/8 else global, as iproute2 ipaddr_modify. `dev` must be an ifindex here.
   */
  addAddr(index: number, cidr: string | Cidr, o: AddrOptions = {}, devName?: string): this {
    const c = typeof cidr === 'string' ? parseCidr(cidr) : cidr;
    const flags = o.nodad ? IFA_F.NODAD : 0;
    const op = `addr ${o.replace ? 'replace' : 'add'} ${c.address}/${c.prefixlen} dev ${devName ?? devText(index)}`;
    const scope = c.family === AF_INET && c.bytes[0] === 127 ? RT_SCOPE.HOST : RT_SCOPE.UNIVERSE;
    return this.#msg(RTM.NEWADDR, REQ_ACK | NLM_F.CREATE | (o.replace ? NLM_F.REPLACE : NLM_F.EXCL), { op, explain: noDevice(devName ?? index) }, (w) => {
      putIfaddrmsg(w, { family: c.family, prefixlen: c.prefixlen, flags: flags & 0xff, scope, index });
      w.binary(IFA.LOCAL, c.bytes);
      w.binary(IFA.ADDRESS, c.bytes);
      if (flags > 0xff) w.u32(IFA.FLAGS, flags);
    });
  }

  /** `ip addr del ADDR/P dev DEV`. */
  delAddr(index: number, cidr: string | Cidr, devName?: string): this {
    const c = typeof cidr === 'string' ? parseCidr(cidr) : cidr;
    const op = `addr del ${c.address}/${c.prefixlen} dev ${devName ?? devText(index)}`;
    return this.#msg(RTM.DELADDR, REQ_ACK, { op, explain: noDevice(devName ?? index) }, (w) => {
      putIfaddrmsg(w, { family: c.family, prefixlen: c.prefixlen, index });
      w.binary(IFA.LOCAL, c.bytes);
    });
  }

  /** Send everything queued; one entry per request, null when it succeeded. */
  send(): (NetlinkError | null)[] {
    try {
      if (this.#pending.length === 0) return [];
      return this.#rt.conn.sendBatch(this.#pending);
    } finally {
      this.#fds.close();
    }
  }

  /** Send everything queued; throw the first failure. */
  run(): void {
    const first = this.send().find((e) => e !== null);
    if (first) throw first;
  }
}

/** An rtnetlink socket in one namespace. */
export class Rtnl implements Disposable {
  readonly conn: NetlinkConn;
  /** Name of the namespace the socket lives in, for messages (null: the caller's). */
  readonly nsName: string | null;

  private constructor(conn: NetlinkConn, nsName: string | null) {
    this.conn = conn;
    this.nsName = nsName;
  }

  /** A NETLINK_ROUTE socket created inside `ns` (a NetNs, a name, or null for the current one). */
  static open(ns: NetnsRef = null): Rtnl {
    const name = ns === null || ns === undefined ? null : typeof ns === 'string' ? ns : ns.name;
    return new Rtnl(new NetlinkConn(NetlinkSocket.open(ns)), name);
  }

  /** Over any endpoint (a scripted kernel in tests). */
  static over(ep: NlEndpoint, nsName: string | null = null, firstSeq?: number): Rtnl {
    return new Rtnl(new NetlinkConn(ep, firstSeq), nsName);
  }

  /** Close the netlink socket. */
  close(): void {
    this.conn.close();
  }
  /** Close it at the end of a `using` block. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Several requests in one sendmsg, acknowledged together (see RtnlBatch). */
  batch(): RtnlBatch {
    return new RtnlBatch(this);
  }

  /** `ip link add NAME type veth peer name PEER [netns NS]`. */
  createVeth(o: VethOptions): void {
    this.batch().createVeth(o).run();
  }

  /** `ip link add NAME [link DEV] type bridge|dummy|macvlan|vlan|vxlan …` (see RtnlBatch.createLink). */
  createLink(o: KindLinkOptions): void {
    this.batch().createLink(o).run();
  }

  /** `ip link set DEV …` (up/down, name, mtu, address, netns, master). */
  setLink(dev: DevRef, o: LinkSetOptions): void {
    this.batch().setLink(dev, o).run();
  }

  /** `ip link del DEV` (a veth takes its peer with it). */
  deleteLink(dev: DevRef): void {
    this.batch().deleteLink(dev).run();
  }

  /** `ip addr add CIDR dev DEV [options]`. */
  addAddr(dev: DevRef, cidr: string, o: AddrOptions = {}): void {
    const c = parseCidr(cidr);
    const index = typeof dev === 'number' ? dev : this.linkIndex(dev);
    this.batch().addAddr(index, c, o, typeof dev === 'string' ? dev : undefined).run();
  }

  /** `ip addr del CIDR dev DEV`. */
  delAddr(dev: DevRef, cidr: string): void {
    const c = parseCidr(cidr);
    const index = typeof dev === 'number' ? dev : this.linkIndex(dev);
    this.batch().delAddr(index, c, typeof dev === 'string' ? dev : undefined).run();
  }

  /** One link by name or index (RTM_GETLINK); ENODEV reads `Cannot find device "x"`. */
  getLink(dev: DevRef): LinkInfo {
    if (typeof dev === 'string') checkIfName(dev);
    return this.conn.query(
      { op: `link show ${devText(dev)}`, explain: noDevice(dev) },
      (w, seq) =>
        w.message(RTM.GETLINK, NLM_F.REQUEST, seq, (b) => {
          putDevHeader(b, dev);
          b.u32(IFLA.EXT_MASK, RTEXT_FILTER.VF | RTEXT_FILTER.SKIP_STATS);
        }),
      (m) => decodeLink(m.payload),
    );
  }

  /** The ifindex of the interface named `name` in this namespace (a clear error when there is none). */
  linkIndex(name: string): number {
    return this.getLink(name).index;
  }

  /** Is there a link of this name here? (No exception for ENODEV.) */
  hasLink(name: string): boolean {
    try {
      this.getLink(name);
      return true;
    } catch (e) {
      if (e instanceof NetlinkError && e.errno === ENODEV) return false;
      throw e;
    }
  }

  /** `ip link show`: every link of the namespace, decoded. */
  links(o: { stats?: boolean } = {}): LinkInfo[] {
    return this.conn.dump(
      'link show',
      (w, seq) =>
        w.message(RTM.GETLINK, NLM_F.REQUEST | NLM_F.DUMP, seq, (b) => {
          putIfinfomsg(b, { family: AF_UNSPEC });
          // statistics only when they are shown (`ip -s`): the kernel gathers them per link
          b.u32(IFLA.EXT_MASK, RTEXT_FILTER.VF | (o.stats ? 0 : RTEXT_FILTER.SKIP_STATS));
        }),
      (m) => (m.type === RTM.NEWLINK ? decodeLink(m.payload) : undefined),
    );
  }

  /** `ip addr show` without the links: every address (of `family`, default all). */
  addrs(family: number = AF_UNSPEC): AddrInfo[] {
    return this.conn.dump(
      'addr show',
      (w, seq) => w.message(RTM.GETADDR, NLM_F.REQUEST | NLM_F.DUMP, seq, (b) => putIfaddrmsg(b, { family })),
      (m) => (m.type === RTM.NEWADDR ? decodeAddr(m.payload) : undefined),
    );
  }

  /** Every route of a family (AF_INET, AF_INET6), every table, as the kernel dumps them (RTM_GETROUTE). */
  routes(family: number): RouteInfo[] {
    return this.conn.dump(
      'route show',
      (w, seq) => w.message(RTM.GETROUTE, NLM_F.REQUEST | NLM_F.DUMP, seq, (b) => putRtmsg(b, { family, table: 0 })),
      (m) => (m.type === RTM.NEWROUTE ? decodeRoute(m.payload) : undefined),
    );
  }

  /** Every neighbour entry of a family (AF_UNSPEC: both), as the kernel dumps them (RTM_GETNEIGH). */
  neighbours(family: number = AF_UNSPEC): NeighInfo[] {
    return this.conn.dump(
      'neigh show',
      (w, seq) => w.message(RTM.GETNEIGH, NLM_F.REQUEST | NLM_F.DUMP, seq, (b) => putNdmsg(b, family)),
      (m) => (m.type === RTM.NEWNEIGH ? decodeNeigh(m.payload) : undefined),
    );
  }

  /** `ip route add|replace|del …` (see RtnlBatch.route). */
  route(verb: 'add' | 'replace' | 'del', o: RouteOptions): void {
    this.batch().route(verb, o).run();
  }

  /** The nsid this namespace assigned to the namespace of `fd`, or null when none is (RTM_GETNSID). */
  getNsid(fd: number): number | null {
    return this.conn.query(
      { op: `netns id of fd ${fd}` },
      (w, seq) =>
        w.message(RTM.GETNSID, NLM_F.REQUEST, seq, (b) => {
          b.putZeros(RTGENMSG.size);
          b.u32(NETNSA.FD, fd);
        }),
      (m) => {
        const id = AttrSet.parse(m.payload, RTGENMSG.size, m.payload.length).s32(NETNSA.NSID);
        return id === undefined || id === NETNSA_NSID_NOT_ASSIGNED ? null : id;
      },
    );
  }

  /** nsid → name for every named namespace this one has an id for (what `link-netns NAME` needs). */
  nsidNames(): Map<number, string> {
    const out = new Map<number, string>();
    for (const name of listNetnsNames()) {
      let h: NetNs;
      try {
        h = openNetns(name);
      } catch {
        continue; // a stale name: not a namespace any more
      }
      try {
        const id = this.getNsid(h.fd);
        if (id !== null && !out.has(id)) out.set(id, name);
      } catch {
        /* not a namespace file */
      } finally {
        h.close();
      }
    }
    return out;
  }

  /** After EEXIST on a veth create, say which of the two names is taken, and where. */
  explainVethExists(e: NetlinkError, o: VethOptions): NetlinkError {
    if (e.errno !== EEXIST) return e;
    const here = this.nsName ?? 'the current namespace';
    let which: string | null = null;
    try {
      if (this.hasLink(o.name)) which = `device "${o.name}" already exists in ${this.nsName ? `namespace ${here}` : here}`;
      else if (o.peerNetns === undefined) {
        if (this.hasLink(o.peer)) which = `device "${o.peer}" already exists in ${this.nsName ? `namespace ${here}` : here}`;
      } else {
        using peerRt = Rtnl.open(o.peerNetns);
        const where = typeof o.peerNetns === 'string' ? o.peerNetns : o.peerNetns.label;
        if (peerRt.hasLink(o.peer)) which = `device "${o.peer}" already exists in namespace ${where}`;
      }
      if (which === null && o.netns !== undefined) {
        using rt = Rtnl.open(o.netns);
        const where = typeof o.netns === 'string' ? o.netns : o.netns.label;
        if (rt.hasLink(o.name)) which = `device "${o.name}" already exists in namespace ${where}`;
      }
    } catch {
      /* the explanation is best effort */
    }
    if (which === null) return e;
    return new NetlinkError({ op: e.op, errno: e.errno, kernelMessage: e.kernelMessage, offset: e.offset, seq: e.seq, message: `${e.op}: RTNETLINK answers: File exists (${which})` });
  }
}

/** Throw a UsageError unless `dev` is a plausible device reference. */
export function checkDevRef(dev: DevRef): void {
  if (typeof dev === 'number') {
    if (!Number.isInteger(dev) || dev <= 0) throw new UsageError(`invalid ifindex ${dev}`);
  } else checkIfName(dev);
}

export { IFINFOMSG };
