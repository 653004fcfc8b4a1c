// `vping bench --json`: the run's summary as one JSON document (every figure the table shows,
// in integer ns and exact counts), optionally with the raw samples.
import { SEGMENTS, type BenchRun } from './model.js';
import { summarizeRow, summarizeTotals, type RowSummary } from './summary.js';

export interface BenchJson {
  schema: 'vping.bench.summary/1';
  startedAt: string;
  host: BenchRun['host'];
  params: BenchRun['params'];
  /** Percentile rule and mdev formula, so that a reader knows what the numbers mean. */
  method: { percentiles: string; mdev: string; units: string };
  rows: (RowSummary & { samples?: { rttNs: number[]; atNs: number[] }; traceSamples?: Record<string, number[]> })[];
  totals: RowSummary[];
  /** The run was stopped (SIGINT/SIGTERM) before its sweep ended; rows cut short say `interrupted` too. */
  interrupted: boolean;
  /** The process's peak resident size over the run, bytes. */
  peakRssBytes?: number;
}

export function benchJson(run: BenchRun, opts: { samples?: boolean } = {}): BenchJson {
  return {
    schema: 'vping.bench.summary/1',
    startedAt: run.startedAt,
    host: run.host,
    params: run.params,
    method: {
      percentiles: 'sockperf: sorted[(int)(0.5 + p*N) - 1]',
      mdev: 'iputils ping: integer-µs sums, truncated variance, llsqrt',
      units: 'times in integer ns (*Ns) or integer µs (*Us); echoPerSec per second; lossPercent 0..100',
    },
    rows: run.rows.map((r) => {
      const s: BenchJson['rows'][number] = summarizeRow(r);
      if (opts.samples) {
        s.samples = { rttNs: Array.from(r.rttNs), atNs: Array.from(r.atNs) };
        if (r.trace) {
          const t = r.trace;
          s.traceSamples = { seq: Array.from(t.seq), atNs: Array.from(t.atNs) };
          for (const g of SEGMENTS) s.traceSamples[g.name] = Array.from(t[g.name]);
        }
      }
      return s;
    }),
    totals: summarizeTotals(run.rows),
    interrupted: run.interrupted ?? false,
    ...(run.peakRssBytes !== undefined ? { peakRssBytes: run.peakRssBytes } : {}),
  };
}
