// `vping lab up|down|status`: the seed's topology (and N copies of it) built over
// rtnetlink, idempotently, with rollback.
//
// up:     for each pair, if both namespaces exist and hold exactly what was asked, nothing
//         is done; if neither exists, it is built; a pair vping made that a killed run left
//         half-made (a namespace missing or a stale file, an end without its veth or address) is removed
//         and built again, and so is one that differs otherwise (a link down, an address gone)
//         when `repair` is asked; anything else in between (namespaces vping did not make, or
//         holding other interfaces) is a conflict, reported before anything is made. vping marks what it makes (ns/netns.ts) and holds a lock meanwhile (withLabLock). Building: `ip netns add` for both ends, then from
//         a socket inside the first namespace ONE sendmsg with `lo up` and the veth create
//         (the peer created directly in the second namespace via IFLA_NET_NS_FD, the name
//         checked where it lives, never in the caller's namespace), one RTM_GETLINK for the
//         two ifindexes, then one sendmsg per namespace for address + up (+ lo up). If any
//         step fails, the namespaces this run added are deleted (which frees the veth).
// down:   deletes the lab's namespaces that vping made (live ones, and stale /run/netns
//         files left by a killed `up`), and nothing else: a namespace under a lab name that
//         vping did not make, or one holding interfaces the lab did not make, is refused
//         unless `force`. Safe to run on a half-made lab, and twice.
// status: what exists of it, end by end.
import { mkdirSync, readFileSync } from 'node:fs';
import { UsageError, VpingError } from '../sys/errors.js';
import { AF_INET6 } from '../sys/libc.js';
import { addNetns, delNetns, existsNetns, isNetnsMounted, isNetnsName, openNetns, type NetNs } from '../ns/netns.js';
import { IFF, RT_SCOPE } from '../netlink/consts.js';
import { Rtnl, type AddrInfo, type LinkInfo } from '../link/rtnl.js';
import { labPairs, resolveLab, type LabInput, type LabPair, type LabSpec } from './spec.js';
import { madeByVping, markMade, markPending, unmark } from '../ns/netns.js';
import { close, flock, open, LOCK_EX, LOCK_UN, O_CREAT, O_RDONLY } from '../sys/libc.js';

const OPER = ['UNKNOWN', 'NOTPRESENT', 'DOWN', 'LOWERLAYERDOWN', 'TESTING', 'DORMANT', 'UP'];

/** What exists of one end of a pair: its namespace, lo, the veth (with its peer), and the address asked for. */
export interface EndStatus {
  ns: string;
  ifname: string;
  /** The address asked for this end (`192.168.168.1/24`). */
  addr: string;
  /** present: a live namespace mount; stale: a /run/netns file that is not a mount (a killed add). */
  netns: 'absent' | 'stale' | 'present';
  loUp: boolean;
  link: null | {
    index: number;
    kind: string | null;
    up: boolean;
    operstate: string;
    mtu: number | null;
    mac: string | null;
    /** The peer's ifindex (in the peer's namespace). */
    peerIndex: number | null;
    /** Name of the namespace the peer is in, when it is a named one. */
    peerNs: string | null;
  };
  hasAddr: boolean;
  /** Other global addresses on the lab interface. */
  extraAddrs: string[];
  /** Interfaces other than lo and the lab's. */
  otherLinks: string[];
}

/** One pair as it stands, both ends, and every difference from what was asked. */
export interface PairStatus {
  index: number;
  ends: [EndStatus, EndStatus];
  /** up: exactly as asked; absent: nothing of it; partial: some of it, or something else. */
  state: 'up' | 'absent' | 'partial';
  problems: string[];
  /**
   * The problems among `problems` that stop a ping across the pair (a namespace, the veth,
   * its pairing, its state or its address); the others (lo down, an extra address or
   * interface, another MTU) leave a measurement possible.
   */
  blocking: string[];
}

/** The whole lab as it stands: up (exactly as asked), absent, or partial, pair by pair. */
export interface LabStatus {
  spec: LabSpec;
  state: 'up' | 'absent' | 'partial';
  pairs: PairStatus[];
}

export interface LabPairOutcome {
  index: number;
  ns: [string, string];
  ifnames: [string, string];
  addrs: [string, string];
  /** rebuilt: a pair vping had made in part (or that differed) was removed and built again */
  outcome: 'created' | 'rebuilt' | 'unchanged' | 'removed' | 'absent';
}

