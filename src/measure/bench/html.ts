// `vping bench --report FILE.html`: one self-contained page. The chart library (uPlot, MIT)
// is read from node_modules at report time and inlined with its CSS; the data goes in as
// JSON; nothing is fetched, so the page opens from a file with no network.
//
// The heavy lifting (downsampling 100k+ samples per row to a few hundred points per series)
// happens here in Node, so the page stays small and draws at once. Each chart sits in an
// element with a stable id and class="chart", data-chart=<kind> and data-points=<points
// plotted>; the page sets data-drawn="1" on it when uPlot has drawn, and on <body>
// data-ready="1" and data-errors=<uncaught errors> when its script has run.
import { closeSync, openSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { VpingError, asErrorCode } from '../../sys/errors.js';
import { SEGMENTS, type BenchMode, type BenchRow, type BenchRun, type Direction } from './model.js';
import {
  groupAcrossPairs,
  percentileOfSorted,
  sortedCopy,
  summarizeRow,
  summarizeTotals,
  type RowSummary,
} from './summary.js';
import { formatLoss, formatRate, formatRatio, formatUs, rttCells, timedCell } from './table.js';
import { CLOCK_TEXT, type Clock } from '../../icmp/stats.js';

// ---------------------------------------------------------------------------------------
// The chart library, inlined.

export interface ChartLibrary {
  name: string;
  version: string;
  license: string;
  js: string;
  css: string;
}

let library: ChartLibrary | undefined;

/** uPlot's IIFE build and CSS from node_modules (resolved from this module), read once. */
export function chartLibrary(): ChartLibrary {
  if (library) return library;
  const require = createRequire(import.meta.url);
  let pkgPath: string;
  try {
    pkgPath = require.resolve('uplot/package.json');
  } catch (e) {
    throw new VpingError('ENOENT', 'the chart library uplot is not installed (npm install uplot) — bench --report needs it', { cause: e });
  }
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { version: string; license: string };
  const root = dirname(pkgPath);
  library = {
    name: 'uPlot',
    version: pkg.version,
    license: pkg.license,
    js: readFileSync(`${root}/dist/uPlot.iife.min.js`, 'utf8'),
    css: readFileSync(`${root}/dist/uPlot.min.css`, 'utf8'),
  };
  return library;
}

// ---------------------------------------------------------------------------------------
// The page's own script and styles: real files in ./report (linted as browser code,
// type-checked with checkJs), read once and inlined. From dist/ they are read where the
// sources are (the package ships them: package.json "files").

interface PageAssets {
  css: string;
  js: string;
  errorTrap: string;
}
let assets: PageAssets | null = null;

function pageAssets(): PageAssets {
  if (assets) return assets;
  const here = new URL('./report/', import.meta.url);
  const dir = existsSync(new URL('page.js', here)) ? here : new URL('../../../../src/measure/bench/report/', import.meta.url);
  const read = (f: string): string => readFileSync(new URL(f, dir), 'utf8');
  assets = { css: read('page.css'), js: read('page.js'), errorTrap: read('error-trap.js') };
  return assets;
}

// ---------------------------------------------------------------------------------------
// The data the page draws: downsampled, in µs and seconds, JSON-ready.

/** One time series of a row or combination: per time slice, min / median / max RTT. */
export interface TimeSeries {
  label: string;
  color: string;
  /** Samples behind the series. */
  n: number;
  /** Slice centres, seconds since the start of the row (or of the combination). */
  t: number[];
  minUs: number[];
  p50Us: number[];
  maxUs: number[];
}

export interface CdfSeries {
  label: string;
  color: string;
  n: number;
  /** RTT, µs (ascending). */
  x: number[];
  /** Fraction of samples at or below x. */
  y: number[];
}

export interface HistogramChart {
  size: number;
  /** Bin edges, µs (bins + 1 of them, log-spaced). */
  edgesUs: number[];
  series: { label: string; color: string; n: number; /** per bin, % of the series' samples */ pct: number[]; /** samples above the last edge */ over: number }[];
}

export interface TraceChart {
  label: string;
  /** Echoes traced. */
  n: number;
  /** Slice centres as echo numbers (1-based). */
  x: number[];
  /** Per leg (SEGMENTS order), the median of each slice, µs. */
  legsUs: number[][];
  /** Top of the chart's axis, µs: the p99 of the stacked totals plus room, so one stalled echo does not flatten the rest (the table has the max). */
  yMaxUs: number;
  /** Per leg: p50, p90, p99, max, µs. */
  stats: { leg: string; from: string; to: string; p50Us: number; p90Us: number; p99Us: number; maxUs: number }[];
}

export interface ReportData {
  schema: 'vping.report/1';
  title: string;
  /**
   * Per mode, the combinations (dir, size) merged over pairs, each on its own clock (seconds
   * since the combination began): flood rows last milliseconds, interval rows seconds, so
   * they do not share an axis.
   */
  overview: { mode: BenchMode; series: TimeSeries[] }[];
  /** Every row on its own. */
  rows: TimeSeries[];
  cdf: CdfSeries[];
  histograms: HistogramChart[];
  traces: TraceChart[];
  /** The trace legs' labels, in SEGMENTS order (the one definition): the page names its bands by them. */
  traceLegs: string[];
}

/**
 * Tableau 20 as (dark, light) pairs: one hue per (size, mode), dark for ns1→ns2 and light for
 * ns2→ns1, so the two directions of one combination read as a pair.
 */
export const PALETTE: readonly (readonly [string, string])[] = [
  ['#4e79a7', '#a0cbe8'], ['#f28e2b', '#ffbe7d'], ['#59a14f', '#8cd17d'], ['#e15759', '#ff9d9a'], ['#b07aa1', '#d4a6c8'],
  ['#b6992d', '#f1ce63'], ['#499894', '#86bcb6'], ['#9d7660', '#d7b5a6'], ['#d37295', '#fabfd2'], ['#79706e', '#bab0ac'],
];

const us = (ns: number): number => Math.round(ns) / 1000;
const sec = (ns: number): number => Math.round(ns / 1000) / 1e6;

/**
 * Median, min and max per time slice: at most `maxSlices` equal slices over the samples'
 * send instants; empty slices are left out (the chart shows a gap there).
 */
export function timeSlices(atNs: Float64Array, rttNs: Float64Array, maxSlices: number, originNs = 0): Pick<TimeSeries, 't' | 'minUs' | 'p50Us' | 'maxUs'> {
  const n = atNs.length;
  const out = { t: [] as number[], minUs: [] as number[], p50Us: [] as number[], maxUs: [] as number[] };
  if (n === 0) return out;
  let t0 = Infinity;
  let t1 = -Infinity;
  for (let i = 0; i < n; i++) {
    if (atNs[i] < t0) t0 = atNs[i];
    if (atNs[i] > t1) t1 = atNs[i];
  }
  const B = Math.max(1, Math.min(maxSlices, n));
  const span = t1 - t0 || 1;
  const slice = (i: number): number => Math.min(B - 1, Math.floor(((atNs[i] - t0) / span) * B));
  // Counting sort of the samples into their slices, then each slice sorted in place.
  const start = new Uint32Array(B + 1);
  for (let i = 0; i < n; i++) start[slice(i) + 1]++;
  for (let b = 0; b < B; b++) start[b + 1] += start[b];
  const fill = start.slice(0, B);
  const buf = new Float64Array(n);
  for (let i = 0; i < n; i++) buf[fill[slice(i)]++] = rttNs[i];
  for (let b = 0; b < B; b++) {
    if (start[b + 1] === start[b]) continue;
    const s = buf.subarray(start[b], start[b + 1]).sort();
    out.t.push(sec(t0 - originNs + ((b + 0.5) * span) / B));
    out.minUs.push(us(s[0]));
    out.p50Us.push(us(percentileOfSorted(s, 0.5)!));
    out.maxUs.push(us(s[s.length - 1]));
  }
  return out;
}

/**
 * Points of the empirical CDF: `uniform` ranks spread evenly, plus `tail` ranks spaced
 * evenly in log10(1/(1 − F)) so that p99…max keep their shape.
 */
export function cdfPoints(sorted: Float64Array, uniform = 300, tail = 100): Pick<CdfSeries, 'x' | 'y'> {
  const n = sorted.length;
  if (n === 0) return { x: [], y: [] };
  const idx = new Set<number>();
  const K = Math.min(n, uniform);
  for (let k = 0; k < K; k++) idx.add(K === 1 ? n - 1 : Math.round((k * (n - 1)) / (K - 1)));
  const decades = Math.log10(n);
  if (decades > 1) {
    for (let j = 0; j < tail; j++) {
      const q = 1 - 10 ** -(1 + (j * (decades - 1)) / (tail - 1));
      idx.add(Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1)));
    }
  }
  idx.add(n - 1);
  const order = [...idx].sort((a, b) => a - b);
  const x: number[] = [];
  const y: number[] = [];
  for (const i of order) {
    const v = us(sorted[i]);
    const f = (i + 1) / n;
    // One point per distinct RTT: the highest fraction at that value.
    if (x.length && x[x.length - 1] === v) y[y.length - 1] = f;
    else {
      x.push(v);
      y.push(f);
    }
  }
  return { x, y };
}

