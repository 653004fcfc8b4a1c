// The bench table for the terminal: aligned columns, RTT in µs with three decimals, a total
// block for multi-pair runs, and the side-by-side layout of `--vs-ping`. Pure functions of
// RowSummary records; no I/O.
import { formatG, formatLoss } from '../../inet/number.js';
import { CLOCK_SPAN } from '../../icmp/stats.js';
import { shownQuantiles, type Distribution, type RowSummary } from './summary.js';

export { formatG, formatLoss };

/** Integer ns as µs with three decimals, exactly (no float rounding): 12345 → "12.345". */
export function formatUs(ns: number): string {
  if (!Number.isFinite(ns)) return '-';
  const neg = ns < 0;
  const n = Math.abs(Math.round(ns));
  const s = `${Math.trunc(n / 1000)}.${String(n % 1000).padStart(3, '0')}`;
  return neg ? `-${s}` : s;
}

/** A rate as a whole number (echo/s). */
export function formatRate(perSec: number): string {
  return Number.isFinite(perSec) ? String(Math.round(perSec)) : '-';
}

/** A ratio with two decimals, "-" when undefined. */
export function formatRatio(num: number | undefined, den: number | undefined): string {
  if (num === undefined || den === undefined || !(den > 0) || !Number.isFinite(num)) return '-';
  return (num / den).toFixed(2);
}

export type Align = 'l' | 'r';

export interface Column {
  head: string;
  align: Align;
  /** Optional group name printed on a line above (columns of one group are adjacent). */
  group?: string;
}

/**
 * Lay out rows under headers, two spaces between columns (four between groups); `rule` rows (null) print as a
 * dashed line across the table. Returns lines without trailing white space.
 */
export function layoutColumns(cols: readonly Column[], rows: readonly (readonly string[] | null)[]): string[] {
  const w = cols.map((c, i) => Math.max(c.head.length, ...rows.map((r) => (r ? r[i].length : 0))));
  const grouped = cols.some((c) => c.group);
  // Two spaces between columns; four where a group of columns begins or ends.
  const gap = cols.map((c, i) => (i === 0 ? '' : grouped && c.group !== cols[i - 1].group ? '    ' : '  '));
  const cell = (s: string, i: number): string => gap[i] + (cols[i].align === 'l' ? s.padEnd(w[i]) : s.padStart(w[i]));
  const line = (r: readonly string[]): string => r.map(cell).join('').trimEnd();
  const total = w.reduce((a, b) => a + b, 0) + gap.reduce((a, g) => a + g.length, 0);
  const out: string[] = [];
  if (grouped) {
    // Each group's name starts above its first column.
    let s = '';
    let pos = 0;
    for (let i = 0; i < cols.length; i++) {
      pos += gap[i].length;
      const g = cols[i].group;
      if (g && (i === 0 || cols[i - 1].group !== g)) s = s.padEnd(pos) + g;
      pos += w[i];
    }
    out.push(s.trimEnd());
  }
  out.push(line(cols.map((c) => c.head)));
  for (const r of rows) out.push(r ? line(r) : '-'.repeat(total));
  return out;
}

const KEY_COLS: Column[] = [
  { head: 'pair', align: 'r' },
  { head: 'dir', align: 'l' },
  { head: 'size', align: 'r' },
  { head: 'mode', align: 'l' },
];

function keyCells(r: RowSummary): string[] {
  return [String(r.pair), r.dir, String(r.size), r.mode];
}

function clockNote(rows: readonly RowSummary[]): string {
  const clocks = [...new Set(rows.map((r) => r.clock))].sort();
  const span = (c: string): string => (c in CLOCK_SPAN ? `${c} (${CLOCK_SPAN[c as keyof typeof CLOCK_SPAN]})` : c);
  return clocks.length === 1 ? `clock ${span(clocks[0])}` : `clocks ${clocks.map(span).join(', ')} (see the clock column)`;
}

