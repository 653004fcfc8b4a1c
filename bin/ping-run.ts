// Running one ping as the CLI prints it (iputils ping's lines, or its JSON lines): the
// `ping` command, `lab ping` and `demo` all go through runPing, which returns the exit status
// rather than setting it, so a caller running several decides what the process exits with.
import { fail } from './run.js';
import { doc, SCHEMA } from './json.js';
import { parseClock } from './args.js';
import { UsageError } from '../src/sys/errors.js';
import { openNetns } from '../src/ns/netns.js';
import { FLOOD_TX_STAMP_EVERY, startPing, type PingOptions, type Stats } from '../src/icmp/index.js';
import {
  clocksLine, errorLine, headerLine, noAnswerLine, patternLine, replyLine, statisticsBlock, statusLine, wrongDataText,
} from '../src/icmp/format.js';
import { MAX_THREADS, patternBytes } from '../src/icmp/options.js';
import { eventJson, statisticsJson } from '../src/icmp/json.js';
import type { GlobalOptions } from './cli.js';

export interface PingCliOptions {
  count?: string;
  interval?: string;
  flood?: boolean;
  preload?: string;
  adaptive?: boolean;
  deadline?: string;
  timeout?: string;
  size?: string;
  ttl?: string;
  quiet?: boolean;
  timestamps?: boolean;
  outstanding?: boolean;
  pattern?: string;
  4?: boolean;
  6?: boolean;
  interface?: string;
  verbose?: boolean;
  clock?: string;
  id?: string;
  threads?: string;
}

/** strtol_or_err: the whole string a number, else ping's "invalid argument" line. */
function num(v: string | undefined, integer: boolean): number | undefined {
  if (v === undefined) return undefined;
  const t = v.trim();
  const ok = integer ? /^[+-]?\d+$/.test(t) : /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t);
  if (!ok) throw new UsageError(`invalid argument: '${v}'`);
  return Number(t);
}

function toOptions(dest: string, o: PingCliOptions, g: GlobalOptions): PingOptions {
  if (o[4] && o[6]) throw new UsageError('only one -4 or -6 option may be specified');
  const interval = o.interval !== undefined ? num(o.interval, false) : undefined;
  if (interval !== undefined && interval < 0) throw new UsageError(`bad timing interval: ${o.interval}`);
  const clock = parseClock(o.clock);
  const flood = o.flood ?? false;
  const quiet = o.quiet ?? false;
  let threads: number | undefined;
  if (o.threads !== undefined) {
    const t = o.threads.trim();
    threads = /^[+-]?\d+$/.test(t) ? Number(t) : NaN;
    if (!(threads >= 1 && threads <= MAX_THREADS)) throw new UsageError(`invalid --threads value: '${o.threads}': expected an integer 1..${MAX_THREADS}`);
    // each flow numbers its own icmp_seq: interleaved reply lines would read as reordering
    if (threads > 1 && !flood && !quiet) throw new UsageError(`--threads ${threads} needs -f or -q: each flow numbers its own icmp_seq, so per-reply lines would interleave and mislead`);
  }
  return {
    destination: dest,
    netns: g.netns ?? null,
    count: num(o.count, true),
    interval,
    flood,
    preload: num(o.preload, true),
    adaptive: o.adaptive,
    deadline: num(o.deadline, true),
    timeout: num(o.timeout, false),
    size: num(o.size, true),
    ttl: num(o.ttl, true),
    quiet,
    timestamps: o.timestamps,
    outstanding: o.outstanding,
    pattern: o.pattern,
    family: o[4] ? 4 : o[6] ? 6 : undefined,
    iface: o.interface,
    id: num(o.id, true),
    clock,
    // -v shows every span: the TX ones need TX stamps (a flood stamps a sample)
    ...(o.verbose ? { txStampEvery: flood ? FLOOD_TX_STAMP_EVERY : 1 } : {}),
    events: !quiet && !flood,
    floodTicks: flood && !quiet,
    threads,
  };
}

/** What one run gave: its exit status (ping's), and with -j its JSON lines' documents. */
export interface PingRun {
  exitCode: number;
  json: Record<string, unknown>[] | null;
}

