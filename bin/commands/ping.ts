// `vping [-n NS] ping [options] destination`: iputils ping's options and output, from
// vping's own engine, with the socket opened inside the namespace.
import type { Command } from 'commander';
import { action, fail, printJson } from '../run.js';
import { CLOCK_HELP, parseClock } from '../args.js';
import { UsageError } from '../../src/sys/errors.js';
import { openNetns } from '../../src/ns/netns.js';
import { FLOOD_TX_STAMP_EVERY, startPing, type PingEvent, type PingOptions, type Stats } from '../../src/icmp/index.js';
import {
  clocksLine, errorLine, headerLine, noAnswerLine, patternLine, replyLine, statisticsBlock, statusLine, wrongDataText,
} from '../../src/icmp/format.js';
import { MAX_THREADS, patternBytes } from '../../src/icmp/options.js';
import type { GlobalOptions } from '../vping.js';

interface PingCliOptions {
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

export async function runPing(dest: string, o: PingCliOptions, g: GlobalOptions): Promise<void> {
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
  const kept: PingEvent[] = [];
  const D = opts.timestamps ?? false;
  session.on('ready', (info) => {
    const r = session.resolved;
    if (!r || json) return;
    out(headerLine({ family: r.family === 4 ? 'inet' : 'inet6', host: r.host, address: r.address, datalen: session.datalen, source: info.source ?? undefined }) + '\n');
  });
  session.on('event', (e) => {
    if (json) {
      if (kept.length < 100000) kept.push(e);
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
    printJson({ ...result, events: kept });
  } else {
    out(statisticsBlock(result.host, result.stats));
    if (o.verbose) out(clocksLine(result.stats) + '\n');
  }
  process.exitCode = result.exitCode;
}

export function register(program: Command): void {
  program
    .command('ping')
    .description("send ICMP echo requests from inside a namespace (iputils ping's options and output)")
    .argument('<destination>', 'address or host name')
    .option('-c, --count <count>', 'stop after <count> replies')
    .option('-i, --interval <seconds>', 'seconds between probes')
    .option('-f, --flood', 'flood ping')
    .option('-l, --preload <n>', 'send <n> probes without waiting for replies')
    .option('-A, --adaptive', 'adaptive interval')
    .option('-w, --deadline <seconds>', 'stop after <seconds>')
    .option('-W, --timeout <seconds>', 'time to wait for a response after the last probe')
    .option('-s, --size <bytes>', 'data bytes per probe (default 56)')
    .option('-t, --ttl <ttl>', 'IP time to live / hop limit')
    .option('-q, --quiet', 'only the summary')
    .option('-D, --timestamps', 'print a timestamp before each line')
    .option('-O, --outstanding', 'report outstanding replies')
    .option('-p, --pattern <hex>', 'pad bytes (up to 16, hex)')
    .option('-4', 'IPv4 only')
    .option('-6', 'IPv6 only')
    .option('-I, --interface <iface|addr>', 'source interface or address')
    .option('-v, --verbose', 'also print every span (ping, sched, kernel, hrtime) after the statistics')
    .option('--clock <span>', CLOCK_HELP)
    .option('--id <id>', '16-bit echo identifier (default random)')
    .option('--threads <n>', 'independent flows, one thread and socket each (ids id..id+n-1; -c split among them, -i/-l per flow); needs -f or -q (default 1)')
    .action(action(async (dest: string, o: PingCliOptions, cmd: Command) => {
      await runPing(dest, o, cmd.optsWithGlobals<GlobalOptions & PingCliOptions>());
    }));
}
