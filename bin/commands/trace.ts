// `vping trace`: each echo's journey across a lab pair — user → source out → destination
// in → destination out → source in → user — from one process that pings and captures both
// ends; a line per echo, the distribution of each leg, --json, -w to keep the pcapng.
import type { Command } from 'commander';
import { resolveLab, type LabSpec } from '../../src/lab/spec.js';
import { readyLab } from '../../src/lab/lab.js';
import { assertReportWritable, writeReport } from '../../src/measure/bench/html.js';
import { checkTraceOptions, runTrace, traceAsBenchRun, type TraceOptions } from '../../src/measure/trace/run.js';
import { echoCells, echoHeaderLine, echoJson, echoLine, traceHeader, traceSummary } from '../../src/measure/trace/format.js';
import { action, printJson, requireRoot } from '../run.js';
import { labInput, withLabOptions, type LabCliOptions } from '../lab-options.js';
import { int, seconds } from '../args.js';
import { onInterrupt } from '../interrupt.js';

interface TraceCliOptions extends LabCliOptions {
  pair: string;
  dir: string;
  count: string;
  interval: string;
  size: string;
  timeout: string;
  write?: string;
  report?: string;
  json?: boolean;
}


/** The options, parsed and checked at the edge; the lab resolved once (inspected later, once). */
function traceOptions(o: TraceCliOptions): TraceOptions & { lab: LabSpec } {
  const lab = resolveLab(labInput(o));
  const opts: TraceOptions & { lab: LabSpec } = {
    lab,
    pair: int('--pair', o.pair),
    dir: o.dir as TraceOptions['dir'],
    count: int('--count', o.count),
    intervalMs: seconds('--interval', o.interval) * 1000,
    size: int('--size', o.size),
    timeoutMs: seconds('--timeout', o.timeout) * 1000,
  };
  if (o.write !== undefined) opts.pcapng = o.write;
  checkTraceOptions(opts, lab.addrs[0].includes(':') ? 6 : 4);
  return opts;
}

export function register(program: Command): void {
  withLabOptions(
    program
      .command('trace')
      .description("each echo's journey across a lab pair: captured at both ends in the same process, split into send path, queue, crossing, turnaround, crossing back and receive path"),
  )
    .option('--pair <n>', 'which pair of the lab', '1')
    .option('--dir <dir>', 'ns1-ns2 (from the first end) or ns2-ns1', 'ns1-ns2')
    .option('-c, --count <n>', 'echoes to send', '10')
    .option('-i, --interval <s>', 'seconds between echoes', '0.2')
    .option('-s, --size <bytes>', 'payload bytes per echo', '56')
    .option('-W, --timeout <s>', 'seconds to wait for each reply', '1')
    .option('-w, --write <file.pcapng>', 'keep the capture of both ends in a pcapng file')
    .option('--report <file.html>', "write the bench's HTML report of this trace (legs stacked per echo)")
    .option('-j, --json', 'JSON output (as the global -j; either place works)')
    .action(
      action(async (o: TraceCliOptions, cmd: Command) => {
        const json = (o.json ?? false) || (cmd.optsWithGlobals<{ json?: boolean }>().json ?? false);
        const opts = traceOptions(o);
        if (o.write !== undefined) assertReportWritable(o.write, 'the capture');
        if (o.report !== undefined) assertReportWritable(o.report, 'the report');
        requireRoot('trace');
        const lab = readyLab(opts.lab);
        const spec = lab.spec;
        let headed = false;
        // Ctrl-C / SIGTERM: stop sending, drain the rings, close the pcapng, print what was traced.
        const stop = onInterrupt();
        const t = await runTrace({ ...opts, lab }, {
          signal: stop.signal,
          onStart: json ? undefined : (i) => process.stdout.write(traceHeader(i, i.count)),
          onEcho: json
            ? undefined
            : (e) => {
                if (!headed) {
                  process.stdout.write(echoHeaderLine() + '\n');
                  headed = true;
                }
                process.stdout.write(echoLine(echoCells(e)) + '\n');
              },
        }).finally(() => stop.dispose());
        if (o.report) writeReport(o.report, traceAsBenchRun(t, opts, spec.ns.join(','), spec.pairs), { title: `vping trace — ${t.source.ns} → ${t.destination.ns}` });
        if (json) {
          printJson({
            source: t.source,
            destination: t.destination,
            pair: t.pair,
            dir: t.dir,
            size: t.size,
            id: t.id,
            tag: t.tag,
            startedAt: t.startedAt,
            sent: t.sent,
            answered: t.answered,
            complete: t.complete,
            echoes: t.echoes.map(echoJson),
            summary: t.summary,
            capture: t.capture,
            interrupted: t.interrupted,
          });
        } else {
          process.stdout.write(`\n${traceSummary(t)}`);
          if (o.write) process.stdout.write(`capture: ${o.write}\n`);
          if (o.report) process.stdout.write(`report: ${o.report}\n`);
        }
        if (t.answered === 0) process.exitCode = 1;
      }),
    );
}
