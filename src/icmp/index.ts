// The ICMP engine's public API: ping a host from inside a namespace with iputils' semantics
// and figures, as a promise (`ping`) or as a session that emits what happens (`startPing`).
import { EventEmitter } from 'node:events';
import { lookup } from 'node:dns/promises';
import { randomBytes } from 'node:crypto';
import { UsageError } from '../sys/errors.js';
import { familyOf } from './addr.js';
import { familyFor } from './family.js';
import { splitFlows, startFlows, startShared, type EngineHandle } from './engine.js';
import type { EngineConfig } from './engine-core.js';
import { DEFAULT_DATALEN, patternBytes, validateOptions, type PingOptions } from './options.js';
import type { FloodTick, PingEvent, PingResult, ReadyInfo, SampleBatch } from './events.js';
import { SAMPLE } from './engine-core.js';
import type { Stats } from './stats.js';

export type { PingOptions } from './options.js';
export { MAX_THREADS } from './options.js';
export type { PingEvent, ReplyEvent, IcmpErrorEvent, LocalErrorEvent, NoAnswerEvent, FloodTick, PingResult, ReadyInfo, SampleBatch } from './events.js';
export { SAMPLE, SAMPLE_DUP, SAMPLE_FIELD } from './engine-core.js';
export type { Stats, RttSummary, IputilsFigures, Clock } from './stats.js';
export { IcmpParseError } from './errors.js';
export { checksum, csumUpdate16 } from '../inet/checksum.js';
export { inet, inet6, ParsedPacket, Kind, type IcmpFamily } from './family.js';
export * as format from './format.js';

/** A destination after name resolution: what was asked, the address used, and its family. */
export interface Resolved {
  host: string;
  address: string;
  family: 4 | 6;
}

/**
 * Numeric addresses as they are; names through the resolver (dns.lookup: call it from the
 * main thread while not switched into a namespace — it uses the libuv threadpool).
 */
export async function resolveDestination(dest: string, family?: 4 | 6): Promise<Resolved> {
  const f = familyOf(dest);
  if (f) {
    if (family && family !== f) throw new UsageError(`${dest}: Address family for hostname not supported`);
    return { host: dest, address: dest.split('%')[0], family: f };
  }
  if (dest === '' || /[\s/]/.test(dest)) throw new UsageError(`${dest}: Name or service not known`);
  try {
    const r = await lookup(dest, { family: family ?? 0 });
    return { host: dest, address: r.address, family: r.family === 6 ? 6 : 4 };
  } catch {
    throw new UsageError(`${dest}: Name or service not known`);
  }
}

/** A flood's default TX-stamp sampling (PingOptions.txStampEvery). */
export const FLOOD_TX_STAMP_EVERY = 64;

/** Options checked and turned into the engine's config. */
export function engineConfig(o: PingOptions, r: Resolved): EngineConfig {
  validateOptions(o, r.family);
  if (o.txStampEvery !== undefined && (!Number.isInteger(o.txStampEvery) || o.txStampEvery < 0 || o.txStampEvery > 65536)) {
    throw new UsageError(`txStampEvery: expected an integer 0..65536 (0: none), not ${o.txStampEvery}`);
  }
  const fam = familyFor(r.family);
  const flood = o.flood ?? false;
  const intervalMs = o.interval !== undefined ? Math.trunc(o.interval * 1000) : flood ? 0 : 1000;
  let iface: string | null = null;
  let source: number[] | null = null;
  if (o.iface !== undefined) {
    const f = familyOf(o.iface);
    if (f && f !== r.family) throw new UsageError(`-I ${o.iface}: address family does not match the destination`);
    if (f) source = Array.from(fam.addrBytes(o.iface));
    else {
      if (o.iface.length === 0 || Buffer.byteLength(o.iface) > 15 || /[\s/]/.test(o.iface)) throw new UsageError(`invalid interface name: ${o.iface}`);
      iface = o.iface;
    }
  }
  return {
    netns: o.netns ?? null,
    family: r.family,
    dest: Array.from(fam.addrBytes(r.address)),
    id: o.id ?? randomBytes(2).readUInt16BE(),
    tag: Array.from(randomBytes(8)),
    datalen: o.size ?? DEFAULT_DATALEN,
    pattern: o.pattern !== undefined ? Array.from(patternBytes(o.pattern)) : null,
    count: o.count ?? 0,
    intervalMs,
    flood,
    preload: o.preload ?? 1,
    adaptive: o.adaptive ?? false,
    deadlineMs: (o.deadline ?? 0) * 1000,
    lingerMs: (o.timeout ?? 10) * 1000,
    ttl: o.ttl ?? null,
    iface,
    source,
    outstanding: o.outstanding ?? false,
    clock: o.clock ?? 'ping',
    histogram: o.histogram ?? false,
    percentiles: o.percentiles ?? true,
    events: o.events ?? (o.threads ?? 1) === 1,
    floodTicks: o.floodTicks ?? false,
    samples: o.samples ?? false,
    kernelTimestamps: o.kernelTimestamps ?? true,
    // TX stamps only where the span needs them (sched, kernel): each costs the kernel an skb
    // and an error-queue entry inside the measured span; a flood stamps one probe in 64 (after
    // the first 64), enough for the figures of those spans. ping's span needs only RX stamps.
    txStampEvery: o.txStampEvery ?? (o.clock === 'sched' || o.clock === 'kernel' ? (flood ? FLOOD_TX_STAMP_EVERY : 1) : 0),
  };
}

