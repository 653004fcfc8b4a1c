import { beforeAll, describe, expect, it } from 'vitest';
import { BENCH_SCHEMA, type BenchRow, type BenchRun } from '../../src/measure/bench/model.js';
import { formatPrometheus } from '../../src/measure/bench/prom.js';

// A small, independent reader of the Prometheus text format (0.0.4), strict where promtool's
// `check metrics` is: it throws on the first line that breaks a rule.
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
interface Parsed {
  types: Map<string, string>;
  help: Map<string, string>;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function parseValue(s: string): number {
  // Prometheus reads values with Go's strconv.ParseFloat: NaN and Inf in any case (prom-client
  // writes "Nan")
  if (/^nan$/i.test(s)) return NaN;
  if (/^\+?inf(inity)?$/i.test(s)) return Infinity;
  if (/^-inf(inity)?$/i.test(s)) return -Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) throw new Error(`bad value ${JSON.stringify(s)}`);
  return Number(s);
}

function parseLabels(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < s.length) {
    const eq = s.indexOf('=', i);
    if (eq < 0) throw new Error(`label without = in ${s}`);
    const k = s.slice(i, eq);
    if (!LABEL.test(k) || k.startsWith('__')) throw new Error(`bad label name ${k}`);
    if (k in out) throw new Error(`label ${k} twice`);
    if (s[eq + 1] !== '"') throw new Error(`unquoted value for ${k}`);
    let j = eq + 2;
    let v = '';
    for (;;) {
      const c = s[j];
      if (c === undefined) throw new Error(`unterminated value for ${k}`);
      if (c === '"') break;
      if (c === '\n') throw new Error('raw newline in a label value');
      if (c === '\\') {
        const e = s[j + 1];
        if (e === '\\') v += '\\';
        else if (e === '"') v += '"';
        else if (e === 'n') v += '\n';
        else throw new Error(`bad escape \\${e}`);
        j += 2;
      } else {
        v += c;
        j++;
      }
    }
    out[k] = v;
    i = j + 1;
    if (i < s.length) {
      if (s[i] !== ',') throw new Error(`expected , at ${s.slice(i)}`);
      i++;
    }
  }
  return out;
}

/** The family a sample belongs to: summaries own name, name_sum and name_count. */
function familyOf(name: string, types: Map<string, string>): string {
  for (const suf of ['_sum', '_count']) {
    if (name.endsWith(suf)) {
      const base = name.slice(0, -suf.length);
      if (types.get(base) === 'summary' || types.get(base) === 'histogram') return base;
    }
  }
  return name;
}