/** bins + 1 edges, log-spaced from lo to hi (both > 0), the last one exactly hi. */
export function logEdges(lo: number, hi: number, bins: number): number[] {
  const r = Math.log(hi / lo);
  return Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo * Math.exp((r * i) / bins)));
}

/** Counts of ascending samples per [edge i, edge i+1) bin, the last bin closed; values outside are dropped. */
export function binCounts(sorted: Float64Array, edges: number[]): number[] {
  const counts = new Array<number>(edges.length - 1).fill(0);
  let b = 0;
  for (const v of sorted) {
    if (v < edges[0] || v > edges[edges.length - 1]) continue;
    while (b < counts.length - 1 && v >= edges[b + 1]) b++;
    counts[b]++;
  }
  return counts;
}

function comboLabel(k: { dir: Direction; size: number; mode: BenchMode }): string {
  return `${k.dir} ${k.size} B ${k.mode}`;
}

function rowTitle(r: BenchRow, pairs: number): string {
  return pairs > 1 ? `pair ${r.pair} ${comboLabel(r)}` : comboLabel(r);
}

function concat(arrays: Float64Array[]): Float64Array {
  const out = new Float64Array(arrays.reduce((a, x) => a + x.length, 0));
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}

export interface ReportOptions {
  title?: string;
  /** Time slices per series on the latency-over-time chart. */
  slices?: number;
  /** Bins per histogram. */
  bins?: number;
}