/** What lab up or lab down did, pair by pair, in one line for people, and what will not work as asked. */
export interface LabResult {
  action: 'up' | 'down';
  changed: boolean;
  pairs: LabPairOutcome[];
  /** One line for people. */
  message: string;
  /** What will not work as asked although the lab is built (each one line). */
  warnings?: string[];
}

/**
 * The kernel keeps one neighbour (ARP, NDP) table for all namespaces, capped by the root
 * namespace's gc_thresh3 (1,024 by default): each pair takes two entries once it carries
 * traffic, and past the cap sends fail with "neighbor table overflow" in the kernel log.
 */
export function neighbourWarning(pairs: number, v6: boolean): string | null {
  const path = `/proc/sys/net/${v6 ? 'ipv6' : 'ipv4'}/neigh/default/gc_thresh3`;
  let cap: number;
  try {
    cap = Number(readFileSync(path, 'utf8').trim());
  } catch {
    return null;
  }
  if (!(2 * pairs > cap)) return null;
  return `${pairs} pairs need ${2 * pairs} neighbour entries, and the kernel keeps at most ${cap} for all namespaces (net.${v6 ? 'ipv6' : 'ipv4'}.neigh.default.gc_thresh3): pings beyond that fail; raise it, e.g. sysctl -w net.${v6 ? 'ipv6' : 'ipv4'}.neigh.default.gc_thresh3=${2 ** Math.ceil(Math.log2(2 * pairs + 256))}`;
}

export interface LabHooks {
  /**
   * Called after each step of `up` (`netns ns1`, `veth ns1/tap1`, `addr ns1/tap1`, ...): a
   * test can fail (throw) or die (SIGKILL) at a chosen point.
   */
  onStep?: (step: string) => void;
  /** Build again the pairs vping made that differ from what is asked (a link set down, an address gone). */
  repair?: boolean;
}

const outcomeOf = (p: LabPair, outcome: LabPairOutcome['outcome']): LabPairOutcome => ({
  index: p.index,
  ns: [p.ends[0].ns, p.ends[1].ns],
  ifnames: [p.ends[0].ifname, p.ends[1].ifname],
  addrs: [p.ends[0].addr, p.ends[1].addr],
  outcome,
});

function nsState(name: string): EndStatus['netns'] {
  if (!existsNetns(name)) return 'absent';
  return isNetnsMounted(name) ? 'present' : 'stale';
}

/** Inspect one end; `other` is the peer namespace's handle when it is live. */
function inspectEnd(end: LabPair['ends'][0], rt: Rtnl | null, other: NetNs | null, otherName: string): EndStatus {
  const st: EndStatus = { ns: end.ns, ifname: end.ifname, addr: end.addr, netns: nsState(end.ns), loUp: false, link: null, hasAddr: false, extraAddrs: [], otherLinks: [] };
  if (!rt) return st;
  const links: LinkInfo[] = rt.links();
  const addrs: AddrInfo[] = rt.addrs();
  const lo = links.find((l) => l.name === 'lo');
  st.loUp = !!lo && (lo.flags & IFF.UP) !== 0;
  st.otherLinks = links.filter((l) => l.name !== 'lo' && l.name !== end.ifname).map((l) => l.name);
  const l = links.find((x) => x.name === end.ifname);
  if (l) {
    let peerNs: string | null = null;
    if (other && l.linkNetnsid !== undefined && rt.getNsid(other.fd) === l.linkNetnsid) peerNs = otherName;
    st.link = {
      index: l.index,
      kind: l.kind ?? null,
      up: (l.flags & IFF.UP) !== 0,
      operstate: l.operstate !== undefined ? (OPER[l.operstate] ?? String(l.operstate)) : 'UNKNOWN',
      mtu: l.mtu ?? null,
      mac: l.address ?? null,
      peerIndex: l.link ?? null,
      peerNs,
    };
    for (const a of addrs) {
      if (a.index !== l.index) continue;
      const text = `${a.local ?? a.address}/${a.prefixlen}`;
      if (a.family === end.cidr.family && (a.local ?? a.address) === end.cidr.address && a.prefixlen === end.cidr.prefixlen) st.hasAddr = true;
      else if (a.scope === RT_SCOPE.UNIVERSE) st.extraAddrs.push(text);
    }
  }
  return st;
}

