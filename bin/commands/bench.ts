// `vping bench`: latency across the lab's veth pairs in both directions, over payload sizes
// and modes, with warm-up; a table (or JSON), and on request an HTML report, Prometheus
// text, and iputils ping's figures beside vping's.
import type { Command } from 'commander';
import { writeFileSync, renameSync, unlinkSync } from 'node:fs';
import { UsageError, VpingError, asErrorCode } from '../../src/sys/errors.js';
import { resolveLab, type LabSpec } from '../../src/lab/spec.js';
import { readyLab, type ReadyLab } from '../../src/lab/lab.js';
import { pathLab } from '../../src/lab/topology.js';
import { DIRECTIONS, MODES, type BenchMode, type Direction } from '../../src/measure/bench/model.js';
import { BENCH_DEFAULTS, checkBenchOptions, runBench, type BenchOptions, type BenchProgress } from '../../src/measure/bench/run.js';
import { summarizeRow, summarizeTotals } from '../../src/measure/bench/summary.js';
import { formatBenchTable, formatVsPingTable } from '../../src/measure/bench/table.js';
import { benchJson } from '../../src/measure/bench/json.js';
import { formatPrometheus } from '../../src/measure/bench/prom.js';
import { assertReportWritable, writeReport } from '../../src/measure/bench/html.js';
import { assertPeerPing } from '../../src/measure/bench/peer.js';
import { traceBenchRows } from '../../src/measure/trace/run.js';
import { action, requireRoot } from '../run.js';
import { printDoc, SCHEMA } from '../json.js';
import { labInput, topologyOf, withLabOptions, withTopologyOptions, type LabCliOptions, type TopologyCliOptions } from '../lab-options.js';
import { CLOCK_HELP, int, list, parseClock, seconds } from '../args.js';
import { onInterrupt } from '../interrupt.js';

interface BenchCliOptions extends LabCliOptions, TopologyCliOptions {
  from?: string;
  to?: string;
  sizes: string;
  modes: string;
  dirs: string;
  count: string;
  warmup: string;
  interval: string;
  clock: string;
  timeout: string;
  window: string;
  txStampEvery?: string;
  vsPing?: boolean;
  report?: string;
  prom?: string;
  samples?: boolean;
  progress?: boolean;
  trace?: string;
  json?: boolean;
}


/** The options, parsed and checked at the edge; the lab resolved once (inspected later, once), or a topology's path. */
function benchOptions(o: BenchCliOptions, path: ReadyLab | null): BenchOptions & { lab: LabSpec } {
  const spec = path ? path.spec : resolveLab(labInput(o));
  const dirs = list('--dirs', o.dirs).map((d) => (d === 'both' ? DIRECTIONS : [d])).flat() as Direction[];
  const modes = list('--modes', o.modes).map((m) => (m === 'both' ? MODES : [m])).flat() as BenchMode[];
  const opts: BenchOptions & { lab: LabSpec } = {
    lab: spec,
    sizes: list('--sizes', o.sizes).map((s) => int('--sizes', s)),
    modes: [...new Set(modes)],
    dirs: [...new Set(dirs)],
    count: int('--count', o.count),
    warmup: int('--warmup', o.warmup),
    intervalMs: seconds('--interval', o.interval) * 1000,
    clock: parseClock(o.clock),
    timeoutS: seconds('--timeout', o.timeout),
    window: int('--window', o.window),
    txStampEvery: o.txStampEvery === undefined ? undefined : int('--tx-stamp-every', o.txStampEvery),
    vsPing: o.vsPing ?? false,
  };
  checkBenchOptions(opts, spec.addrs[0].includes(':') ? 6 : 4);
  return opts;
}

/** A path that the run will write: checked before the bench starts. */
function writableOrFail(path: string | undefined, what: string): void {
  if (path !== undefined) assertReportWritable(path, what);
}

function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.vping-tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing was written
    }
    throw new VpingError(asErrorCode((e as NodeJS.ErrnoException).code), `cannot write ${path}: ${(e as Error).message}`);
  }
}

function progressLine(p: BenchProgress): string {
  const what = `${p.key.dir} ${p.key.size} B ${p.key.mode}${p.pairs > 1 ? ` ×${p.pairs} pairs` : ''}`;
  const tail = p.phase === 'vping' ? `${p.received}/${p.expected} replies` : 'iputils ping';
  return `[${p.step}/${p.steps}] ${what}: ${tail}`;
}

/** The table's last word on a stopped run: how many rows, and which were cut short. */
export function interruptedNote(measured: number, cut: readonly { pair: number | 'all'; dir: string; size: number; mode: string }[]): string {
  const which = cut.length ? `; cut short (figures up to the stop): ${cut.map((r) => `${r.pair} ${r.dir} ${r.size} ${r.mode}`).join(', ')}` : '';
  return `interrupted: ${measured} row${measured === 1 ? '' : 's'} measured before the stop${which}`;
}