/** min, p50, p90, p99, p99.9, max and mdev cells: a percentile with too few samples beyond it prints "-". */
export function rttCells(t: (Distribution & { iputils: { mdevUs: number } }) | null): string[] {
  if (!t) return ['-', '-', '-', '-', '-', '-', '-'];
  const q = shownQuantiles(t).map(([, v]) => (v === null ? '-' : formatUs(v)));
  return [formatUs(t.minNs), ...q, formatUs(t.maxNs), formatUs(t.iputils.mdevUs * 1000)];
}

/** RTT samples behind a row's figures: `timed` in the tables. */
export const timedCell = (r: RowSummary): string => String(r.rtt?.count ?? 0);

/** sent, received (+duplicates, * when some are untimed), loss, echo/s and timed samples. */
function countCells(r: RowSummary): string[] {
  return [String(r.sent), `${r.received}${r.duplicates ? `+${r.duplicates}` : ''}${r.untimed ? '*' : ''}`, formatLoss(r.lossPercent), formatRate(r.echoPerSec), timedCell(r)];
}

/** The rows' cells, then (after a rule) the totals'. */
function tableBody(rows: readonly RowSummary[], totals: readonly RowSummary[] | undefined, cells: (r: RowSummary) => string[]): (string[] | null)[] {
  const body: (string[] | null)[] = rows.map(cells);
  if (totals?.length) body.push(null, ...totals.map(cells));
  return body;
}

const PERCENTILE_NOTE = "percentiles by sockperf's rule over the `timed` samples, printed only with a sample beyond them (p99.9 from 1,000 samples)";

export interface TableOptions {
  /** Total rows (summarizeTotals), printed after a rule. */
  totals?: readonly RowSummary[];
}

/**
 * The bench table: pair, dir, size, mode, sent, rcvd, loss, echo/s, then RTT min, p50, p90,
 * p99, p99.9, max (sockperf's percentile rule) and mdev (iputils' formula, whole µs), all in
 * µs with three decimals. A clock column appears when rows used different clocks.
 */
export function formatBenchTable(rows: readonly RowSummary[], opts: TableOptions = {}): string {
  const all = [...rows, ...(opts.totals ?? [])];
  const mixed = new Set(all.map((r) => r.clock)).size > 1;
  const cols: Column[] = [
    ...KEY_COLS,
    ...(mixed ? [{ head: 'clock', align: 'l' as const }] : []),
    { head: 'sent', align: 'r' },
    { head: 'rcvd', align: 'r' },
    { head: 'loss', align: 'r' },
    { head: 'echo/s', align: 'r' },
    { head: 'timed', align: 'r' },
    { head: 'min', align: 'r' },
    { head: 'p50', align: 'r' },
    { head: 'p90', align: 'r' },
    { head: 'p99', align: 'r' },
    { head: 'p99.9', align: 'r' },
    { head: 'max', align: 'r' },
    { head: 'mdev', align: 'r' },
  ];
  const cells = (r: RowSummary): string[] => [...keyCells(r), ...(mixed ? [r.clock] : []), ...countCells(r), ...rttCells(r.rtt)];
  const body = tableBody(rows, opts.totals, cells);
  const lines = [
    `RTT in µs, ${clockNote(all)}; ${PERCENTILE_NOTE}; mdev by iputils' formula (whole µs)`,
    ...floodNote(all, false),
    ...layoutColumns(cols, body),
  ];
  if (opts.totals?.length) {
    const n = Math.max(...opts.totals.map((t) => t.pairs));
    lines.push(`pair "all": ${n} pairs at once; counts added, echo/s over the time they covered together, RTT figures over all their samples`);
  }
  lines.push(...untimedNote(all));
  return lines.join('\n') + '\n';
}