function inspectPair(p: LabPair, spec: LabSpec): PairStatus {
  const handles: (NetNs | null)[] = [null, null];
  const rts: (Rtnl | null)[] = [null, null];
  try {
    for (const e of [0, 1] as const) {
      if (nsState(p.ends[e].ns) === 'present') {
        handles[e] = openNetns(p.ends[e].ns);
        rts[e] = Rtnl.open(handles[e]);
      }
    }
    const ends = [
      inspectEnd(p.ends[0], rts[0], handles[1], p.ends[1].ns),
      inspectEnd(p.ends[1], rts[1], handles[0], p.ends[0].ns),
    ] as [EndStatus, EndStatus];
    return judgePair(p, spec, ends);
  } finally {
    for (const r of rts) r?.close();
    for (const h of handles) h?.close();
  }
}

function judgePair(p: LabPair, spec: LabSpec, ends: [EndStatus, EndStatus]): PairStatus {
  if (ends.every((e) => e.netns === 'absent')) return { index: p.index, ends, state: 'absent', problems: [], blocking: [] };
  const problems: string[] = [];
  const blocking: string[] = [];
  const problem = (text: string, blocks: boolean): void => {
    problems.push(text);
    if (blocks) blocking.push(text);
  };
  for (const e of [0, 1] as const) {
    const s = ends[e];
    const peer = ends[1 - e];
    if (s.netns === 'absent') {
      problem(`namespace ${s.ns} does not exist`, true);
      continue;
    }
    if (s.netns === 'stale') {
      problem(`namespace ${s.ns} is a stale file, not a namespace mount`, true);
      continue;
    }
    if (s.otherLinks.length) problem(`namespace ${s.ns} holds other interfaces (${s.otherLinks.join(', ')})`, false);
    if (!s.loUp) problem(`${s.ns}: lo is down`, false);
    if (!s.link) {
      problem(`${s.ns}: no interface ${s.ifname}`, true);
      continue;
    }
    if (s.link.kind !== 'veth') problem(`${s.ns}: ${s.ifname} is ${s.link.kind ? `a ${s.link.kind}` : 'not a veth'}, not a veth`, true);
    if (s.link.peerNs !== peer.ns || (peer.link && s.link.peerIndex !== peer.link.index)) problem(`${s.ns}: ${s.ifname} is not paired with ${peer.ns}/${peer.ifname}`, true);
    if (!s.link.up) problem(`${s.ns}: ${s.ifname} is down`, true);
    if (spec.mtu !== undefined && s.link.mtu !== spec.mtu) problem(`${s.ns}: ${s.ifname} has mtu ${s.link.mtu} (asked ${spec.mtu})`, false);
    if (!s.hasAddr) problem(`${s.ns}: ${s.ifname} lacks ${s.addr}`, true);
    if (s.extraAddrs.length) problem(`${s.ns}: ${s.ifname} also has ${s.extraAddrs.join(', ')}`, false);
  }
  return { index: p.index, ends, state: problems.length ? 'partial' : 'up', problems, blocking };
}

function inspectLab(spec: LabSpec, plan: readonly LabPair[]): LabStatus {
  const pairs = plan.map((p) => inspectPair(p, spec));
  const state = pairs.every((p) => p.state === 'up') ? 'up' : pairs.every((p) => p.state === 'absent') ? 'absent' : 'partial';
  return { spec, state, pairs };
}

/** What exists of the lab, end by end. */
export function labStatus(input: LabInput | LabSpec = {}): LabStatus {
  const spec = resolveLab(input);
  return inspectLab(spec, labPairs(spec));
}

/**
 * A lab resolved once and inspected once, that can carry a measurement: what `bench` and
 * `trace` run on. Made by {@link readyLab} or {@link requireLabUp}; passed down as it is.
 */
export interface ReadyLab {
  readonly spec: LabSpec;
  /** every pair, resolved */
  readonly pairs: readonly LabPair[];
  readonly family: 4 | 6;
}

/**
 * The lab of a resolved `spec` when it can carry the measurement: every pair's namespaces,
 * the veth paired and up, and the lab's addresses on it. What does not matter to a ping
 * across the pair is let through (lo down, as `demo --keep` leaves it; an extra address, as
 * the README's IPv6 example adds); anything else is a VpingError (code ENOLAB) whose one
 * line names the way forward.
 */
