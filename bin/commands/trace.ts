// `vping trace`: each echo's journey across a lab pair — user → source out → destination
// in → destination out → source in → user — from one process that pings and captures both
// ends; a line per echo, the distribution of each leg, --json, -w to keep the pcapng.
import type { Command } from 'commander';
import { resolveLab, type LabSpec } from '../../src/lab/spec.js';
import { readyLab } from '../../src/lab/lab.js';
import { assertReportWritable, writeReport } from '../../src/measure/bench/html.js';
import { checkTraceOptions, runTrace, traceAsBenchRun, type TraceOptions } from '../../src/measure/trace/run.js';
import { echoCells, echoHeaderLine, echoJson, echoLine, traceHeader, traceSummary } from '../../src/measure/trace/format.js';
import { action, requireRoot } from '../run.js';
import { printDoc, SCHEMA } from '../json.js';
import { labInput, topologyOf, withLabOptions, withTopologyOptions, type LabCliOptions, type TopologyCliOptions } from '../lab-options.js';
import { pathBetween, type Topology } from '../../src/lab/topology.js';
import { runHopTrace } from '../../src/measure/trace/hops.js';
import { UsageError } from '../../src/sys/errors.js';
import { int, seconds } from '../args.js';
import { onInterrupt } from '../interrupt.js';

interface TraceCliOptions extends LabCliOptions, TopologyCliOptions {
  from?: string;
  to?: string;
  /** -6 */
  six?: boolean;
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

const us = (ns: number | null): string => (ns === null || Number.isNaN(ns) ? '-' : (ns / 1000).toFixed(3));

/** `trace --shape chain|--topology FILE`: the echo's timeline hop by hop along the path between two namespaces. */
async function traceHops(t: Topology, o: TraceCliOptions, json: boolean): Promise<void> {
  const from = o.from ?? t.namespaces[0];
  const to = o.to ?? t.namespaces[t.namespaces.length - 1];
  const path = pathBetween(t, from, to);
  const last = path[path.length - 1].in;
  const want = o.six ? 6 : 4;
  const dst = t.addresses.find((a) => a.ns === last.ns && a.ifname === last.ifname && (a.cidr.address.includes(':') ? 6 : 4) === want);
  if (!dst) throw new UsageError(`trace: ${last.ns}:${last.ifname} has no IPv${want} address to send to`);
  const count = int('--count', o.count);
  if (count < 1 || count > 65535) throw new UsageError(`--count: ${count} out of range 1-65535`);
  requireRoot('trace');
  const stop = onInterrupt();
  const r = await runHopTrace({
    path, destination: dst.cidr.address, family: want, count, intervalMs: seconds('--interval', o.interval) * 1000, size: int('--size', o.size),
    timeoutMs: seconds('--timeout', o.timeout) * 1000, signal: stop.signal,
  }).finally(() => stop.dispose());
  if (json) printDoc(SCHEMA.traceHops, { fromNetns: from, toNetns: to, destination: dst.cidr.address, hops: path.length - 1, sent: r.sent, answered: r.answered, complete: r.complete, legs: r.legs, echoes: r.echoes, summary: r.summary });
  else {
    let out = `TRACE ${dst.cidr.address} from ${from} to ${to}: ${path.length} links, ${path.length - 1} router${path.length === 2 ? '' : 's'}, ${int('--size', o.size)} data bytes, ${count} echoes\n`;
    out += 'legs in µs, in order:\n';
    r.legs.forEach((l, i) => (out += `  ${String(i + 1).padStart(2)}  ${l}\n`));
    out += `${'seq'.padStart(5)}  ${r.legs.map((_, i) => String(i + 1).padStart(8)).join(' ')} ${'rtt'.padStart(9)}\n`;
    for (const e of r.echoes) out += `${String(e.seq).padStart(5)}  ${e.legsNs.map((x) => us(x).padStart(8)).join(' ')} ${us(e.rttNs).padStart(9)}\n`;
    out += `\n--- trace statistics ---\n${r.sent} echoes sent, ${r.answered} answered, ${r.complete} seen at all ${2 * path.length * 2} points\n`;
    const w = Math.max(...r.legs.map((l) => l.length));
    out += `${'leg'.padEnd(w)} ${['min', 'p50', 'p90', 'max', 'mean'].map((h) => h.padStart(9)).join('')}\n`;
    for (const s of r.summary) out += `${s.leg.padEnd(w)} ${[s.minNs, s.p50Ns, s.p90Ns, s.maxNs, s.meanNs].map((x) => us(x).padStart(9)).join('')}\n`;
    process.stdout.write(out);
  }
  if (r.answered === 0) process.exitCode = 1;
}

export function register(program: Command): void {
  withTopologyOptions(withLabOptions(
    program
      .command('trace')
      .description("each echo's journey across a lab pair: captured at both ends in the same process, split into send path, queue, crossing, turnaround, crossing back and receive path; across a topology (--shape chain, --topology FILE), hop by hop"),
  ))
    .option('--from <ns>', 'topology: the namespace the echoes leave from (default: the first)')
    .option('--to <ns>', 'topology: the namespace they go to (default: the last)')
    .option('-6, --six', 'topology: trace IPv6 (the destination interface needs an IPv6 address)')
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
        const topo = topologyOf(o);
        if (topo) return traceHops(topo, o, json);
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
          printDoc(SCHEMA.trace, {
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
