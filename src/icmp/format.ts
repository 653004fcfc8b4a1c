// The iputils text layout, byte for byte where the fields are the same (ping_common.c,
// ping.c, ping6_common.c). Every function is pure: it reads the Stats record or one event.
import { formatLoss } from '../inet/number.js';
import { CLOCKS, CLOCK_SPAN, type IputilsFigures, type Stats } from './stats.js';

/** `µs/1000 "." µs%1000` with three digits: how ping prints every figure of the rtt line. */
export const usText = (us: number): string => `${Math.trunc(us / 1000)}.${String(Math.trunc(us % 1000)).padStart(3, '0')}`;

/** The EWMA (kept ×8 in µs) as ping prints it, in ms. */
export const ewmaText = (ewma8: number): string => `${Math.trunc(ewma8 / 8000)}.${String(Math.trunc(ewma8 / 8) % 1000).padStart(3, '0')}`;

/** The time= field's text (without " ms") for a trip of `t` µs, rounded as gather_statistics. */
export function timeField(t: number): string {
  if (t >= 100000 - 50) return `${Math.trunc((t + 500) / 1000)}`;
  if (t >= 10000 - 5) return `${Math.trunc((t + 50) / 1000)}.${Math.trunc(((t + 50) % 1000) / 100)}`;
  if (t >= 1000) return `${Math.trunc((t + 5) / 1000)}.${String(Math.trunc(((t + 5) % 1000) / 10)).padStart(2, '0')}`;
  return `${Math.trunc(t / 1000)}.${String(t % 1000).padStart(3, '0')}`;
}

/** `-D`'s time from a CLOCK_REALTIME µs count: `sec.usec`. */
export const realText = (realUs: number): string => `${Math.floor(realUs / 1e6)}.${String(realUs % 1e6).padStart(6, '0')}`;

/** `-D`'s prefix: `[sec.usec] `. */
export const timestampPrefix = (realUs: number): string => `[${realText(realUs)}] `;

export interface HeaderInfo {
  family: 'inet' | 'inet6';
  host: string;
  address: string;
  datalen: number;
  /** with -I: the source address and interface name ('' when -I gave an address) */
  source?: { address: string; iface: string };
}

/** `PING host (addr) 56(84) bytes of data.` / `PING host(addr) 56 data bytes` */
export function headerLine(h: HeaderInfo): string {
  const from = h.source ? ` from ${h.source.address} ${h.source.iface}:` : '';
  if (h.family === 'inet') return `PING ${h.host} (${h.address})${from} ${h.datalen}(${h.datalen + 28}) bytes of data.`;
  return `PING ${h.host}(${h.address})${from} ${h.datalen} data bytes`;
}

export interface ReplyLine {
  bytes: number;
  from: string;
  seq: number;
  ttl: number;
  /** µs for time=, or null when the payload carries no timestamp (datalen < 16) */
  timeUs: number | null;
  dup: boolean;
  badChecksum: boolean;
  differentAddress: boolean;
  truncated: boolean;
  /** `-D`: CLOCK_REALTIME µs of the print */
  realUs?: number;
  /** ping's "wrong data byte" report, already formatted (starts with a newline), or '' */
  wrongData?: string;
}

export function replyLine(r: ReplyLine): string {
  let s = r.realUs !== undefined ? timestampPrefix(r.realUs) : '';
  s += `${r.bytes} bytes from ${r.from}: icmp_seq=${r.seq}`;
  if (r.ttl >= 0) s += ` ttl=${r.ttl}`;
  if (r.truncated) return `${s} (truncated)`;
  if (r.timeUs !== null) s += ` time=${timeField(r.timeUs)} ms`;
  if (r.dup) s += ' (DUP!)';
  if (r.badChecksum) s += ' (BAD CHECKSUM!)';
  if (r.differentAddress) s += ' (DIFFERENT ADDRESS!)';
  if (r.wrongData) s += r.wrongData;
  return s;
}

/** `From 10.0.0.1 icmp_seq=3 Destination Host Unreachable` */
export const errorLine = (from: string, seq: number, text: string, realUs?: number): string =>
  `${realUs !== undefined ? timestampPrefix(realUs) : ''}From ${from} icmp_seq=${seq} ${text}`;