/**
 * Ping as the CLI does: lines as they come and the statistics, or (g.json) iputils' JSON lines —
 * a document per reply or error as it comes, then the statistics — printed unless `print` is
 * false (a caller gathering several). Returns the exit status.
 */
export async function runPing(dest: string, o: PingCliOptions, g: GlobalOptions, { print = true }: { print?: boolean } = {}): Promise<PingRun> {
  const opts = toOptions(dest, o, g);
  // refuse before anything runs: a missing namespace, then privilege (as ping, one line, status 2)
  if (opts.netns) openNetns(opts.netns).close();
  if (process.geteuid && process.geteuid() !== 0) {
    // As iputils for users: an ICMP datagram socket when net.ipv4.ping_group_range admits
    // them (the engine falls back to it), no flood, no interval under 2 ms, preload at most 3.
    if (opts.netns) fail(`entering namespace ${opts.netns} needs root (CAP_SYS_ADMIN): run it as root, e.g. with sudo`);
    if (opts.flood || (opts.interval !== undefined && opts.interval < 0.002)) fail('cannot flood; minimal interval allowed for user is 2ms');
    if ((opts.preload ?? 1) > 3) fail(`cannot set preload to value greater than 3: ${opts.preload}`);
  }
  const json = g.json ?? false;
  const out = (s: string) => process.stdout.write(s);
  if (opts.pattern !== undefined && !opts.quiet && !json) out(patternLine(patternBytes(opts.pattern)) + '\n');
  const session = startPing(opts);
  const D = opts.timestamps ?? false;
  const docs: Record<string, unknown>[] = [];
  const emit = (d: Record<string, unknown>) => {
    if (print) out(JSON.stringify(d) + '\n');
    else docs.push(d);
  };
  session.on('ready', (info) => {
    const r = session.resolved;
    if (!r || json) return;
    out(headerLine({ family: r.family === 4 ? 'inet' : 'inet6', host: r.host, address: r.address, datalen: session.datalen, source: info.source ?? undefined }) + '\n');
  });
  session.on('event', (e) => {
    if (json) {
      const j = eventJson(e, D);
      emit(doc(j.kind === 'reply' ? SCHEMA.pingReply : SCHEMA.pingError, j.body));
      return;
    }
    const ts = D ? e.realUs : undefined;
    switch (e.type) {
      case 'reply':
        out(replyLine({
          bytes: e.bytes, from: e.from, seq: e.seq, ttl: e.ttl,
          timeUs: e.rttNs === null ? null : Math.trunc(e.rttNs / 1000),
          dup: e.dup, badChecksum: e.badChecksum, differentAddress: e.differentAddress, truncated: e.truncated,
          realUs: ts, wrongData: e.wrongData ? wrongDataText(e.wrongData) : '',
        }) + '\n');
        break;
      case 'icmp-error':
        out(errorLine(e.from, e.seq, e.text, ts) + '\n');
        break;
      case 'no-answer':
        out(noAnswerLine(e.seq, ts) + '\n');
        break;
      case 'local-error':
        process.stderr.write(`vping: ${e.text}\n`);
        break;
    }
  });
  session.on('tick', (t) => {
    if (!json) out('.'.repeat(t.sent) + '\b \b'.repeat(t.received) + '\bE'.repeat(t.errors) + '\bC'.repeat(t.corrupted));
  });
  session.on('status', (st: Stats) => process.stderr.write(statusLine(st)));
  const onInt = () => session.stop();
  const onQuit = () => session.requestStatus();
  process.on('SIGINT', onInt);
  process.on('SIGQUIT', onQuit);
  let result;
  try {
    result = await session.done;
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGQUIT', onQuit);
  }
  if (json) {
    emit(doc(SCHEMA.pingStatistics, statisticsJson(result, result.stats, result.exitCode)));
    return { exitCode: result.exitCode, json: docs };
  }
  out(statisticsBlock(result.host, result.stats));
  if (o.verbose) out(clocksLine(result.stats) + '\n');
  return { exitCode: result.exitCode, json: null };
}
