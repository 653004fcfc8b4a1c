// Ping options as iputils names them, their defaults, and their checks (one UsageError
// each, worded like ping's own message).
import { UsageError } from '../sys/errors.js';
import { MAX_DATALEN_V4, MAX_DATALEN_V6 } from './layout.js';
import type { Clock } from './stats.js';

/** iputils ping's options, by name (count, interval, flood, preload, deadline, size, ttl, …), and vping's own (netns, clock, samples, threads). */
export interface PingOptions {
  /** host name or numeric address */
  destination: string;
  /** open the socket inside this named namespace (null/undefined: where we are) */
  netns?: string | null;
  /** -c: stop after this many replies (0/undefined: no limit) */
  count?: number;
  /** -i: seconds between probes (default 1; 0 with flood) */
  interval?: number;
  /** -f: flood */
  flood?: boolean;
  /** -l: probes sent without waiting for a reply (default 1) */
  preload?: number;
  /** -A: adaptive interval */
  adaptive?: boolean;
  /** -w: deadline in seconds */
  deadline?: number;
  /** -W: seconds to wait for a reply after the last probe (default 10) */
  timeout?: number;
  /** -s: data bytes (default 56) */
  size?: number;
  /** -t: TTL / hop limit */
  ttl?: number;
  /** -q */
  quiet?: boolean;
  /** -D: timestamps on events */
  timestamps?: boolean;
  /** -O: report outstanding replies */
  outstanding?: boolean;
  /** -p: up to 16 pad bytes in hex */
  pattern?: string;
  /** -4 / -6 */
  family?: 4 | 6;
  /** -I: interface name or source address */
  iface?: string;
  /** 16-bit echo id (default: random, as ping on a raw socket) */
  id?: number;
  /**
   * The span time= and ping's figures measure (stats.ts Clock): 'ping' (default: user send →
   * kernel RX stamp, as iputils), 'sched' (qdisc entry → RX), 'kernel' (device → RX) or
   * 'hrtime' (user send → user receive). Without kernel stamps every clock falls back to hrtime.
   */
  clock?: Clock;
  /** keep the histogram buckets in the result */
  histogram?: boolean;
  /**
   * Keep percentiles (default true). False keeps only what ping prints (min/avg/max/mdev and
   * the counts): the run's summaries then give NaN percentiles, and a probe that runs for
   * days holds no histogram (the exporter, whose histogram is Prometheus').
   */
  percentiles?: boolean;
  /** emit per-reply events (the CLI turns them off for -q and -f) */
  events?: boolean;
  /**
   * Emit 'samples': every reply's seq, send instant and RTTs in Float64Array batches (every
   * 1024 replies, every 50 ms, and at the end), with no object per reply. Works with threads.
   */
  samples?: boolean;
  /** flood progress ticks (sent/received counts) for `.`/backspace printing */
  floodTicks?: boolean;
  /** kernel software timestamps, RX and TX (default true; false: hrtime only) */
  kernelTimestamps?: boolean;
  /**
   * TX-stamp (TX_SCHED and TX_SOFTWARE) one probe in N, after stamping the first N; 0: none.
   * Default: none on the ping and hrtime clocks (ping's span needs no TX stamp, and each stamp
   * costs the kernel an skb and an error-queue entry inside the span); on sched and kernel every
   * probe, or 1 in 64 in a flood (their figures then cover the sample).
   */
  txStampEvery?: number;
  /**
   * Share a worker thread with the other sessions started in the same turn of the event loop
   * that ask for it (bench's pairs): at most one worker per core, each running several
   * engines side by side, instead of a worker (a V8 isolate, about 15 MB) per session. A flood
   * on a shared worker shares its core; a single session's figures are the same. Not with
   * `threads` above 1.
   */
  shared?: boolean;
  /**
   * Independent flows, one worker thread (and core) each (default 1). Each flow has its own raw
   * socket, 16-bit id (id, id+1, …), tag and seq space, and sends its share of `count`;
   * interval, preload, deadline and timeout apply per flow. The result is one Stats merged
   * exactly (stats.ts mergeFlows). Reply events would carry per-flow icmp_seq, so with more
   * than one flow `events` must be false (its default then).
   */
  threads?: number;
}

export const MAX_THREADS = 64;

export const DEFAULT_DATALEN = 56;

/** ping's check: out of range message as strtol_or_err prints it. */
export const outOfRange = (v: string | number, lo: number | string, hi: number | string): UsageError =>
  new UsageError(`invalid argument: '${v}': out of range: ${lo} <= value <= ${hi}`);

export function validateOptions(o: PingOptions, family: 4 | 6): void {
  const isInt = (v: number) => Number.isInteger(v);
  if (o.count !== undefined && (!isInt(o.count) || o.count < 1)) throw outOfRange(o.count, 1, '9223372036854775807');
  if (o.interval !== undefined && (!Number.isFinite(o.interval) || o.interval < 0)) throw new UsageError(`bad timing interval: ${o.interval}`);
  if (o.interval !== undefined && o.interval > 2147483) throw new UsageError(`bad timing interval: ${o.interval}`);
  if (o.preload !== undefined && (!isInt(o.preload) || o.preload < 1 || o.preload > 65536)) throw outOfRange(o.preload, 1, 65536);
  if (o.deadline !== undefined && (!Number.isFinite(o.deadline) || o.deadline < 0 || o.deadline > 2147483647)) throw outOfRange(o.deadline, 0, 2147483647);
  if (o.timeout !== undefined && (!Number.isFinite(o.timeout) || o.timeout < 0 || o.timeout > 2147483)) throw new UsageError(`bad linger time: ${o.timeout}`);
  const max = family === 4 ? MAX_DATALEN_V4 : MAX_DATALEN_V6;
  if (o.size !== undefined && (!isInt(o.size) || o.size < 0)) throw outOfRange(o.size, 0, 2147483647);
  if (o.size !== undefined && o.size > max) throw new UsageError(`packet size ${o.size} is too large. Maximum is ${max}`);
  if (o.ttl !== undefined && (!isInt(o.ttl) || o.ttl < 0 || o.ttl > 255)) throw outOfRange(o.ttl, 0, 255);
  if (o.id !== undefined && (!isInt(o.id) || o.id < 0 || o.id > 0xffff)) throw outOfRange(o.id, 0, 65535);
  if (o.pattern !== undefined) patternBytes(o.pattern);
  if (o.threads !== undefined && (!isInt(o.threads) || o.threads < 1 || o.threads > MAX_THREADS)) {
    throw new UsageError(`invalid --threads value: '${o.threads}': expected an integer 1..${MAX_THREADS}`);
  }
  if ((o.threads ?? 1) > 1 && o.events) {
    throw new UsageError(`with ${o.threads} threads each flow numbers its own icmp_seq: per-reply events would mislead (use events: false, or -f/-q)`);
  }
}

/** `-p` as iputils' fill(): hex digits, up to 16 bytes. */
export function patternBytes(p: string): Uint8Array {
  if (!/^[0-9a-fA-F]*$/.test(p)) {
    const bad = p.search(/[^0-9a-fA-F]/);
    throw new UsageError(`patterns must be specified as hex digits: ${p.slice(bad)}`);
  }
  const out: number[] = [];
  for (let i = 0; i < p.length && out.length < 16; i += 2) out.push(parseInt(p.slice(i, i + 2), 16));
  return Uint8Array.from(out);
}