/** Everything the page draws, from the run. */
export function buildReportData(run: BenchRun, opts: ReportOptions = {}): ReportData {
  const slices = opts.slices ?? 300;
  const bins = opts.bins ?? 60;
  const pairs = new Set(run.rows.map((r) => r.pair)).size;
  // Combinations in a stable order: size, then direction, then mode.
  const groups = groupAcrossPairs(run.rows).sort(
    (a, b) => a[0].size - b[0].size || a[0].dir.localeCompare(b[0].dir) || a[0].mode.localeCompare(b[0].mode),
  );
  const hues = [...new Set(groups.map((g) => `${g[0].size}|${g[0].mode}`))];
  const colorFor = (k: { size: number; mode: BenchMode; dir: Direction }): string =>
    PALETTE[hues.indexOf(`${k.size}|${k.mode}`) % PALETTE.length][k.dir === 'ns1-ns2' ? 0 : 1];
  const combos = groups.map((g) => {
    const rtt = concat(g.map((r) => r.rttNs));
    return { key: g[0], label: comboLabel(g[0]), color: colorFor(g[0]), rtt, at: concat(g.map((r) => r.atNs)), sorted: sortedCopy(rtt) };
  });
  const colorOf = new Map(combos.map((c) => [c.label, c.color]));

  const first = (a: Float64Array): number => (a.length ? a.reduce((m, x) => Math.min(m, x), Infinity) : 0);
  const overview = [...new Set(combos.map((c) => c.key.mode))].map((mode) => ({
    mode,
    series: combos
      .filter((c) => c.key.mode === mode)
      .map((c) => ({ label: c.label, color: c.color, n: c.rtt.length, ...timeSlices(c.at, c.rtt, slices, first(c.at)) })),
  }));
  const rows: TimeSeries[] = run.rows.map((r) => ({
    label: rowTitle(r, pairs),
    color: colorOf.get(comboLabel(r))!,
    n: r.rttNs.length,
    ...timeSlices(r.atNs, r.rttNs, slices, first(r.atNs)),
  }));
  const cdf: CdfSeries[] = combos.map((c) => ({ label: c.label, color: c.color, n: c.sorted.length, ...cdfPoints(c.sorted) }));

  const histograms: HistogramChart[] = [];
  for (const size of [...new Set(combos.map((c) => c.key.size))].sort((a, b) => a - b)) {
    const cs = combos.filter((c) => c.key.size === size && c.sorted.length > 0);
    if (!cs.length) continue;
    // Log-spaced bins from the fastest to the slowest echo: the few-µs body and a tail ten
    // times longer both stay readable, and no sample is left out.
    const lo = Math.max(1, Math.min(...cs.map((c) => c.sorted[0])));
    let hi = Math.max(...cs.map((c) => c.sorted[c.sorted.length - 1]));
    if (hi <= lo) hi = lo * 1.01 + 1;
    const edges = logEdges(lo, hi, bins);
    histograms.push({
      size,
      edgesUs: edges.map(us),
      series: cs.map((c) => {
        const counts = binCounts(c.sorted, edges);
        return { label: `${c.key.dir} ${c.key.mode}`, color: c.color, n: c.sorted.length, pct: counts.map((k) => Math.round((k * 1e6) / c.sorted.length) / 1e4), over: 0 };
      }),
    });
  }

  const traces: TraceChart[] = [];
  for (const r of run.rows) {
    const t = r.trace;
    if (!t || t.seq.length === 0) continue;
    const n = t.seq.length;
    const B = Math.min(n, 400);
    const x: number[] = [];
    const legsUs: number[][] = SEGMENTS.map(() => []);
    for (let b = 0; b < B; b++) {
      const i0 = Math.floor((b * n) / B);
      const i1 = Math.floor(((b + 1) * n) / B);
      if (i1 <= i0) continue;
      x.push((i0 + i1 + 1) / 2);
      SEGMENTS.forEach((s, k) => legsUs[k].push(us(percentileOfSorted(t[s.name].slice(i0, i1).sort(), 0.5)!)));
    }
    const totals = Float64Array.from(x.map((_, i) => legsUs.reduce((a, leg) => a + leg[i], 0))).sort();
    traces.push({
      label: rowTitle(r, pairs),
      n,
      x,
      legsUs,
      yMaxUs: Math.max(1, Math.ceil((percentileOfSorted(totals, 0.99) ?? 1) * 1.15)),
      stats: SEGMENTS.map((s) => {
        const sorted = sortedCopy(t[s.name]);
        const q = (p: number): number => us(percentileOfSorted(sorted, p)!);
        return { leg: s.label, from: s.from, to: s.to, p50Us: q(0.5), p90Us: q(0.9), p99Us: q(0.99), maxUs: us(sorted[n - 1]) };
      }),
    });
  }

  return {
    schema: 'vping.report/1',
    title: opts.title ?? `vping bench — lab ${run.params.lab}`,
    overview,
    rows,
    cdf,
    histograms,
    traces,
    traceLegs: SEGMENTS.map((g) => g.label),
  };
}