export function register(program: Command): void {
  withTopologyOptions(withLabOptions(
    program
      .command('bench')
      .description('latency across the lab (vping lab up first), or across a topology between two namespaces (--shape chain, --topology FILE): both directions, payload sizes, interval and flood, with warm-up; percentiles, mdev, loss, echo/s'),
  ))
    .option('--from <ns>', 'topology: one end (default: its first namespace)')
    .option('--to <ns>', 'topology: the other end (default: its last namespace)')
    .option('--sizes <list>', 'payload sizes in bytes, comma-separated', BENCH_DEFAULTS.sizes.join(','))
    .option('--modes <list>', 'interval, flood or both', BENCH_DEFAULTS.modes.join(','))
    .option('--dirs <list>', 'ns1-ns2, ns2-ns1 or both', BENCH_DEFAULTS.dirs.join(','))
    .option('-c, --count <n>', 'echoes measured per row and pair', String(BENCH_DEFAULTS.count))
    .option('--warmup <n>', 'echoes sent and not counted before each row', String(BENCH_DEFAULTS.warmup))
    .option('-i, --interval <s>', 'seconds between echoes in interval mode', String(BENCH_DEFAULTS.intervalMs / 1000))
    .option('--clock <span>', CLOCK_HELP, BENCH_DEFAULTS.clock)
    .option('-W, --timeout <s>', 'seconds to wait for a missing reply', '2')
    .option('-l, --window <n>', 'flood rows: probes in flight, as ping -l (with --vs-ping, ping -f runs with the same -l)', String(BENCH_DEFAULTS.window))
    .option('--tx-stamp-every <n>', `flood rows on the sched and kernel clocks: TX-stamp 1 probe in n (default: the sparsest, at most 1 in ${BENCH_DEFAULTS.txStampEvery}, that keeps 1,000 timed samples a row; 1: every probe, fewer echo/s); RTT figures then come from the stamped probes`)
    .option('--vs-ping', 'also run iputils ping on each row and print both side by side')
    .option('--report <file.html>', 'write a self-contained HTML report with plots')
    .option('--prom <file>', 'write the summary in Prometheus text format')
    .option('--trace <n>', 'also trace n echoes per direction and size on pair 1 (captures both ends): the legs go in the report and JSON')
    .option('--samples', 'with --json: include every RTT sample')
    .option('--no-progress', 'no live progress line on stderr')
    .option('-j, --json', 'JSON output (as the global -j; either place works)')
    .action(
      action(async (o: BenchCliOptions, cmd: Command) => {
        const json = (o.json ?? false) || (cmd.optsWithGlobals<{ json?: boolean }>().json ?? false);
        const topo = topologyOf(o);
        const path = topo ? pathLab(topo, o.from ?? topo.namespaces[0], o.to ?? topo.namespaces[topo.namespaces.length - 1], 4) : null;
        if (path && o.trace !== undefined) throw new UsageError('--trace traces a lab pair; across a topology, vping trace --shape/--topology shows each hop');
        const opts = benchOptions(o, path);
        const traceCount = o.trace === undefined ? 0 : int('--trace', o.trace);
        if (o.trace !== undefined && (traceCount < 1 || traceCount > 65535)) throw new UsageError(`--trace: ${o.trace} out of range 1-65535`);
        writableOrFail(o.report, 'the report');
        writableOrFail(o.prom, 'the Prometheus file');
        requireRoot('bench');
        // inspected once: the run and its traces use this lab as it is
        const lab = path ?? readyLab(opts.lab);
        if (opts.vsPing) assertPeerPing();
        const live = (o.progress ?? true) && process.stderr.isTTY === true;
        let shown = false;
        // Ctrl-C / SIGTERM: the row being measured stops as ping does, no further row starts,
        // and the rows so far are printed and written (marked interrupted).
        const stop = onInterrupt();
        let run;
        try {
          run = await runBench({ ...opts, lab }, {
            signal: stop.signal,
            onProgress: live
              ? (p) => {
                  process.stderr.write(`\r\x1b[K${progressLine(p)}`);
                  shown = true;
                }
              : undefined,
          });
          if (traceCount && !run.interrupted) {
            await traceBenchRows(run, lab, traceCount, { intervalMs: opts.intervalMs, timeoutMs: (opts.timeoutS ?? 2) * 1000 }, {
              signal: stop.signal,
              onTrace: live
                ? (dir, size) => {
                    process.stderr.write(`\r\x1b[Ktrace ${dir} ${size} B: ${traceCount} echoes`);
                    shown = true;
                  }
                : undefined,
            });
          }
        } finally {
          stop.dispose();
        }
        if (shown) process.stderr.write('\r\x1b[K');
        // As ping on SIGINT: 0 when anything came back, 1 when nothing did.
        if (run.interrupted && !run.rows.some((r) => r.received > 0)) process.exitCode = 1;
        if (o.report) writeReport(o.report, run);
        if (o.prom) writeAtomically(o.prom, await formatPrometheus(run));
        if (json) {
          printDoc(SCHEMA.bench, benchJson(run, { samples: o.samples ?? false }));
          return;
        }
        const rows = run.rows.map(summarizeRow);
        const totals = summarizeTotals(run.rows);
        // stopped in the first row's warm-up: no row, so no table, only the note
        if (rows.length || !run.interrupted) process.stdout.write(opts.vsPing ? formatVsPingTable(rows, { totals }) : formatBenchTable(rows, { totals }));
        if (run.interrupted) process.stdout.write(interruptedNote(run.rows.length, rows.filter((r) => r.interrupted)) + '\n');
        if (run.peakRssBytes !== undefined) process.stdout.write(`peak memory: ${Math.round(run.peakRssBytes / 2 ** 20)} MiB resident (the whole process, engines included)\n`);
        if (o.report) process.stdout.write(`report: ${o.report}\n`);
        if (o.prom) process.stdout.write(`prometheus: ${o.prom}\n`);
      }),
    );
}