export function readyLab(spec: LabSpec): ReadyLab {
  const pairs = labPairs(spec);
  const st = inspectLab(spec, pairs);
  const first = st.pairs.find((p) => p.state === 'absent' || p.blocking.length > 0);
  if (first) {
    const args = spec.pairs > 1 ? ` --pairs ${spec.pairs}` : '';
    const which = spec.pairs > 1 ? `pair ${first.index}: ` : '';
    if (first.state === 'absent') {
      throw new VpingError('ENOLAB', `the lab is not up (${which}namespaces ${first.ends[0].ns} and ${first.ends[1].ns} do not exist): run vping lab up${args} first`);
    }
    throw new VpingError('ENOLAB', `the lab differs from what was asked (${which}${first.blocking[0]}): vping lab up${args} --repair builds it again (vping lab status shows the rest)`);
  }
  return { spec, pairs, family: spec.addrs[0].includes(':') ? 6 : 4 };
}

/** A lab given as input (resolved, then inspected by {@link readyLab}), or one already ready. */
export function requireLabUp(lab: LabInput | LabSpec | ReadyLab): ReadyLab {
  return isReadyLab(lab) ? lab : readyLab(resolveLab(lab));
}

function isReadyLab(lab: LabInput | LabSpec | ReadyLab): lab is ReadyLab {
  return 'spec' in lab && 'family' in lab && Array.isArray(lab.pairs);
}

/** up and down make and remove namespaces, which only names can be; paths and pids are for looking at. */
function namesOnly(spec: LabSpec, verb: 'up' | 'down'): void {
  const ref = spec.ns.find((n) => !isNetnsName(n));
  if (ref !== undefined) {
    throw new UsageError(`lab ${verb} ${verb === 'up' ? 'makes' : 'removes'} named namespaces, and "${ref}" is reached by path or pid: build it with the tool that made it (lab status, bench and trace take it as it is)`);
  }
}

/** Build the missing pairs, finish the half-made ones vping made (see the top of this file). */
export function labUp(input: LabInput | LabSpec = {}, hooks: LabHooks = {}): LabResult {
  const spec = resolveLab(input);
  namesOnly(spec, 'up');
  return withLabLock(() => labUpLocked(spec, hooks, hooks));
}

function labUpLocked(spec: LabSpec, hooks: LabHooks, opts: { repair?: boolean }): LabResult {
  const step = hooks.onStep ?? (() => undefined);
  const plan = labPairs(spec);
  const outcomes: LabPairOutcome[] = [];
  const toBuild: LabPair[] = [];
  const toClear: string[] = [];
  const conflicts: string[] = [];
  let repairable = false;
  for (const p of plan) {
    const absent = p.ends.every((e) => !existsNetns(e.ns));
    if (absent) {
      toBuild.push(p);
      outcomes.push(outcomeOf(p, 'created'));
      continue;
    }
    const st = inspectPair(p, spec);
    if (st.state === 'up') {
      outcomes.push(outcomeOf(p, 'unchanged'));
      continue;
    }
    const there = p.ends.filter((e) => existsNetns(e.ns)).map((e) => e.ns);
    const foreign = there.filter((ns) => !madeByVping(ns));
    const crowded = st.ends.some((e) => e.otherLinks.length > 0);
    // what a killed run leaves: a namespace missing or a stale file, an end without its veth or
    // without its address (each end's address and up go in one message, so they come together)
    const halfMade = st.ends.some((e) => e.netns !== 'present' || !e.link || !e.hasAddr);
    if (foreign.length === 0 && !crowded && (halfMade || opts.repair)) {
      // vping made all of it: remove it and build it anew
      toClear.push(...there);
      toBuild.push(p);
      outcomes.push(outcomeOf(p, 'rebuilt'));
    } else {
      conflicts.push(...st.problems, ...(foreign.length ? [`${foreign.join(', ')} not made by vping`] : []));
      if (foreign.length === 0 && !crowded) repairable = true;
    }
  }
  if (conflicts.length) {
    const more = conflicts.length > 4 ? ` (and ${conflicts.length - 4} more)` : '';
    const way = repairable ? '"vping lab up --repair" builds it again as asked (vping made it)' : 'remove it with "vping lab down --force" or choose other names';
    throw new VpingError('EEXIST', `lab up: the lab exists in part or differs: ${conflicts.slice(0, 4).join('; ')}${more}; ${way}`);
  }
  for (const ns of toClear) {
    delNetns(ns);
    unmark(ns);
  }
  const made: string[] = [];
  try {
    for (const p of toBuild) {
      for (const e of p.ends) {
        markPending(e.ns);
        try {
          addNetns(e.ns);
        } catch (err) {
          // not made (someone else's appeared under the name meanwhile): no mark claims it
          unmark(e.ns);
          throw err;
        }
        made.push(e.ns);
        markMade(e.ns);
        step(`netns ${e.ns}`);
      }
    }
    const notReady: NotReady[] = [];
    for (const p of toBuild) buildPair(p, spec, step, notReady);
    waitOperUp(notReady);
  } catch (e) {
    rollback(made);
    throw e;
  }
  const built = toBuild.length;
  const rebuilt = outcomes.filter((o) => o.outcome === 'rebuilt').length;
  const first = plan[0];
  const desc = `${first.ends[0].ns}/${first.ends[0].ifname} ${first.ends[0].addr} <-> ${first.ends[1].ns}/${first.ends[1].ifname} ${first.ends[1].addr}`;
  const fixed = rebuilt ? ` (${rebuilt === 1 && plan.length === 1 ? 'it' : `${rebuilt}`} had been left half-made or changed: removed and built again)` : '';
  const message =
    built === 0
      ? `lab up: already up as asked (${plan.length === 1 ? desc : `${plan.length} pairs`}); nothing changed`
      : `lab up: built ${built} pair${built === 1 ? '' : 's'}${plan.length === 1 ? ` (${desc})` : ` of ${plan.length}`}${fixed}`;
  const warn = neighbourWarning(plan.length, first.ends[0].cidr.family === AF_INET6);
  return { action: 'up', changed: built > 0, pairs: outcomes, message, ...(warn ? { warnings: [warn] } : {}) };
}