/** What a flood row measured: the window, how echo/s is counted, and (vs ping) ping's command. */
function floodNote(rows: readonly RowSummary[], vsPing: boolean): string[] {
  const flood = rows.filter((r) => r.mode === 'flood');
  if (!flood.length) return [];
  const windows = [...new Set(flood.map((r) => r.window ?? 1))];
  const w = windows.length === 1 ? windows[0] : null;
  const inFlight = w === null ? `${windows.join('/')} probes in flight` : w === 1 ? '1 probe in flight (as ping -f)' : `${w} probes in flight (as ping -f -l ${w})`;
  const peer = vsPing ? `; ping ran ${w === null || w === 1 ? 'ping -f' : `ping -f -l ${w}`} on the same pair right after` : '';
  const lines = [`flood rows: ${inFlight}${peer}; echo/s = replies ÷ first-to-last send of the measured probes`];
  const sampledRows = flood.filter((r) => (r.clock === 'kernel' || r.clock === 'sched') && r.txStampEvery);
  const sampled = [...new Set(sampledRows.map((r) => r.txStampEvery as number))];
  if (sampled.length) {
    const n = sampled.join('/');
    const on = [...new Set(sampledRows.map((r) => r.clock))].sort().join(' and ');
    lines.push(`flood rows on the ${on} clock: RTT figures from the TX-stamped probes only (1 in ${n}: the first ${n}, then every ${n}th, the engine's flood default; every probe and reply is counted)`);
  }
  return lines;
}

