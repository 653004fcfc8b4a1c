// The HTML report: its data reduction (pure), its self-containment (static checks), and the
// page as headless Chromium renders it: every chart present and drawn, no console error.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SEGMENTS } from '../../src/measure/bench/model.js';
import {
  assertReportWritable,
  binCounts,
  buildReportData,
  cdfPoints,
  chartLibrary,
  jsonForScript,
  logEdges,
  renderReport,
  scriptText,
  timeSlices,
  writeReport,
} from '../../src/measure/bench/html.js';
import { isVpingError } from '../../src/sys/errors.js';
import { synthRun } from '../helpers/bench-synth.js';

const f64 = (xs: number[]): Float64Array => Float64Array.from(xs);

describe('data reduction', () => {
  it('time slices: min, median (sockperf rule) and max per slice, empty slices left out', () => {
    // 10 samples over 0..9 s into 5 slices of 1.8 s: [0,1] [2,3] [4,5] [6,7] [8,9] by time.
    const at = f64([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((s) => s * 1e9));
    const rtt = f64([5000, 1000, 2000, 2000, 9000, 7000, 3000, 3000, 1000, 8000]);
    const t = timeSlices(at, rtt, 5);
    expect(t.t).toEqual([0.9, 2.7, 4.5, 6.3, 8.1]);
    expect(t.minUs).toEqual([1, 2, 7, 3, 1]);
    expect(t.p50Us).toEqual([1, 2, 7, 3, 1]); // N=2: index (int)(0.5 + 1) − 1 = 0
    expect(t.maxUs).toEqual([5, 2, 9, 3, 8]);
    // A gap in time leaves slices empty; those are not drawn as zeros. No more slices than
    // samples: 4 samples over 10 s make 4 slices of 2.5 s, the middle two empty.
    const g = timeSlices(f64([0, 1e9, 9e9, 10e9]), f64([1000, 1000, 1000, 1000]), 10);
    expect(g.t).toEqual([1.25, 8.75]);
    // Relative to an origin.
    expect(timeSlices(f64([5e9, 7e9]), f64([1000, 2000]), 1, 5e9).t).toEqual([1]);
    expect(timeSlices(f64([]), f64([]), 10).t).toEqual([]);
  });

  it('CDF points: ascending RTT, fractions up to 1, the tail kept, bounded in size', () => {
    const n = 100_000;
    const sorted = Float64Array.from({ length: n }, (_, i) => 1000 + i).sort();
    const { x, y } = cdfPoints(sorted);
    expect(x.length).toBeLessThanOrEqual(401);
    expect(x[0]).toBe(1);
    expect(x.at(-1)).toBe(100.999);
    expect(y.at(-1)).toBe(1);
    for (let i = 1; i < x.length; i++) {
      expect(x[i]).toBeGreaterThan(x[i - 1]);
      expect(y[i]).toBeGreaterThan(y[i - 1]);
    }
    // Points beyond p99.9 exist (the log-spaced tail).
    expect(y.filter((f) => f > 0.999).length).toBeGreaterThan(10);
    // Equal values collapse to one point at the highest fraction.
    expect(cdfPoints(f64([5000, 5000, 5000, 7000]))).toEqual({ x: [5, 7], y: [0.75, 1] });
  });

  it('log edges and bin counts keep every sample', () => {
    const e = logEdges(1, 1000, 3);
    expect(e[0]).toBe(1);
    expect(e[1]).toBeCloseTo(10, 9);
    expect(e[2]).toBeCloseTo(100, 9);
    expect(e[3]).toBe(1000);
    expect(binCounts(f64([1, 5, 9.99, 10.0001, 99, 100.0001, 999, 1000]), [1, 10, 100, 1000])).toEqual([3, 2, 3]);
    const run = synthRun({ count: 500, sizes: [56, 1472] });
    const d = buildReportData(run);
    for (const h of d.histograms) {
      for (const s of h.series) expect(s.pct.reduce((a, b) => a + b, 0)).toBeCloseTo(100, 1);
    }
  });

  it('builds one overview per mode, one series per row, histograms per size, trace legs', () => {
    const run = synthRun({ count: 400, sizes: [56, 1472], trace: true });
    const d = buildReportData(run, { slices: 50 });
    expect(d.overview.map((o) => o.mode)).toEqual(['flood', 'interval']);
    expect(d.overview[0].series.map((s) => s.label)).toEqual(['ns1-ns2 56 B flood', 'ns2-ns1 56 B flood', 'ns1-ns2 1472 B flood', 'ns2-ns1 1472 B flood']);
    expect(d.rows).toHaveLength(run.rows.length);
    for (const s of d.rows) expect(s.t.length).toBeLessThanOrEqual(50);
    expect(d.histograms.map((h) => h.size)).toEqual([56, 1472]);
    expect(d.cdf).toHaveLength(8);
    expect(d.traces).toHaveLength(1);
    const t = d.traces[0];
    expect(t.legsUs).toHaveLength(SEGMENTS.length);
    // The legs' stats are the trace's own percentiles.
    const tr = run.rows[0].trace!;
    const sorted = tr.crossing.slice().sort();
    expect(t.stats[2].maxUs).toBe(sorted[sorted.length - 1] / 1000);
    expect(t.stats.map((s) => s.leg)).toEqual(['send path', 'queue', 'crossing', 'turnaround', 'crossing back', 'receive path']);
  });

  it('merges pairs into one series per combination', () => {
    const run = synthRun({ count: 100, pairs: 3, sizes: [56], modes: ['flood'], dirs: ['ns1-ns2'] });
    const d = buildReportData(run);
    expect(d.overview[0].series).toHaveLength(1);
    expect(d.overview[0].series[0].n).toBe(300);
    expect(d.rows.map((r) => r.label)).toEqual(['pair 1 ns1-ns2 56 B flood', 'pair 2 ns1-ns2 56 B flood', 'pair 3 ns1-ns2 56 B flood']);
  });
});

describe('the page is self-contained and safe', () => {
  const run = synthRun({ count: 300, sizes: [56] });
  run.params.lab = '</script><script>document.title="pwned"</script>';
  const html = renderReport(run);

  it('inlines uPlot and its CSS; loads nothing', () => {
    const lib = chartLibrary();
    expect(lib.version).toMatch(/^1\.6\./);
    expect(html).toContain(lib.js.slice(0, 200));
    expect(html).toContain(lib.css.slice(0, 100));
    expect(html).not.toMatch(/<script[^>]*\ssrc=/i);
    expect(html).not.toMatch(/<link[^>]*\shref=/i);
    expect(html).not.toMatch(/<(img|iframe|object|embed)\b/i);
    expect(html).not.toMatch(/url\(\s*['"]?(https?:)?\/\//i);
    expect(html).not.toMatch(/\bimport\s*\(/);
  });

  it('escapes what it embeds: a hostile lab name stays text', () => {
    expect(html).not.toContain('<script>document.title');
    expect(html.match(/<script\b/gi)).toHaveLength(4); // error trap, data, uPlot, page
    expect(html.match(/<\/script>/gi)).toHaveLength(4);
    const m = /<script id="bench-data" type="application\/json">([^<]*)<\/script>/.exec(html);
    expect(m).not.toBeNull();
    const data = JSON.parse(m![1]);
    expect(data.title).toBe(`vping bench — lab ${run.params.lab}`);
    expect(jsonForScript({ a: '</script>\u2028' })).toBe('{"a":"\\u003c/script>\\u2028"}');
    expect(scriptText('x="</SCRIPT>"; y="<!--"')).toBe('x="<\\/SCRIPT>"; y="<\\!--"');
  });
});

describe('writing the report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vping-report-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the whole file and leaves no temporary behind', () => {
    const path = join(dir, 'r.html');
    writeReport(path, synthRun({ count: 50, sizes: [56] }));
    expect(readFileSync(path, 'utf8')).toMatch(/^<!DOCTYPE html>[\s\S]*<\/html>\n$/);
    expect(spawnSync('ls', ['-A', dir], { encoding: 'utf8' }).stdout.trim()).toBe('r.html');
  });

  it('refuses an unwritable path with a clear VpingError, before and at writing', () => {
    const missing = join(dir, 'no-such-dir', 'r.html');
    for (const bad of [missing, dir]) {
      let err: unknown;
      try {
        assertReportWritable(bad);
      } catch (e) {
        err = e;
      }
      expect(isVpingError(err), String(err)).toBe(true);
      expect((err as Error).message).toContain(`cannot write the report ${bad}`);
      expect(() => writeReport(bad, synthRun({ count: 10, sizes: [56] }))).toThrow(/cannot write the report/);
    }
    expect((() => { try { assertReportWritable(missing); } catch (e) { return (e as { code: string }).code; } })()).toBe('ENOENT');
    assertReportWritable(join(dir, 'fine.html'));
    expect(existsSync(join(dir, 'fine.html'))).toBe(false);
  });
});

// --- Headless Chromium -------------------------------------------------------------------

const CHROMIUM = ['chromium', '/usr/bin/chromium', 'chromium-browser'].find((c) => spawnSync(c, ['--version']).status === 0);
const inCI = process.env.CI === 'true';
if (!CHROMIUM) {
  if (inCI) throw new Error('CI=true but chromium is missing: the report rendering test may not be skipped');
  process.stderr.write('vping tests: chromium not found, so the HTML report rendering test is SKIPPED (apt install chromium)\n');
}

interface Rendered {
  dom: string;
  stderr: string;
  png?: Buffer;
}

function chromium(url: string, mode: 'dom' | 'png', out: string): Rendered {
  const profile = mkdtempSync(join(tmpdir(), 'vping-chromium-'));
  try {
    const args = [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      // Any attempt to reach the network fails at once (and would show as an error).
      '--host-resolver-rules=MAP * ~NOTFOUND',
      `--user-data-dir=${profile}`, '--enable-logging=stderr', '--v=0',
      '--virtual-time-budget=5000', '--window-size=1400,2400',
      ...(mode === 'dom' ? ['--dump-dom'] : [`--screenshot=${out}`]),
      url,
    ];
    const r = spawnSync(CHROMIUM!, args, { encoding: 'utf8', timeout: 90_000, killSignal: 'SIGKILL', maxBuffer: 64 << 20 });
    if (r.error) throw r.error;
    return { dom: r.stdout, stderr: r.stderr, png: mode === 'png' && existsSync(out) ? readFileSync(out) : undefined };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Attributes of the element with this id in the serialized DOM. */
function element(dom: string, id: string): Record<string, string> | undefined {
  const m = new RegExp(`<([a-z]+)\\b([^>]*\\bid="${id}"[^>]*)>`).exec(dom);
  if (!m) return undefined;
  const attrs: Record<string, string> = { tag: m[1] };
  for (const a of m[2].matchAll(/([\w-]+)="([^"]*)"/g)) attrs[a[1]] = a[2];
  return attrs;
}

/** Console errors and uncaught exceptions as Chromium logs them with --enable-logging. */
function consoleErrors(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /CONSOLE/.test(l) && /(Uncaught|Error|error)/.test(l));
}

function expectDrawn(dom: string, id: string): void {
  const e = element(dom, id);
  expect(e, `#${id} in the page`).toBeDefined();
  expect(e!.class.split(' ')).toContain('chart');
  expect(Number(e!['data-points']), `#${id} data-points`).toBeGreaterThan(0);
  expect(e!['data-drawn'], `#${id} drawn`).toBe('1');
  const [w, h] = (e!['data-canvas'] ?? '0x0').split('x').map(Number);
  expect(w, `#${id} canvas width`).toBeGreaterThan(300);
  expect(h, `#${id} canvas height`).toBeGreaterThan(100);
}

// A directory of this run's own (kept only when VPING_TEST_ARTIFACTS names one to look at):
// a fixed path under /tmp fails when another user made it first.
const KEEP = process.env.VPING_TEST_ARTIFACTS;
const ARTIFACTS = KEEP ?? mkdtempSync(join(tmpdir(), 'vping-bench-report-'));
afterAll(() => {
  if (!KEEP) rmSync(ARTIFACTS, { recursive: true, force: true });
});

(CHROMIUM ? describe : describe.skip)('the report in headless Chromium', () => {
  if (KEEP) mkdirSync(ARTIFACTS, { recursive: true });

  it('draws every chart with no console error, and screenshots', () => {
    const path = join(ARTIFACTS, 'report.html');
    const run = synthRun({ count: 20_000, trace: true, vsPing: true });
    writeReport(path, run);
    const url = `file://${path}`;
    const { dom, stderr } = chromium(url, 'dom', '');
    expect(consoleErrors(stderr)).toEqual([]);
    expect(dom).toMatch(/<html[^>]*\bdata-errors="0"/);
    expect(dom).toMatch(/<body[^>]*\bdata-ready="1"/);
    const ids = ['chart-latency-flood', 'chart-latency-interval', 'chart-latency-row', 'chart-cdf', 'chart-hist-56', 'chart-hist-1472', 'chart-hist-8000', 'chart-trace-0'];
    for (const id of ids) expectDrawn(dom, id);
    expect(dom.match(/<canvas\b/g)?.length).toBeGreaterThanOrEqual(ids.length);
    expect(element(dom, 'chart-trace')).toBeUndefined(); // no placeholder when there is a trace
    expect(dom).toContain('vping beside iputils ping');
    // uPlot's legend lists the series it drew.
    expect(dom).toContain('ns2-ns1 8000 B interval');

    const shot = join(ARTIFACTS, 'report.png');
    rmSync(shot, { force: true });
    const r = chromium(url, 'png', shot);
    expect(consoleErrors(r.stderr)).toEqual([]);
    const png = r.png!;
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    // IHDR: width and height, big-endian, at bytes 16 and 20.
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1400, 2400]);
    expect(png.length).toBeGreaterThan(100_000); // charts, not a blank page
    process.stdout.write(`bench report screenshot: ${shot}\n`);
  });

  it('shows the trace placeholder when the run has no trace', () => {
    const path = join(ARTIFACTS, 'report-no-trace.html');
    writeReport(path, synthRun({ count: 1000, sizes: [56], modes: ['flood'], pairs: 3 }));
    const { dom, stderr } = chromium(`file://${path}`, 'dom', '');
    expect(consoleErrors(stderr)).toEqual([]);
    expect(dom).toMatch(/<html[^>]*\bdata-errors="0"/);
    const p = element(dom, 'chart-trace');
    expect(p?.class).toContain('placeholder');
    expect(p?.['data-points']).toBe('0');
    for (const id of ['chart-latency-flood', 'chart-latency-row', 'chart-cdf', 'chart-hist-56']) expectDrawn(dom, id);
    expect(element(dom, 'chart-latency-interval')).toBeUndefined();
  });

  it('the judge can fail: a page whose chart library is broken is caught', () => {
    const good = renderReport(synthRun({ count: 200, sizes: [56] }));
    const path = join(ARTIFACTS, 'report-broken.html');
    writeFileSync(path, good.replace(/new uPlot\(opts, d, el\)/, 'new uPIot(opts, d, el)'));
    const { dom, stderr } = chromium(`file://${path}`, 'dom', '');
    expect(consoleErrors(stderr).join('\n')).toMatch(/Uncaught ReferenceError: uPIot is not defined/);
    expect(dom).toMatch(/<html[^>]*\bdata-errors="[1-9]/);
    expect(element(dom, 'chart-cdf')?.['data-drawn']).toBeUndefined();
    expect(dom).not.toMatch(/<body[^>]*\bdata-ready="1"/);
  });
});
