// `vping bench --prom FILE`: the run's summary in the Prometheus text exposition format
// (version 0.0.4), for the node_exporter textfile collector or any scraper of a periodic
// bench. One family per metric, HELP and TYPE first, samples grouped; no timestamps (the
// textfile collector refuses them). Total rows over pairs are left out on purpose: sum() by
// pair would count them twice; aggregate per-pair series in PromQL instead.
import { SEGMENTS, type BenchRun } from './model.js';
import { QUANTILES, shownQuantiles, summarizeRow, type Distribution, type RowSummary } from './summary.js';

export const PROM_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = readonly (readonly [string, string])[];

/** Label value escaping: backslash, double quote and line feed. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text escaping: backslash and line feed. */
export function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A sample value as Go's ParseFloat reads it: NaN, +Inf, -Inf, or the shortest round-trip decimal. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

const seconds = (ns: number): number => ns / 1e9;

class Family {
  readonly lines: string[] = [];
  constructor(
    readonly name: string,
    readonly type: 'counter' | 'gauge' | 'summary',
    readonly help: string,
  ) {}
  sample(labels: Labels, value: number, suffix = ''): void {
    const l = labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',');
    this.lines.push(`${this.name}${suffix}${l ? `{${l}}` : ''} ${formatValue(value)}`);
  }
  /**
   * A summary's quantiles, _sum and _count (the samples they rest on). A quantile without a
   * sample beyond it (p99.9 below 1,000 samples) is NaN, as client libraries give without data.
   */
  summary(labels: Labels, d: Distribution | null): void {
    const q = d ? shownQuantiles(d).map(([, v]) => (v === null ? NaN : v)) : [NaN, NaN, NaN, NaN];
    QUANTILES.forEach((p, i) => this.sample([['quantile', String(p)], ...labels], seconds(q[i])));
    this.sample(labels, d ? seconds(d.sumNs) : 0, '_sum');
    this.sample(labels, d ? d.count : 0, '_count');
  }
  text(): string {
    if (!this.lines.length) return '';
    return `# HELP ${this.name} ${escapeHelp(this.help)}\n# TYPE ${this.name} ${this.type}\n${this.lines.join('\n')}\n`;
  }
}

function rowLabels(r: RowSummary): Labels {
  return [
    ['pair', String(r.pair)],
    ['dir', r.dir],
    ['size', String(r.size)],
    ['mode', r.mode],
    ['clock', r.clock],
  ];
}

/** The run as Prometheus text; `rows` defaults to summarizing every row of the run. */
export function formatPrometheus(run: BenchRun, rows: readonly RowSummary[] = run.rows.map(summarizeRow)): string {
  const f = {
    info: new Family('vping_bench_info', 'gauge', 'The bench run: lab, host and kernel (value always 1).'),
    start: new Family('vping_bench_start_timestamp_seconds', 'gauge', 'Wall-clock start of the bench run, seconds since the Unix epoch.'),
    interrupted: new Family('vping_bench_interrupted', 'gauge', '1 when the run was stopped (SIGINT/SIGTERM) before its sweep ended: the rows are those measured until then; else 0.'),
    rtt: new Family(
      'vping_rtt_seconds',
      'summary',
      "Round-trip time of ICMP echoes across the veth pair over the span the clock label names (ping: user send to kernel RX stamp, as iputils ping; sched: qdisc entry to RX; kernel: device to RX; hrtime: user send to user receive); _count is the samples, quantiles by sockperf's rule (int)(0.5 + p*N) - 1 on the sorted samples, NaN with no sample beyond them.",
    ),
    min: new Family('vping_rtt_min_seconds', 'gauge', 'Smallest round-trip time of the row.'),
    max: new Family('vping_rtt_max_seconds', 'gauge', 'Largest round-trip time of the row.'),
    mdev: new Family('vping_rtt_mdev_seconds', 'gauge', "Mean deviation of the round-trip time by iputils ping's formula (whole microseconds)."),
    sent: new Family('vping_echo_sent_total', 'counter', 'Echo requests sent, warm-up excluded.'),
    received: new Family('vping_echo_received_total', 'counter', 'Distinct echo replies received.'),
    dups: new Family('vping_echo_duplicates_total', 'counter', 'Duplicate echo replies received.'),
    loss: new Family('vping_echo_loss_ratio', 'gauge', 'Fraction of echo requests without a reply, 0 to 1.'),
    rate: new Family('vping_echo_per_second', 'gauge', 'Echo replies per second over the row.'),
    duration: new Family('vping_bench_duration_seconds', 'gauge', 'Measurement window of the row, warm-up excluded.'),
    pingRtt: new Family('vping_ping_rtt_seconds', 'gauge', 'What iputils ping printed for the same row: min, avg, max and mdev (whole microseconds).'),
    pingSent: new Family('vping_ping_echo_sent_total', 'counter', 'Echo requests iputils ping sent for the same row.'),
    pingReceived: new Family('vping_ping_echo_received_total', 'counter', 'Echo replies iputils ping received for the same row.'),
    pingRate: new Family('vping_ping_echo_per_second', 'gauge', "iputils ping's replies per second of its own run time."),
    segment: new Family(
      'vping_trace_segment_seconds',
      'summary',
      'Time of each leg of an echo across the pair (send path, queue, crossing, turnaround, crossing back, receive path), from captures at both ends.',
    ),
  };
  f.info.sample(
    [
      ['lab', run.params.lab],
      ['host', run.host.hostname],
      ['kernel', run.host.kernel],
      ['node', run.host.node],
      ['pairs', String(run.params.pairs)],
    ],
    1,
  );
  const started = Date.parse(run.startedAt);
  if (Number.isFinite(started)) f.start.sample([], started / 1000);
  f.interrupted.sample([], run.interrupted ? 1 : 0);
  for (const r of rows) {
    const L = rowLabels(r);
    f.rtt.summary(L, r.rtt);
    if (r.rtt) {
      f.min.sample(L, seconds(r.rtt.minNs));
      f.max.sample(L, seconds(r.rtt.maxNs));
      f.mdev.sample(L, r.rtt.iputils.mdevUs / 1e6);
    }
    f.sent.sample(L, r.sent);
    f.received.sample(L, r.received);
    f.dups.sample(L, r.duplicates);
    f.loss.sample(L, r.sent > 0 ? (r.sent - r.received) / r.sent : 0);
    f.rate.sample(L, r.echoPerSec);
    f.duration.sample(L, seconds(r.durationNs));
    if (r.peer) {
      if (r.peer.rtt) {
        const p = r.peer.rtt;
        for (const [stat, us] of [['min', p.minUs], ['avg', p.avgUs], ['max', p.maxUs], ['mdev', p.mdevUs]] as const) {
          f.pingRtt.sample([...L, ['stat', stat]], us / 1e6);
        }
      }
      f.pingSent.sample(L, r.peer.transmitted);
      f.pingReceived.sample(L, r.peer.received);
      f.pingRate.sample(L, r.peer.echoPerSec);
    }
    if (r.trace) {
      for (const s of SEGMENTS) f.segment.summary([...L, ['segment', s.name]], r.trace[s.name]);
    }
  }
  return Object.values(f)
    .map((x) => x.text())
    .join('');
}