/** Rows whose RTT figures cover only part of their replies say so, with how many they cover. */
function untimedNote(rows: readonly RowSummary[]): string[] {
  const marked = rows.filter((r) => r.untimed > 0);
  if (!marked.length) return [];
  // Said once when it holds for every pair of a (dir, size, mode); the pairs that differ after it.
  const isTotal = (r: (typeof marked)[number]): boolean => typeof r.pair !== 'number';
  const pairsOf = new Set(rows.filter((r) => typeof r.pair === 'number').map((r) => r.pair)).size;
  const groups = new Map<string, typeof marked>();
  for (const r of marked.filter((x) => !isTotal(x))) {
    const k = `${r.dir} ${r.size} ${r.mode}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const clause = (r: (typeof marked)[number]): string => `${r.received + r.duplicates - r.untimed} of ${r.received + r.duplicates}`;
  const parts: string[] = [];
  for (const [k, rs] of groups) {
    if (pairsOf === 1) {
      parts.push(...rs.map((r) => `${r.pair} ${k}: ${clause(r)}`));
      continue;
    }
    const counts = new Map<string, number>();
    for (const r of rs) counts.set(clause(r), (counts.get(clause(r)) ?? 0) + 1);
    const [common, n] = [...counts].sort((a, b) => b[1] - a[1])[0];
    const others = rs.filter((r) => clause(r) !== common).map((r) => `pair ${r.pair} ${clause(r)}`);
    const where = n === pairsOf ? 'every pair' : `${n} of ${pairsOf} pairs`;
    parts.push(`${k}: ${common} on ${where}${others.length ? `, ${others.join(', ')}` : ''}`);
  }
  for (const r of marked.filter(isTotal)) parts.push(`${r.pair} ${r.dir} ${r.size} ${r.mode}: ${clause(r)}`);
  const every = [...new Set(marked.filter((r) => r.txStampEvery).map((r) => r.txStampEvery))].join('/');
  const why = !every
    ? 'no kernel TX stamp, or under 16 bytes of payload'
    : marked.every((r) => r.txStampEvery) ? `TX-stamped 1 probe in ${every}` : `TX-stamped 1 probe in ${every} on flood rows, no kernel TX stamp, or under 16 bytes of payload`;
  return [`* RTT figures from the replies timed on the row's clock only (${why}): ${parts.join('; ')}`];
}

/**
 * `--vs-ping`: vping's and ping's figures side by side for each row, then the ratios
 * vping ÷ ping. vping's min/avg/max come from its ns samples; ping's are what it printed
 * (whole µs). mdev is iputils' formula on both sides. An RTT ratio divides only like figures:
 * ping measures user send → kernel RX stamp, so only rows on vping's `ping` clock (the same
 * span) get one; on any other clock the RTT is printed beside ping's, never divided by it.
 */
export function formatVsPingTable(rows: readonly RowSummary[], opts: TableOptions = {}): string {
  const V = 'vping';
  const P = 'ping (iputils)';
  const R = 'vping ÷ ping';
  const cols: Column[] = [
    ...KEY_COLS,
    { head: 'sent', align: 'r', group: V },
    { head: 'rcvd', align: 'r', group: V },
    { head: 'loss', align: 'r', group: V },
    { head: 'echo/s', align: 'r', group: V },
    { head: 'timed', align: 'r', group: V },
    { head: 'min', align: 'r', group: V },
    { head: 'avg', align: 'r', group: V },
    { head: 'max', align: 'r', group: V },
    { head: 'mdev', align: 'r', group: V },
    { head: 'sent', align: 'r', group: P },
    { head: 'rcvd', align: 'r', group: P },
    { head: 'loss', align: 'r', group: P },
    { head: 'echo/s', align: 'r', group: P },
    { head: 'min', align: 'r', group: P },
    { head: 'avg', align: 'r', group: P },
    { head: 'max', align: 'r', group: P },
    { head: 'mdev', align: 'r', group: P },
    { head: 'echo/s', align: 'r', group: R },
    { head: 'min', align: 'r', group: R },
    { head: 'avg', align: 'r', group: R },
  ];
  const cells = (r: RowSummary): string[] => {
    const t = r.rtt;
    const p = r.peer;
    // ping's RTT is its own span: divide only a vping figure measured over the same span
    const pr = p?.rtt;
    const like = r.clock === 'ping';
    const vRtt = t ? [t.minNs, t.meanNs, t.maxNs, t.iputils.mdevUs * 1000].map(formatUs) : ['-', '-', '-', '-'];
    const pRtt = pr ? [pr.minUs, pr.avgUs, pr.maxUs, pr.mdevUs].map((us) => formatUs(us * 1000)) : ['-', '-', '-', '-'];
    const pCounts = p
      ? [String(p.transmitted), `${p.received}${p.duplicates ? `+${p.duplicates}` : ''}`, formatLoss(p.lossPercent), formatRate(p.echoPerSec)]
      : ['-', '-', '-', '-'];
    return [
      ...keyCells(r),
      ...countCells(r),
      ...vRtt,
      ...pCounts,
      ...pRtt,
      formatRatio(r.echoPerSec, p?.echoPerSec),
      like ? formatRatio(t?.minNs, pr ? pr.minUs * 1000 : undefined) : '-',
      like ? formatRatio(t?.meanNs, pr ? pr.avgUs * 1000 : undefined) : '-',
    ];
  };
  const body = tableBody(rows, opts.totals, cells);
  const all = [...rows, ...(opts.totals ?? [])];
  const lines = [
    `RTT in µs; vping ${clockNote(all)}, ping user send → RX stamp (whole µs); mdev by iputils' formula on both sides`,
    ...floodNote(all, true),
    ...layoutColumns(cols, body),
    'ratios are vping ÷ ping: echo/s above 1 and RTT below 1 favour vping',
  ];
  const unlike = [...new Set(all.filter((r) => r.clock !== 'ping').map((r) => r.clock))];
  if (unlike.length) {
    lines.push(`no RTT ratio on the ${unlike.join(', ')} clock${unlike.length > 1 ? 's' : ''}: not ping's span (user send → RX stamp), so printed beside ping's, not divided by it`);
  }
  if (opts.totals?.some((t) => t.peer?.pooled)) lines.push(`pair "all": ping's avg and mdev pooled from its per-pair figures`);
  lines.push(...untimedNote(all));
  return lines.join('\n') + '\n';
}