/** ping's exit status: 1 when nothing came back (or fewer than -c within -w), else 0. */
export function exitCodeOf(st: Stats, o: Pick<PingOptions, 'deadline' | 'count'>): 0 | 1 {
  return !st.received || (o.deadline !== undefined && o.deadline > 0 && st.received < (o.count ?? 0)) ? 1 : 0;
}

interface SessionEvents {
  ready: [ReadyInfo];
  event: [PingEvent];
  tick: [FloodTick];
  status: [Stats];
  samples: [SampleBatch];
}

/** A running ping: emits 'ready', 'event' (each reply/error), 'tick' (flood), 'status', 'samples' (options.samples). */
export class PingSession extends EventEmitter<SessionEvents> {
  readonly done: Promise<PingResult>;
  #handle: Promise<EngineHandle>;
  #stopRequested = false;
  constructor(readonly options: PingOptions) {
    super();
    this.#handle = (async () => {
      const r = await resolveDestination(options.destination, options.family);
      const cfg = engineConfig(options, r);
      this.resolved = r;
      this.datalen = cfg.datalen;
      this.id = cfg.id;
      const handlers = {
        ready: (i: ReadyInfo) => this.emit('ready', i),
        events: (evs: PingEvent[]) => {
          for (const e of evs) this.emit('event', e);
        },
        tick: (t: FloodTick) => this.emit('tick', t),
        status: (s: Stats) => this.emit('status', s),
        samples: options.samples ? (data: Float64Array, flow: number) => this.emit('samples', { flow, count: data.length / SAMPLE.SIZE, data }) : undefined,
      };
      const h = options.shared && (options.threads ?? 1) === 1 ? startShared(cfg, handlers) : startFlows(splitFlows(cfg, options.threads ?? 1), handlers);
      if (this.#stopRequested) h.stop();
      return h;
    })();
    this.done = this.#handle.then(async (h) => {
      const stats = await h.done;
      const r = this.resolved as Resolved;
      return {
        host: r.host, address: r.address, family: r.family, datalen: this.datalen, id: this.id,
        stats, exitCode: exitCodeOf(stats, options),
      };
    });
    // a session nobody awaits must not crash the process with an unhandled rejection
    this.#handle.catch(() => {});
  }
  resolved: Resolved | null = null;
  datalen = 0;
  id = 0;
  /** End the run (SIGINT): `done` resolves with the statistics so far. */
  stop(): void {
    this.#stopRequested = true;
    void this.#handle.then((h) => h.stop(), () => {});
  }
  /** Ask for a statistics snapshot (SIGQUIT), emitted as 'status'. */
  requestStatus(): void {
    void this.#handle.then((h) => h.requestStatus(), () => {});
  }
}

/** Start pinging (on a worker thread, inside options.netns); the session reports events and resolves `done` with the result. */
export function startPing(options: PingOptions): PingSession {
  return new PingSession(options);
}

/** Ping until done and return the statistics (events are not kept; use startPing to see them). */
export async function ping(options: PingOptions): Promise<PingResult> {
  return startPing({ events: false, ...options }).done;
}
