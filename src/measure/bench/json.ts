// `vping bench --json`: the run's summary (every figure the table shows, in integer ns and exact
// counts), optionally with the raw samples. The CLI prints it as the document vping.bench/2
// (snake_case keys, the unit in each key; see docs/json.md).
import { SEGMENTS, type BenchRun } from './model.js';
import { summarizeRow, summarizeTotals, type RowSummary } from './summary.js';

export interface BenchJson {
  startedAt: string;
  host: BenchRun['host'];
  params: BenchRun['params'];
  /** Percentile rule and mdev formula, so that a reader knows what the numbers mean. */
  method: { percentiles: string; mdev: string; units: string };
  /** With `samples`: each row's RTTs and send instants, and its traced legs (seq, atNs, then each leg's ns as `<leg>Ns`). */
  rows: (RowSummary & { samples?: { rttNs: number[]; atNs: number[] }; traceSamples?: Record<string, number[]> })[];
  totals: RowSummary[];
  /** The run was stopped (SIGINT/SIGTERM) before its sweep ended; rows cut short say `interrupted` too. */
  interrupted: boolean;
  /** The process's peak resident size over the run, bytes. */
  peakRssBytes?: number;
}

export function benchJson(run: BenchRun, opts: { samples?: boolean } = {}): BenchJson {
  return {
    startedAt: run.startedAt,
    host: run.host,
    params: run.params,
    method: {
      percentiles: 'sockperf: sorted[(int)(0.5 + p*N) - 1]',
      mdev: 'iputils ping: integer-µs sums, truncated variance, llsqrt',
      units: 'the unit ends the key: integer ns (_ns), integer µs (_us), ms (_ms), bytes (_bytes), per second (_per_s), percent 0..100 (_percent)',
    },
    rows: run.rows.map((r) => {
      const s: BenchJson['rows'][number] = summarizeRow(r);
      if (opts.samples) {
        s.samples = { rttNs: Array.from(r.rttNs), atNs: Array.from(r.atNs) };
        if (r.trace) {
          const t = r.trace;
          s.traceSamples = { seq: Array.from(t.seq), atNs: Array.from(t.atNs) };
          for (const g of SEGMENTS) s.traceSamples[`${g.name}Ns`] = Array.from(t[g.name]);
        }
      }
      return s;
    }),
    totals: summarizeTotals(run.rows),
    interrupted: run.interrupted ?? false,
    ...(run.peakRssBytes !== undefined ? { peakRssBytes: run.peakRssBytes } : {}),
  };
}