/** `-O`: `no answer yet for icmp_seq=N` */
export const noAnswerLine = (seq: number, realUs?: number): string =>
  `${realUs !== undefined ? timestampPrefix(realUs) : ''}no answer yet for icmp_seq=${seq}`;

/** The `rtt …[, pipe N][, ipg/ewma …]` line's parts, or '' when ping prints an empty line. */
export function rttLine(f: IputilsFigures | null, pipe: number): string {
  let s = '';
  let comma = '';
  if (f) {
    s += `rtt min/avg/max/mdev = ${usText(f.minUs)}/${usText(f.avgUs)}/${usText(f.maxUs)}/${usText(f.mdevUs)} ms`;
    comma = ', ';
  }
  if (pipe > 1) {
    s += `${comma}pipe ${pipe}`;
    comma = ', ';
  }
  if (f && f.ipgUs !== null) {
    s += `${comma}ipg/ewma ${usText(f.ipgUs)}/${ewmaText(f.ewma8)} ms`;
  }
  return s;
}

/** finish(): the statistics block, starting with its blank line, ending with a newline. */
export function statisticsBlock(host: string, st: Stats): string {
  let s = `\n--- ${host} ping statistics ---\n`;
  s += `${st.transmitted} packets transmitted, ${st.received} received`;
  if (st.duplicates) s += `, +${st.duplicates} duplicates`;
  if (st.corrupted) s += `, +${st.corrupted} corrupted`;
  if (st.errors) s += `, +${st.errors} errors`;
  if (st.transmitted) s += `, ${formatLoss(st.lossPercent)} packet loss, time ${st.timeMs}ms`;
  s += '\n';
  s += rttLine(st.iputils, st.pipe) + '\n';
  return s;
}

/** status() for SIGQUIT: `\r5/5 packets, 0% loss, min/avg/ewma/max = …` (to stderr). */
export function statusLine(st: Stats): string {
  const loss = st.transmitted ? Math.trunc(((st.transmitted - st.received) * 100) / st.transmitted) : 0;
  let s = `\r${st.received}/${st.transmitted} packets, ${loss}% loss`;
  const f = st.iputils;
  if (st.received && f) {
    s += `, min/avg/ewma/max = ${usText(f.minUs)}/${usText(f.avgUs)}/${ewmaText(f.ewma8)}/${usText(f.maxUs)} ms`;
  }
  return s + '\n';
}

/** vping's own lines (with -v): every span this run measured, each named, with its sample count. */
export function clocksLine(st: Stats): string {
  const lines = [`rtt spans (time= and the statistics use ${st.primaryClock}):`];
  for (const c of CLOCKS) {
    const r = st.rtt[c];
    if (!r) continue;
    lines.push(r.samples
      ? `  ${c.padEnd(6)} min/p50/p90/p99/max = ${nsUs(r.minNs)}/${nsUs(r.p50Ns)}/${nsUs(r.p90Ns)}/${nsUs(r.p99Ns)}/${nsUs(r.maxNs)} µs, ${r.samples} samples (${CLOCK_SPAN[c]})`
      : `  ${c.padEnd(6)} no samples (${CLOCK_SPAN[c]})`);
  }
  return lines.join('\n');
}
const nsUs = (ns: number): string => (ns / 1000).toFixed(3);

/** gather_statistics()'s "wrong data byte" tail for a reply line (starts with a newline). */
export function wrongDataText(w: { index: number; expected: number; got: number; dump: number[] }, timingBytes = 16): string {
  let s = `\nwrong data byte #${w.index} should be 0x${w.expected.toString(16)} but was 0x${w.got.toString(16)}`;
  for (let k = 0; k < w.dump.length; k++) {
    const i = timingBytes + k;
    if (i % 32 === timingBytes) s += `\n#${i}\t`;
    s += `${w.dump[k].toString(16)} `;
  }
  return s;
}

/** `-p`: `PATTERN: 0x…` as fill() prints it. */
export const patternLine = (bytes: ArrayLike<number>): string =>
  `PATTERN: 0x${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