function parseProm(text: string): Parsed {
  if (!text.endsWith('\n')) throw new Error('the text must end with a line feed');
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  const samples: Sample[] = [];
  const seenSeries = new Set<string>();
  const closedFamilies = new Set<string>();
  let current: string | undefined;
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue; // the format ignores empty lines (prom-client puts one between families)
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
      if (!m) continue; // other comments are allowed
      const [, kind, name, rest] = m;
      if (!NAME.test(name)) throw new Error(`bad metric name ${name}`);
      if (closedFamilies.has(name) || (current !== name && samples.some((s) => familyOf(s.name, types) === name))) {
        throw new Error(`${kind} for ${name} after its samples`);
      }
      if (kind === 'HELP') {
        if (help.has(name)) throw new Error(`second HELP for ${name}`);
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ''))) throw new Error(`bad escape in HELP ${name}`);
        help.set(name, rest.replace(/\\n/g, '\n').replace(/\\\\/g, '\\'));
      } else {
        if (types.has(name)) throw new Error(`second TYPE for ${name}`);
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) throw new Error(`bad type ${rest}`);
        types.set(name, rest);
      }
      if (current !== name) {
        if (current) closedFamilies.add(current);
        current = name;
      }
      continue;
    }
    const m = /^([^{\s]+)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/.exec(line);
    if (!m) throw new Error(`bad sample line ${line}`);
    const [, name, labelText, valueText, ts] = m;
    if (!NAME.test(name)) throw new Error(`bad metric name ${name}`);
    if (ts !== undefined) throw new Error('timestamps are not wanted (textfile collector)');
    const labels = labelText ? parseLabels(labelText) : {};
    const fam = familyOf(name, types);
    if (!types.has(fam)) throw new Error(`sample ${name} before its TYPE`);
    if (fam !== current) {
      if (closedFamilies.has(fam)) throw new Error(`family ${fam} is not contiguous`);
      if (current) closedFamilies.add(current);
      current = fam;
    }
    const type = types.get(fam)!;
    const value = parseValue(valueText);
    if (type === 'summary') {
      if (name === fam) {
        if (!('quantile' in labels)) throw new Error(`${name} without quantile`);
        const q = parseValue(labels.quantile);
        if (!(q >= 0 && q <= 1)) throw new Error(`quantile ${labels.quantile} out of [0, 1]`);
      } else if ('quantile' in labels) throw new Error(`${name} must not carry quantile`);
    } else if ('quantile' in labels) throw new Error(`quantile label on a ${type}`);
    if (type === 'counter') {
      if (!name.endsWith('_total')) throw new Error(`counter ${name} should end in _total`);
      if (!(value >= 0)) throw new Error(`counter ${name} is ${value}`);
    }
    const key = `${name}{${Object.entries(labels).sort().map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
    if (seenSeries.has(key)) throw new Error(`duplicate series ${key}`);
    seenSeries.add(key);
    samples.push({ name, labels, value });
  }
  // Each summary series needs its _sum and _count.
  for (const [fam, type] of types) {
    if (type !== 'summary') continue;
    const sets = new Set(
      samples.filter((s) => s.name === fam).map((s) => JSON.stringify(Object.entries(s.labels).filter(([k]) => k !== 'quantile').sort())),
    );
    for (const set of sets) {
      for (const suf of ['_sum', '_count']) {
        if (!samples.some((s) => s.name === fam + suf && JSON.stringify(Object.entries(s.labels).sort()) === set)) {
          throw new Error(`${fam}${suf} missing for ${set}`);
        }
      }
    }
  }
  return { types, help, samples };
}

const f64 = (xs: number[]): Float64Array => Float64Array.from(xs);

function row(over: Partial<BenchRow> & { rttNs: Float64Array }): BenchRow {
  const n = over.rttNs.length;
  return {
    pair: 1, dir: 'ns1-ns2', size: 56, mode: 'interval', clock: 'kernel', intervalMs: 10,
    sent: n, received: n, duplicates: 0, durationNs: 2e9, atNs: new Float64Array(n), ...over,
  };
}

function run(rows: BenchRow[], lab = 'seed'): BenchRun {
  return {
    schema: BENCH_SCHEMA,
    startedAt: '2025-01-02T03:04:05.678Z',
    epochNs: 0,
    host: { hostname: 'box', kernel: '6.18.0', node: 'v20.20.2', cpus: 2 },
    params: { lab, pairs: 1, sizes: [56], modes: ['interval'], dirs: ['ns1-ns2'], count: 10, warmup: 0, intervalMs: 10, vsPing: false },
    rows,
  };
}

const find = (p: Parsed, name: string, labels: Record<string, string>): Sample[] =>
  p.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

describe('the independent reader catches what it should', () => {
  it.each([
    ['no final line feed', '# TYPE a gauge\na 1'],
    ['sample before TYPE', 'a 1\n'],
    ['split family', '# TYPE a gauge\na{x="1"} 1\n# TYPE b gauge\nb 1\na{x="2"} 1\n'],
    ['duplicate series', '# TYPE a gauge\na{x="1"} 1\na{x="1"} 2\n'],
    ['bad escape', '# TYPE a gauge\na{x="\\t"} 1\n'],
    ['counter without _total', '# TYPE a counter\na 1\n'],
    ['summary without _count', '# TYPE a summary\na{quantile="0.5"} 1\na_sum 1\n'],
    ['quantile out of range', '# TYPE a summary\na{quantile="50"} 1\na_sum 1\na_count 1\n'],
    ['bad value', '# TYPE a gauge\na 1,5\n'],
    ['timestamp', '# TYPE a gauge\na 1 1700000000000\n'],
  ])('%s', (_what, text) => {
    expect(() => parseProm(text)).toThrow();
  });
  it('reads a good one', () => {
    const p = parseProm('# HELP a x\\ny\n# TYPE a summary\na{quantile="0.5",l="q\\"\\\\"} NaN\na_sum{l="q\\"\\\\"} 0\na_count{l="q\\"\\\\"} 0\n');
    expect(p.help.get('a')).toBe('x\ny');
    expect(p.samples[0].labels.l).toBe('q"\\');
  });
});

describe('Prometheus text of a bench run', () => {
  const a = row({ rttNs: f64([2345, 1999, 5001, 3000]), sent: 5, received: 4 });
  const b = row({
    pair: 2,
    dir: 'ns2-ns1',
    size: 1472,
    mode: 'flood',
    intervalMs: 0,
    rttNs: f64([10_000]),
    durationNs: 5e5,
    peer: { tool: 'ping', transmitted: 1, received: 1, duplicates: 0, timeMs: 1, rtt: { minUs: 9, avgUs: 9, maxUs: 9, mdevUs: 0 } },
    trace: {
      seq: Uint16Array.from([1]),
      atNs: f64([0]),
      sendPath: f64([1000]),
      queue: f64([300]),
      crossing: f64([700]),
      turnaround: f64([2000]),
      crossingBack: f64([800]),
      receivePath: f64([5500]),
    },
  });
  const none = row({ pair: 3, rttNs: f64([]), sent: 4, received: 0 });
  let text = '';
  let p: Parsed;
  beforeAll(async () => {
    text = await formatPrometheus(run([a, b, none], 'lab "x"\\y'));
    p = parseProm(text);
  });

  it('passes the reader: HELP and TYPE first, families contiguous, summaries complete', () => {
    expect(p.types.get('vping_rtt_seconds')).toBe('summary');
    expect(p.types.get('vping_echo_sent_total')).toBe('counter');
    expect(p.types.get('vping_echo_per_second')).toBe('gauge');
    for (const name of p.types.keys()) expect(p.help.has(name), name).toBe(true);
  });

  it('says the quantiles of each row in seconds, by sockperf index', () => {
    const L = { pair: '1', dir: 'ns1-ns2', size: '56', mode: 'interval', clock: 'kernel' };
    const q = (x: string) => find(p, 'vping_rtt_seconds', { ...L, quantile: x })[0].value;
    // Sorted 1999 2345 3000 5001 ns: p50 index 1; with 4 samples no sample lies beyond p90 and
    // up, so those are NaN (the count says why)
    expect(q('0.5')).toBe(2.345e-6);
    expect(q('0.9')).toBeNaN();
    expect(q('0.99')).toBeNaN();
    expect(q('0.999')).toBeNaN();
    expect(find(p, 'vping_rtt_seconds_sum', L)[0].value).toBeCloseTo(12345e-9, 15);
    expect(find(p, 'vping_rtt_seconds_count', L)[0].value).toBe(4);
    expect(find(p, 'vping_echo_sent_total', L)[0].value).toBe(5);
    expect(find(p, 'vping_echo_received_total', L)[0].value).toBe(4);
    expect(find(p, 'vping_echo_loss_ratio', L)[0].value).toBe(0.2);
    expect(find(p, 'vping_echo_per_second', L)[0].value).toBe(2);
    expect(find(p, 'vping_rtt_min_seconds', L)[0].value).toBe(1.999e-6);
    expect(find(p, 'vping_rtt_mdev_seconds', L)[0].value).toBe(1e-6);
  });

  it('carries ping figures and trace legs when present', () => {
    const L = { pair: '2', dir: 'ns2-ns1', size: '1472', mode: 'flood' };
    expect(find(p, 'vping_ping_rtt_seconds', { ...L, stat: 'avg' })[0].value).toBe(9e-6);
    expect(find(p, 'vping_ping_echo_per_second', L)[0].value).toBe(1000);
    // one sample: its sum, and no quantile (no sample beyond even the median)
    expect(find(p, 'vping_trace_segment_seconds_sum', { ...L, segment: 'crossing' })[0].value).toBe(7e-7);
    expect(find(p, 'vping_trace_segment_seconds', { ...L, segment: 'crossing', quantile: '0.5' })[0].value).toBeNaN();
    expect(find(p, 'vping_trace_segment_seconds_count', { ...L, segment: 'receivePath' })[0].value).toBe(1);
    expect(find(p, 'vping_ping_rtt_seconds', { pair: '1' })).toEqual([]);
  });

  it('gives NaN quantiles and zero count to a row without replies, and no min/max', () => {
    expect(find(p, 'vping_rtt_seconds', { pair: '3', quantile: '0.5' })[0].value).toBeNaN();
    expect(find(p, 'vping_rtt_seconds_count', { pair: '3' })[0].value).toBe(0);
    expect(find(p, 'vping_rtt_min_seconds', { pair: '3' })).toEqual([]);
    expect(find(p, 'vping_echo_loss_ratio', { pair: '3' })[0].value).toBe(1);
  });

  it('escapes label values and names the run', () => {
    expect(text).toContain('lab="lab \\"x\\"\\\\y"');
    expect(find(p, 'vping_bench_info', {})[0].labels).toMatchObject({ lab: 'lab "x"\\y', host: 'box', kernel: '6.18.0' });
    expect(find(p, 'vping_bench_start_timestamp_seconds', {})[0].value).toBe(1735787045.678);
  });

  it('leaves out the families without samples (no --vs-ping figures when ping did not run)', async () => {
    const t = await formatPrometheus(run([row({ pair: 1, rttNs: f64([1000]), sent: 1, received: 1 })], 'l'));
    expect(t).not.toContain('vping_ping_');
    expect(t).not.toContain('vping_trace_segment_seconds');
    expect(t).toContain('# TYPE vping_rtt_seconds summary');
  });
});
