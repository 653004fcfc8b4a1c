// `vping bench --prom FILE`: the run's summary in the Prometheus text exposition format
// (version 0.0.4), for the node_exporter textfile collector or any scraper of a periodic
// bench, written by prom-client (the exporter's library too). One family per metric, HELP and
// TYPE first, samples grouped; no timestamps (the textfile collector refuses them); a
// family without samples is left out. Total rows over pairs are left out on purpose: sum()
// by pair would count them twice; aggregate per-pair series in PromQL instead.
import { Counter, Gauge, Registry, Summary, type MetricType } from 'prom-client';
import { SEGMENTS, type BenchRun } from './model.js';
import { QUANTILES, shownQuantiles, summarizeRow, type Distribution, type RowSummary } from './summary.js';

export const PROM_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

type Labels = readonly (readonly [string, string])[];
type LabelObject = Record<string, string>;

const seconds = (ns: number): number => ns / 1e9;
// prom-client declares MetricType as an enum its JavaScript does not export: at run time the
// type of a metric is the string the exposition prints
const SUMMARY = 'summary' as unknown as MetricType;
const obj = (l: Labels): LabelObject => Object.fromEntries(l);

/**
 * A summary whose quantiles were computed here (by sockperf's rule on the sorted samples),
 * not by prom-client's streaming estimate: it keeps them as given and hands them to the
 * registry as a summary's samples.
 */
class FixedSummary extends Summary {
  readonly #values: { labels: LabelObject; value: number; metricName: string }[] = [];
  constructor(readonly metricName: string, readonly helpText: string) {
    super({ name: metricName, help: helpText, registers: [] });
  }
  get size(): number {
    return this.#values.length;
  }
  /**
   * A distribution's quantiles, _sum and _count (the samples they rest on). A quantile without
   * a sample beyond it (p99.9 below 1,000 samples) is NaN, as client libraries give without data.
   */
  add(labels: Labels, d: Distribution | null): void {
    const q = d ? shownQuantiles(d).map(([, v]) => (v === null ? NaN : v)) : [NaN, NaN, NaN, NaN];
    QUANTILES.forEach((p, i) => this.#values.push({ labels: obj([['quantile', String(p)], ...labels]), value: seconds(q[i]), metricName: this.metricName }));
    this.#values.push({ labels: obj(labels), value: d ? seconds(d.sumNs) : 0, metricName: `${this.metricName}_sum` });
    this.#values.push({ labels: obj(labels), value: d ? d.count : 0, metricName: `${this.metricName}_count` });
  }
  override async get(): ReturnType<Summary['get']> {
    return { name: this.metricName, help: this.helpText, type: SUMMARY, aggregator: 'sum', collect: () => undefined, values: this.#values };
  }
}

/** A gauge or counter that knows whether it was given a sample (empty families are left out). */
class Family {
  readonly metric: Gauge | Counter;
  size = 0;
  constructor(name: string, type: 'counter' | 'gauge', help: string, labelNames: readonly string[] = ROW_LABELS) {
    this.metric = type === 'counter' ? new Counter({ name, help, labelNames, registers: [] }) : new Gauge({ name, help, labelNames, registers: [] });
  }
  sample(labels: Labels, value: number): void {
    this.size++;
    if (this.metric instanceof Counter) this.metric.inc(obj(labels), value);
    else this.metric.set(obj(labels), value);
  }
}

/** The labels of a row's series. */
const ROW_LABELS = ['pair', 'dir', 'size', 'mode', 'clock'] as const;

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
export async function formatPrometheus(run: BenchRun, rows: readonly RowSummary[] = run.rows.map(summarizeRow)): Promise<string> {
  const f = {
    info: new Family('vping_bench_info', 'gauge', 'The bench run: lab, host and kernel (value always 1).', ['lab', 'host', 'kernel', 'node', 'pairs']),
    start: new Family('vping_bench_start_timestamp_seconds', 'gauge', 'Wall-clock start of the bench run, seconds since the Unix epoch.', []),
    interrupted: new Family('vping_bench_interrupted', 'gauge', '1 when the run was stopped (SIGINT/SIGTERM) before its sweep ended: the rows are those measured until then; else 0.', []),
    rtt: new FixedSummary(
      'vping_rtt_seconds',
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
    pingRtt: new Family('vping_ping_rtt_seconds', 'gauge', 'What iputils ping printed for the same row: min, avg, max and mdev (whole microseconds).', [...ROW_LABELS, 'stat']),
    pingSent: new Family('vping_ping_echo_sent_total', 'counter', 'Echo requests iputils ping sent for the same row.'),
    pingReceived: new Family('vping_ping_echo_received_total', 'counter', 'Echo replies iputils ping received for the same row.'),
    pingRate: new Family('vping_ping_echo_per_second', 'gauge', "iputils ping's replies per second of its own run time."),
    segment: new FixedSummary(
      'vping_trace_segment_seconds',
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
    f.rtt.add(L, r.rtt);
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
      for (const s of SEGMENTS) f.segment.add([...L, ['segment', s.name]], r.trace[s.name]);
    }
  }
  const registry = new Registry();
  for (const x of Object.values(f)) {
    if (x.size === 0) continue;
    registry.registerMetric(x instanceof FixedSummary ? x : x.metric);
  }
  return registry.metrics();
}