// ---------------------------------------------------------------------------------------
// The page.

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** JSON safe inside <script>: no `<` (so no `</script>` or `<!--`), no U+2028/2029. */
export function jsonForScript(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** A script's text safe inside <script>: `</script` cannot close the element early. */
export function scriptText(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

function htmlTable(head: string[], rows: string[][], numeric: boolean[], cls: string): string {
  const th = head.map((h, i) => `<th${numeric[i] ? ' class="num"' : ''}>${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map((r) => `<tr${r[0] === 'all' ? ' class="total"' : ''}>${r.map((c, i) => `<td${numeric[i] ? ' class="num"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table class="${cls}"><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function summaryTable(rows: readonly RowSummary[]): string {
  const head = ['pair', 'dir', 'size', 'mode', 'clock', 'sent', 'rcvd', 'loss', 'echo/s', 'timed', 'min', 'p50', 'p90', 'p99', 'p99.9', 'max', 'mdev'];
  const numeric = head.map((h) => !['dir', 'mode', 'clock'].includes(h));
  const cells = rows.map((r) => {
    return [String(r.pair), r.dir, String(r.size), r.mode, r.clock, String(r.sent), `${r.received}${r.duplicates ? `+${r.duplicates}` : ''}`, formatLoss(r.lossPercent), formatRate(r.echoPerSec), timedCell(r), ...rttCells(r.rtt)];
  });
  return htmlTable(head, cells, numeric, 'summary');
}

function vsPingTable(rows: readonly RowSummary[]): string {
  const head = ['pair', 'dir', 'size', 'mode', 'vping echo/s', 'ping echo/s', '×', 'vping min', 'ping min', '×', 'vping avg', 'ping avg', '×', 'vping mdev', 'ping mdev', 'loss vping / ping'];
  const numeric = head.map((h) => !['dir', 'mode'].includes(h));
  const cells = rows.map((r) => {
    const t = r.rtt;
    const p = r.peer;
    // ping's RTT is user send → RX stamp: only vping's figure over the same span is divided by it
    const pr = p?.rtt;
    const like = r.clock === 'ping';
    return [
      String(r.pair), r.dir, String(r.size), r.mode,
      formatRate(r.echoPerSec), p ? formatRate(p.echoPerSec) : '-', formatRatio(r.echoPerSec, p?.echoPerSec),
      t ? formatUs(t.minNs) : '-', pr ? formatUs(pr.minUs * 1000) : '-', like ? formatRatio(t?.minNs, pr ? pr.minUs * 1000 : undefined) : '-',
      t ? formatUs(t.meanNs) : '-', pr ? formatUs(pr.avgUs * 1000) : '-', like ? formatRatio(t?.meanNs, pr ? pr.avgUs * 1000 : undefined) : '-',
      t ? formatUs(t.iputils.mdevUs * 1000) : '-', pr ? formatUs(pr.mdevUs * 1000) : '-',
      `${formatLoss(r.lossPercent)} / ${p ? formatLoss(p.lossPercent) : '-'}`,
    ];
  });
  return htmlTable(head, cells, numeric, 'vs-ping');
}




/** The clocks of the rows, each with the span it measures, in words. */
function clockWords(rows: readonly RowSummary[]): string {
  const cs = [...new Set(rows.map((r) => r.clock))].sort();
  const w = cs.map((c) => `${c}: ${c in CLOCK_TEXT ? CLOCK_TEXT[c as Clock] : c}`);
  return `${cs.length === 1 ? 'clock' : 'clocks'} ${w.join('; ')}`;
}

function metaLine(run: BenchRun, rows: readonly RowSummary[]): string {
  const p = run.params;
  const clocks = [...new Set(rows.map((r) => r.clock))].join(', ');
  const items = [
    `started ${run.startedAt}`,
    `host ${run.host.hostname}`,
    `kernel ${run.host.kernel}`,
    `node ${run.host.node}`,
    `${run.host.cpus} CPUs`,
    `lab ${p.lab}`,
    `${p.pairs} pair${p.pairs === 1 ? '' : 's'}`,
    `${p.count} echoes per row after ${p.warmup} warm-up`,
    p.modes.includes('interval') ? `interval ${p.intervalMs} ms` : '',
    `clock ${clocks}`,
  ].filter(Boolean);
  return items.map((s) => `<span>${escapeHtml(s)}</span>`).join(' ');
}

/** The whole page as a string. */
export function renderReport(run: BenchRun, opts: ReportOptions = {}): string {
  const lib = chartLibrary();
  const data = buildReportData(run, opts);
  const rows = run.rows.map(summarizeRow);
  const totals = summarizeTotals(run.rows);
  const all = [...rows, ...totals];
  const points = (n: number[]): number => n.reduce((a, b) => a + b, 0);
  const latencyFigures = data.overview
    .map(
      (o) =>
        `<figure><figcaption>${o.mode} rows</figcaption><div id="chart-latency-${o.mode}" class="chart chart-latency" data-chart="latency" data-mode="${o.mode}" data-points="${points(o.series.map((s) => s.t.length))}"></div></figure>`,
    )
    .join('\n');
  const cdfPoints_ = points(data.cdf.map((s) => s.x.length));
  const hasPeer = rows.some((r) => r.peer);

  const latencyOptions = data.rows.map((s, i) => `<option value="${i}">${escapeHtml(s.label)}</option>`).join('');

  const histFigures = data.histograms
    .map(
      (h) =>
        `<figure><figcaption>${h.size} B payload</figcaption><div id="chart-hist-${h.size}" class="chart chart-hist" data-chart="histogram" data-size="${h.size}" data-points="${points(h.series.map((s) => s.pct.length))}"></div></figure>`,
    )
    .join('\n');

  const traceBody = data.traces.length
    ? data.traces
        .map((t, i) => {
          const stats = htmlTable(
            ['leg', 'from', 'to', 'p50', 'p90', 'p99', 'max'],
            t.stats.map((s) => [s.leg, s.from, s.to, ...[s.p50Us, s.p90Us, s.p99Us, s.maxUs].map((v) => formatUs(Math.round(v * 1000)))]),
            [false, false, false, true, true, true, true],
            'legs',
          );
          return `<figure><figcaption>${escapeHtml(t.label)}: ${t.n} echoes seen at all four points</figcaption><div id="chart-trace-${i}" class="chart chart-trace" data-chart="trace" data-points="${t.x.length}"></div><div class="table-wrap" style="margin-top:8px">${stats}</div></figure>`;
        })
        .join('\n')
    : `<div id="chart-trace" class="chart placeholder" data-chart="trace" data-points="0">No trace data in this run. <code>vping trace</code> captures both ends of the pair and splits each echo into send path, queue, crossing, turnaround, crossing back and receive path.</div>`;

  const html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="vping bench">
<title>${escapeHtml(data.title)}</title>
<script>${scriptText(pageAssets().errorTrap)}</script>
<style>${lib.css}</style>
<style>${pageAssets().css}</style>
</head>
<body>
<header>
<h1>${escapeHtml(data.title)}</h1>
<p class="meta">${metaLine(run, all)}</p>
</header>
<div id="errors" role="alert"></div>

<section id="summary">
<h2>Summary</h2>
<p class="note">RTT in µs, ${escapeHtml(clockWords(all))}. The <em>timed</em> column is how many RTT samples each row's figures rest on. Percentiles by sockperf's rule (index (int)(0.5 + p·N) − 1 in the sorted samples), and only where at least one sample lies beyond them: p99.9 needs 1,000 timed samples, p99 100, p90 10; a dash means too few. mdev by iputils ping's formula (whole µs). Loss as ping prints it.${totals.length ? ' Rows "all" add up the pairs that ran at once: echo/s over the time they covered together.' : ''}</p>
<div class="table-wrap">${summaryTable(all)}</div>
${hasPeer ? `<h2 style="margin-top:18px">vping beside iputils ping</h2><p class="note">Same lab, same run. × is vping ÷ ping: echo/s above 1 and RTT below 1 favour vping. ping's RTT figures are whole µs, over its own span: user send to the reply's kernel RX stamp. An RTT × is given only for rows on vping's ping clock, the same span; rows on another clock show both figures and no ×.</p><div class="table-wrap">${vsPingTable(all)}</div>` : ''}
</section>

<section id="latency">
<h2>Latency over time</h2>
<p class="note">Median RTT per time slice (at most ${opts.slices ?? 300} slices a series, so that 100,000 echoes still draw at once), each combination on its own clock${pairs(run) > 1 ? ', all pairs together' : ''}. Flood rows last milliseconds, interval rows seconds: one chart per mode.</p>
<div class="grid">
${latencyFigures}
</div>
<h3>One row in detail</h3>
<div class="controls"><label for="latency-row">Row </label><select id="latency-row">${latencyOptions}</select> <span class="hint">min, median and max per slice</span></div>
<div id="chart-latency-row" class="chart" data-chart="latency-row" data-points="${data.rows[0]?.t.length ?? 0}"></div>
</section>

<section id="cdf">
<h2>Distribution (CDF)</h2>
<p class="note">Fraction of echoes at or below each RTT, every sample of each combination${pairs(run) > 1 ? ' (all pairs together)' : ''}; the RTT axis is logarithmic so the tail stays visible.</p>
<div id="chart-cdf" class="chart" data-chart="cdf" data-points="${cdfPoints_}"></div>
</section>

<section id="histograms">
<h2>Histogram per payload size</h2>
<p class="note">Share of echoes per RTT bin; the bins are log-spaced from the fastest echo to the slowest, so the body and the tail both show and no echo is left out.</p>
<div class="grid">
${histFigures || '<div id="chart-hist-none" class="chart placeholder" data-chart="histogram" data-points="0">No replies: nothing to plot.</div>'}
</div>
</section>

<section id="trace">
<h2>Where the time goes (trace)</h2>
<p class="note">Send path (user → qdisc entry, the kernel's TX_SCHED stamp), queue (qdisc entry → tap1 out: the shaper's wait, if any), crossing (tap1 → tap2), turnaround in the peer's stack (tap2 in → out), crossing back (tap2 → tap1), receive path (tap1 → user). The time axis stops a little above the p99 echo so that one stalled echo does not flatten the others; the table has every leg's max.</p>
<div class="grid">
${traceBody}
</div>
</section>

<footer>Made by vping bench. Charts by ${lib.name} ${escapeHtml(lib.version)} (${escapeHtml(lib.license)}), inlined: this page needs no network.</footer>
<script id="bench-data" type="application/json">${jsonForScript(data)}</script>
<script>${scriptText(lib.js)}</script>
<script>${scriptText(pageAssets().js)}</script>
</body>
</html>
`;
  return html;
}

function pairs(run: BenchRun): number {
  return new Set(run.rows.map((r) => r.pair)).size;
}

function reportError(path: string, e: unknown, what = 'the report'): VpingError {
  const err = e as NodeJS.ErrnoException;
  const dir = dirname(path);
  const why =
    err.code === 'ENOENT' ? `directory ${dir} does not exist`
    : err.code === 'EACCES' || err.code === 'EPERM' ? `permission denied in ${dir}`
    : err.code === 'EROFS' ? `${dir} is on a read-only file system`
    : err.code === 'EISDIR' ? 'it is a directory'
    : err.code === 'ENOTDIR' ? `${dir} is not a directory`
    : err.code === 'ENOSPC' ? 'no space left on the device'
    : (err.message ?? String(e));
  return new VpingError(asErrorCode(err.code), `cannot write ${what} ${path}: ${why}`, { cause: e });
}

/**
 * Check, before a long bench, that the report can be written: the directory exists and
 * takes a new file, and the path is not a directory. Leaves nothing behind.
 */
export function assertReportWritable(path: string, what = 'the report'): void {
  try {
    if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) {
      throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    }
    const probe = `${path}.vping-probe-${process.pid}`;
    closeSync(openSync(probe, 'wx'));
    unlinkSync(probe);
  } catch (e) {
    throw reportError(path, e, what);
  }
}

/** Render and write the page; written to a temporary name and renamed, so never half a file. */
export function writeReport(path: string, run: BenchRun, opts: ReportOptions = {}): void {
  const html = renderReport(run, opts);
  const tmp = `${path}.vping-tmp-${process.pid}`;
  try {
    if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) {
      throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    }
    writeFileSync(tmp, html);
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing was written
    }
    throw reportError(path, e);
  }
}
