// `vping trace` across hops: an echo's timeline interface by interface along a path of veth
// links (a chain with routers between its ends): each link crossed, the forwarding time inside
// each router, the turnaround at the far end and the way back, from the kernel's stamps on
// frames captured on every interface of the path in this one process.
//
// Points of echo `seq`, for links L1…Ln from the source to the destination (each link has an
// end it leaves by and an end it arrives at): request L1 out, L1 in, L2 out, L2 in, … Ln in;
// reply Ln in-end out, Ln out-end in, …, L1 out-end in. Legs run between consecutive points,
// plus the send path (user send → the first point) and the receive path (the last point → user
// receive); they add up to the RTT.
import { CaptureSession, type CaptureTarget, type CapturedFrame } from '../../capture/session.js';
import { openProber } from './probe.js';
import { echoInFrame, type Probe } from './match.js';
import type { TopoEnd } from '../../lab/topology.js';

/** A link of the path: the end the request leaves by and the end it arrives at. */
export interface HopLink {
  out: TopoEnd;
  in: TopoEnd;
}

export interface HopTraceOptions {
  /** the links from the source to the destination, in order */
  path: HopLink[];
  /** the destination's address (on the last link's arriving end) */
  destination: string;
  family: 4 | 6;
  count: number;
  intervalMs: number;
  size: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** One echo: its legs in ns (null where a point is missing) and its RTT. */
export interface HopEcho {
  seq: number;
  rttNs: number | null;
  legsNs: (number | null)[];
}

/** The distribution of one leg over the echoes that have it. */
export interface LegSummary {
  leg: string;
  count: number;
  minNs: number;
  p50Ns: number;
  p90Ns: number;
  maxNs: number;
  meanNs: number;
}

export interface HopTraceResult {
  /** names of the legs, in order */
  legs: string[];
  echoes: HopEcho[];
  summary: LegSummary[];
  sent: number;
  answered: number;
  /** echoes seen at every point */
  complete: number;
}

const end = (e: TopoEnd): string => `${e.ns}:${e.ifname}`;

/** The points of the path in order, as (interface, direction), with the names of the legs between them. */
export function hopPoints(path: readonly HopLink[]): { points: { at: TopoEnd; dir: 'in' | 'out'; kind: 'request' | 'reply' }[]; legs: string[] } {
  const points: { at: TopoEnd; dir: 'in' | 'out'; kind: 'request' | 'reply' }[] = [];
  for (const l of path) points.push({ at: l.out, dir: 'out', kind: 'request' }, { at: l.in, dir: 'in', kind: 'request' });
  for (const l of [...path].reverse()) points.push({ at: l.in, dir: 'out', kind: 'reply' }, { at: l.out, dir: 'in', kind: 'reply' });
  const legs = ['send path'];
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i];
    const b = points[i + 1];
    if (a.dir === 'out') legs.push(`${end(a.at)} → ${end(b.at)}`);
    else if (a.kind !== b.kind) legs.push(`turnaround in ${a.at.ns}`);
    else legs.push(`forward in ${a.at.ns}`);
  }
  legs.push('receive path');
  return { points, legs };
}

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(p * sorted.length) - 1))];

/** Ping across the path while every interface of it is captured; the timeline of each echo. */
export async function runHopTrace(o: HopTraceOptions): Promise<HopTraceResult> {
  const { points, legs } = hopPoints(o.path);
  const ifaces: TopoEnd[] = [];
  const ifIndex = (e: TopoEnd): number => ifaces.findIndex((x) => x.ns === e.ns && x.ifname === e.ifname);
  for (const p of points) if (ifIndex(p.at) < 0) ifaces.push(p.at);
  const targets: CaptureTarget[] = ifaces.map((e) => ({ ns: e.ns, ifName: e.ifname }));
  const frames: CapturedFrame[] = [];
  const session = CaptureSession.open(targets, { filter: o.family === 4 ? 'icmp' : 'icmp6', snaplen: 256, bufferKiB: 4096, retireMs: 2, onFrame: (f) => frames.push(f) });
  const running = session.run();
  const src = o.path[0].out;
  const prober = openProber({ ns: src.ns, family: o.family, destination: o.destination, size: o.size });
  const probes: Probe[] = [];
  try {
    for (let seq = 1; seq <= o.count && !o.signal?.aborted; seq++) {
      probes.push(prober.echo(seq, o.timeoutMs));
      await new Promise((r) => setTimeout(r, seq < o.count ? o.intervalMs : 20));
    }
  } finally {
    prober.close();
    await session.stop();
    await running;
  }
  // the stamp of each point of each seq: the first frame seen there
  const at = new Map<number, (bigint | null)[]>();
  for (const f of frames) {
    const e = echoInFrame(f.data);
    if (!e || e.id !== prober.id || (prober.tag !== null && e.tag !== null && e.tag !== prober.tag)) continue;
    const k = points.findIndex((p) => p.kind === e.kind && p.dir === f.dir && ifIndex(p.at) === f.ifId);
    if (k < 0) continue;
    let rec = at.get(e.seq);
    if (!rec) at.set(e.seq, (rec = points.map(() => null)));
    if (rec[k] === null) rec[k] = f.tsNs;
  }
  const echoes: HopEcho[] = probes.map((p) => {
    const ts = at.get(p.seq & 0xffff) ?? points.map(() => null);
    const chain: (bigint | null)[] = [p.sendNs, ...ts, p.recvNs];
    const legsNs = legs.map((_, i) => (chain[i] !== null && chain[i + 1] !== null ? Number(chain[i + 1]! - chain[i]!) : null));
    return { seq: p.seq, rttNs: p.recvNs !== null ? Number(p.recvNs - p.sendNs) : null, legsNs };
  });
  const summary: LegSummary[] = legs.map((leg, i) => {
    const xs = echoes.map((e) => e.legsNs[i]).filter((x): x is number => x !== null).sort((a, b) => a - b);
    return {
      leg, count: xs.length,
      minNs: xs[0] ?? NaN, p50Ns: xs.length ? pct(xs, 0.5) : NaN, p90Ns: xs.length ? pct(xs, 0.9) : NaN, maxNs: xs[xs.length - 1] ?? NaN,
      meanNs: xs.length ? Math.trunc(xs.reduce((s, x) => s + x, 0) / xs.length) : NaN,
    };
  });
  return {
    legs, echoes, summary,
    sent: probes.length,
    answered: probes.filter((p) => p.recvNs !== null).length,
    complete: echoes.filter((e) => e.legsNs.every((x) => x !== null)).length,
  };
}
