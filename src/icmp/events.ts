// What the engine reports while it runs, and its final result: plain, structured-clone
import type { ErrorRecord } from '../sys/errors.js';
// friendly records (they cross from the worker to the main thread).
import type { Clock, Stats } from './stats.js';

export interface ReplyEvent {
  type: 'reply';
  seq: number;
  /** ICMP bytes received (ping's "64 bytes") */
  bytes: number;
  from: string;
  ttl: number;
  /** RTT on the primary clock in ns; null when the payload has no room for timing */
  rttNs: number | null;
  clock: Clock;
  /** each span's RTT in ns (stats.ts Clock), null when this reply has no stamp for it */
  pingRttNs: number | null;
  schedRttNs: number | null;
  kernelRttNs: number | null;
  hrtimeRttNs: number | null;
  dup: boolean;
  badChecksum: boolean;
  truncated: boolean;
  differentAddress: boolean;
  /** first mismatching data byte, as ping's "wrong data byte #N should be 0x.. but was 0x.." */
  wrongData: { index: number; expected: number; got: number; dump: number[] } | null;
  /** CLOCK_REALTIME µs when the reply was handled (for -D) */
  realUs: number;
}

export interface IcmpErrorEvent {
  type: 'icmp-error';
  seq: number;
  from: string;
  icmpType: number;
  icmpCode: number;
  text: string;
  realUs: number;
}

export interface LocalErrorEvent {
  type: 'local-error';
  seq: number;
  errno: number;
  text: string;
  realUs: number;
}

export interface NoAnswerEvent {
  type: 'no-answer';
  seq: number;
  realUs: number;
}

/** What a ping session reports as it runs, one event per reply, ICMP error, local error or missing answer (-O). */
export type PingEvent = ReplyEvent | IcmpErrorEvent | LocalErrorEvent | NoAnswerEvent;

/** Flood progress since the last tick: ping prints `.` per send, `\b \b` per reply, `\bE` per error. */
export interface FloodTick {
  sent: number;
  received: number;
  errors: number;
  corrupted: number;
}

/**
 * A batch of replies' timing (PingOptions.samples): `count` records of SAMPLE.SIZE doubles in
 * `data`, laid out as SAMPLE says (seq, flags, send instant on process.hrtime's clock, kernel
 * RTT ns or NaN, hrtime RTT ns or NaN), in the order the flow handled the replies.
 */
export interface SampleBatch {
  /** which flow (PingOptions.threads): 0..threads−1; each flow has its own seq space */
  flow: number;
  count: number;
  data: Float64Array;
}

export interface ReadyInfo {
  /** which clock time= uses */
  primaryClock: Clock;
  kernelTimestamps: boolean;
  source: { address: string; iface: string } | null;
  id: number;
  /** echoes the engine sent to its own loopback, in a namespace of its own, before the first real one (a flood's warm-up; 0 for none) */
  warmEchoes: number;
}

/** A finished ping: the destination as resolved, the payload size, the echo id, the statistics and ping's exit status. */
export interface PingResult {
  host: string;
  address: string;
  family: 4 | 6;
  datalen: number;
  id: number;
  stats: Stats;
  /** as ping: 0 replies seen, 1 none (or fewer than -c with -w), 2 trouble */
  exitCode: 0 | 1 | 2;
}

// worker → main protocol
export type WorkerMessage =
  | { t: 'ready'; info: ReadyInfo }
  | { t: 'events'; events: PingEvent[] }
  | { t: 'tick'; tick: FloodTick }
  | { t: 'samples'; data: Float64Array }
  | { t: 'status'; stats: Stats }
  | { t: 'done'; stats: Stats }
  | { t: 'fatal'; error: ErrorRecord };
