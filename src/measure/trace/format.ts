// How `vping trace` prints: a header, one compact line per echo (its five legs in µs and a
// bar drawn to scale), then the distribution of each leg. Pure functions of the result.
import { SEGMENTS } from '../bench/model.js';
import { formatUs, layoutColumns, type Column } from '../bench/table.js';
import type { SegmentSummary } from '../bench/summary.js';
import { POINTS, type TracedEcho } from './match.js';
import type { TraceEnd, TraceResult } from './run.js';

/** One letter per leg in the bar: send, queue, crossing, turnaround, crossing back, receive. */
export const BAR_GLYPHS = ['s', 'q', '>', 't', '<', 'r'] as const;

/**
 * The legs as a bar of `width` cells, each leg's share rounded so the cells add up to the
 * width (largest remainders first); a leg shorter than half a cell gets none.
 */
export function legBar(legsNs: readonly number[], width = 40): string {
  const total = legsNs.reduce((a, b) => a + Math.max(0, b), 0);
  if (!(total > 0)) return '';
  const exact = legsNs.map((v) => (Math.max(0, v) / total) * width);
  const cells = exact.map(Math.floor);
  let left = width - cells.reduce((a, b) => a + b, 0);
  const order = exact.map((v, i) => [v - Math.floor(v), i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of order) {
    if (left <= 0) break;
    cells[i]++;
    left--;
  }
  return cells.map((n, i) => BAR_GLYPHS[i].repeat(n)).join('');
}

const end = (e: TraceEnd): string => `${e.ns}:${e.ifname}`;

export function traceHeader(t: Pick<TraceResult, 'source' | 'destination' | 'size'>, count: number): string {
  const s = end(t.source);
  const d = end(t.destination);
  return (
    `TRACE ${t.destination.address} from ${t.source.address} (${s} → ${d}): ${t.size} data bytes, ${count} echo${count === 1 ? '' : 'es'}\n` +
    `legs in µs: send = user → qdisc entry, queue = qdisc → ${s} out, cross = ${s} → ${d}, turn = ${d} in → out, back = ${d} → ${s}, recv = ${s} in → user\n`
  );
}

export const ECHO_COLUMNS: Column[] = [
  { head: 'seq', align: 'r' },
  { head: 'send', align: 'r' },
  { head: 'queue', align: 'r' },
  { head: 'cross', align: 'r' },
  { head: 'turn', align: 'r' },
  { head: 'back', align: 'r' },
  { head: 'recv', align: 'r' },
  { head: 'rtt', align: 'r' },
  { head: `timeline (${BAR_GLYPHS.join('')})`, align: 'l' },
];

/** The cells of one echo's line. */
export function echoCells(e: TracedEcho): string[] {
  if (e.segments) {
    const legs = SEGMENTS.map((s) => e.segments![s.name]);
    return [String(e.seq), ...legs.map(formatUs), e.rttNs === null ? '-' : formatUs(e.rttNs), legBar(legs)];
  }
  const seen = POINTS.filter((p) => e.points[p] !== null);
  const what = e.recvNs === null ? 'no reply' : 'reply, but not seen at every point';
  const where = seen.length ? `; seen at ${seen.join(', ')}` : '; seen nowhere';
  return [String(e.seq), '-', '-', '-', '-', '-', '-', e.rttNs === null ? '-' : formatUs(e.rttNs), `(${what}${where})`];
}

/**
 * A line printer that keeps columns aligned while echoes arrive: widths are fixed from the
 * header and generous number widths (µs up to 99999.999).
 */
export function echoLine(cells: string[]): string {
  const widths = [5, 9, 9, 9, 9, 9, 9, 9];
  return cells
    .map((c, i) => (i < widths.length ? c.padStart(widths[i]) : c))
    .join('  ')
    .trimEnd();
}

export function echoHeaderLine(): string {
  return echoLine(ECHO_COLUMNS.map((c) => c.head));
}

/** The closing block: counts, then each leg's distribution. */
export function traceSummary(t: Pick<TraceResult, 'sent' | 'answered' | 'complete' | 'summary' | 'capture' | 'source' | 'destination'> & { interrupted?: boolean }): string {
  // SEGMENTS name the ends tap1 (source) and tap2 (destination): say which they are here.
  // one pass: replacing tap1 first and then tap2 rewrote the tap2 inside the first one's name
  const named = (x: string): string => x.replace(/\btap([12])\b/g, (_m, k: string) => end(k === '1' ? t.source : t.destination));
  const lines: string[] = [];
  lines.push(
    `--- trace statistics ---`,
    `${t.sent} echoes sent, ${t.answered} answered, ${t.complete} seen at all four points${t.interrupted ? ' (interrupted)' : ''}`,
  );
  const s: SegmentSummary = t.summary;
  const cols: Column[] = [
    { head: 'leg', align: 'l' },
    { head: 'from', align: 'l' },
    { head: 'to', align: 'l' },
    { head: 'min', align: 'r' },
    { head: 'p50', align: 'r' },
    { head: 'p90', align: 'r' },
    { head: 'p99', align: 'r' },
    { head: 'max', align: 'r' },
    { head: 'mean', align: 'r' },
  ];
  const rows = SEGMENTS.map((g) => {
    const d = s[g.name];
    return [g.label, named(g.from), named(g.to), ...(d ? [d.minNs, d.p50Ns, d.p90Ns, d.p99Ns, d.maxNs, d.meanNs].map(formatUs) : ['-', '-', '-', '-', '-', '-'])];
  });
  if (t.complete) lines.push(...layoutColumns(cols, rows));
  for (const c of t.capture) lines.push(`${c.label}: ${c.captured} packets captured, ${c.received} received by filter, ${c.dropped} dropped by kernel`);
  return lines.join('\n') + '\n';
}

/** JSON-friendly echo (bigints as strings of ns). */
export function echoJson(e: TracedEcho): object {
  const s = (v: bigint | null): string | null => (v === null ? null : v.toString());
  return {
    seq: e.seq,
    sendNs: s(e.sendNs),
    schedNs: s(e.schedNs),
    srcOutNs: s(e.points.srcOut),
    dstInNs: s(e.points.dstIn),
    dstOutNs: s(e.points.dstOut),
    srcInNs: s(e.points.srcIn),
    recvNs: s(e.recvNs),
    rttNs: e.rttNs,
    // each leg's ns, the unit in its name (sendPathNs …), or null when a point is missing
    segments: e.segments ? Object.fromEntries(Object.entries(e.segments).map(([k, v]) => [`${k}Ns`, v])) : null,
  };
}