function buildPair(p: LabPair, spec: LabSpec, step: (s: string) => void, notReady: NotReady[]): void {
  const [a, b] = p.ends;
  const nodad = spec.nodad ?? a.cidr.family === AF_INET6;
  const addrOpts = { nodad: a.cidr.family === AF_INET6 && nodad };
  using ha = openNetns(a.ns);
  using hb = openNetns(b.ns);
  using ra = Rtnl.open(ha);
  using rb = Rtnl.open(hb);
  // One sendmsg in A: lo up, and the pair with its peer created directly in B.
  ra.batch().setLink('lo', { up: true }).createVeth({ name: a.ifname, peer: b.ifname, peerNetns: hb, mtu: spec.mtu }).run();
  step(`veth ${a.ns}/${a.ifname} ${b.ns}/${b.ifname}`);
  // Both ifindexes in one answer: ours, and the peer's (IFLA_LINK).
  const la = ra.getLink(a.ifname);
  const peerIndex = la.link;
  if (peerIndex === undefined) throw new VpingError('EPROTO', `lab up: ${a.ns}/${a.ifname} reports no peer ifindex`);
  ra.batch().addAddr(la.index, a.cidr, addrOpts, a.ifname).setLink(la.index, { up: true }).run();
  step(`addr ${a.ns}/${a.ifname}`);
  rb.batch().setLink('lo', { up: true }).addAddr(peerIndex, b.cidr, addrOpts, b.ifname).setLink(peerIndex, { up: true }).run();
  step(`addr ${b.ns}/${b.ifname}`);
  // The kernel finishes bringing a link up in its linkwatch work (operstate UP, and the
  // real qdisc instead of noop, which drops). Ends not up yet are waited for at the end,
  // when the other pairs are built, so that the lab carries traffic when labUp returns.
  if (ra.getLink(la.index).operstate !== IF_OPER_UP) notReady.push({ ns: a.ns, index: la.index, what: `${a.ns}/${a.ifname}` });
  if (rb.getLink(peerIndex).operstate !== IF_OPER_UP) notReady.push({ ns: b.ns, index: peerIndex, what: `${b.ns}/${b.ifname}` });
}

const IF_OPER_UP = 6;
const READY_TIMEOUT_MS = 3000;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

export interface NotReady {
  ns: string;
  /** ifindex or name, in `ns`. */
  index: number | string;
  what: string;
}

/**
 * Poll (1, 2, 4 ... 50 ms apart) until every listed link reports operstate UP: until then
 * a fresh veth still has the noop qdisc, which drops what is sent.
 */
export function waitOperUp(ends: NotReady[]): void {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (const e of ends) {
    using rt = Rtnl.open(e.ns);
    for (let pause = 0; ; pause = Math.min(pause * 2 || 1, 50)) {
      if (rt.getLink(e.index).operstate === IF_OPER_UP) break;
      if (Date.now() > deadline) throw new VpingError('ETIMEDOUT', `${e.what} did not come up within ${READY_TIMEOUT_MS} ms`);
      Atomics.wait(sleeper, 0, 0, pause);
    }
  }
}

/** Delete the namespaces this run added (and their marks); errors here must not hide the first one. */
function rollback(made: string[]): void {
  for (const ns of made.reverse()) {
    try {
      if (existsNetns(ns)) delNetns(ns);
      unmark(ns);
    } catch {
      /* best effort: lab down removes what is left */
    }
  }
}

export interface LabDownOptions {
  /** Also remove lab-named namespaces vping did not make, and lab namespaces holding other interfaces. */
  force?: boolean;
}

/** Remove exactly the lab's namespaces (see the top of this file). */
export function labDown(input: LabInput | LabSpec = {}, opts: LabDownOptions = {}): LabResult {
  const spec = resolveLab(input);
  namesOnly(spec, 'down');
  return withLabLock(() => labDownLocked(spec, opts));
}

function labDownLocked(spec: LabSpec, opts: LabDownOptions): LabResult {
  const plan = labPairs(spec);
  // Check everything first: refuse before deleting anything that is not the lab's.
  const refuse: string[] = [];
  const notOurs: string[] = [];
  if (!opts.force) {
    for (const p of plan) {
      for (const e of p.ends) {
        if (!existsNetns(e.ns)) continue;
        if (!madeByVping(e.ns)) {
          notOurs.push(e.ns);
          continue;
        }
        if (nsState(e.ns) !== 'present') continue;
        const rt = Rtnl.open(e.ns);
        try {
          const others = rt.links().filter((l) => l.name !== 'lo' && l.name !== e.ifname).map((l) => l.name);
          if (others.length) refuse.push(`namespace ${e.ns} holds interfaces the lab did not make (${others.join(', ')})`);
        } finally {
          rt.close();
        }
      }
    }
  }
  if (notOurs.length) {
    const more = notOurs.length > 3 ? ` (and ${notOurs.length - 3} more)` : '';
    throw new VpingError('EBUSY', `lab down: namespace${notOurs.length === 1 ? '' : 's'} ${notOurs.slice(0, 3).join(', ')}${more} ${notOurs.length === 1 ? 'was' : 'were'} not made by vping; not deleting (--force deletes ${notOurs.length === 1 ? 'it' : 'them'})`);
  }
  if (refuse.length) throw new VpingError('EBUSY', `lab down: ${refuse.slice(0, 3).join('; ')}; not deleting it (--force deletes it with them)`);
  const outcomes: LabPairOutcome[] = [];
  let removed = 0;
  for (const p of plan) {
    let any = false;
    for (const e of p.ends) {
      if (existsNetns(e.ns)) {
        delNetns(e.ns);
        any = true;
      }
      unmark(e.ns);
    }
    if (any) removed++;
    outcomes.push(outcomeOf(p, any ? 'removed' : 'absent'));
  }
  const message = removed === 0 ? 'lab down: nothing to remove' : `lab down: removed ${removed} pair${removed === 1 ? '' : 's'}`;
  return { action: 'down', changed: removed > 0, pairs: outcomes, message };
}

const LOCK_PATH = '/run/vping/lab.lock';

/** Run fn holding the lab lock (flock on /run/vping/lab.lock): lab up and down, one at a time. */
export function withLabLock<T>(fn: () => T): T {
  mkdirSync('/run/vping', { recursive: true, mode: 0o755 });
  const fd = open(LOCK_PATH, O_RDONLY | O_CREAT, 0o644);
  try {
    flock(fd, LOCK_EX, `flock(${LOCK_PATH})`);
    try {
      return fn();
    } finally {
      flock(fd, LOCK_UN);
    }
  } finally {
    close(fd);
  }
}
