// vping capture — tcpdump's grammar on several interfaces in several namespaces at once:
//   vping capture ns1:tap1 ns2:tap2 [filter...] [-c N] [-w file.pcap|.pcapng] [-r file]
//                 [-e] [-X|-XX] [-v] [-t…-ttttt] [--nano] [-Q in|out|inout] [-s N] [-B KiB]
// Lines are tcpdump -n's; with several interfaces each line names its interface and
// direction as `tcpdump -i any` does. The exit summary goes to stderr per interface.
import { closeSync, fstatSync, openSync } from 'node:fs';
import type { Command } from 'commander';
import { CaptureSession, type CaptureTarget, type CapturedFrame, type DirectionFilter } from '../../src/capture/session.js';
import { LINKTYPE, Printer, type PrinterOptions } from '../../src/print/printer.js';
import { Rtnl } from '../../src/link/rtnl.js';
import { tsModeOfCount } from '../../src/print/time.js';
import { openCaptureFd } from '../../src/pcap/reader.js';
import { DecodeError } from '../../src/pcap/errors.js';
import { Out } from '../out.js';
import { formatOfPath, openWriter, PcapngWriter, type PcapWriter } from '../../src/pcap/writer.js';
import { UsageError, VpingError, asErrorCode, fsErrorText } from '../../src/sys/errors.js';
import { compileFilter, UserFilter } from '../../src/sys/pcap.js';
import { action, fail, requireRoot } from '../run.js';
import { doc, SCHEMA } from '../json.js';
import { frameFields } from '../../src/print/fields.js';

interface CaptureOpts {
  count?: string;
  write?: string;
  read?: string;
  interface?: string[];
  link?: boolean;
  hex?: number;
  verbose?: number;
  time?: number;
  nano?: boolean;
  direction?: string;
  snaplen?: string;
  buffer?: string;
  numeric?: boolean;
  netns?: string;
  json?: boolean;
}

const increase = (_v: string, prev: number | undefined): number => (prev ?? 0) + 1;
const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];
/** NS:IF, where NS is a name, a path (with a `/`) or pid:N; an interface name holds no `:` or `/`. */
const NS_IF = /^(pid:[0-9]+|[^\s:]+):([^\s:/]+)$/;

function intOpt(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`invalid ${name} "${v}"`);
  return n;
}

function parseTarget(s: string, defaultNs: string | null): CaptureTarget {
  const m = NS_IF.exec(s);
  if (m) return { ns: m[1], ifName: m[2] };
  if (!s || /[\s/:]/.test(s) || Buffer.byteLength(s) > 15) throw new UsageError(`invalid interface "${s}"`);
  return { ns: defaultNs, ifName: s };
}

/** Split the positionals into targets (leading ns:if words, or one bare name) and the filter. */
export function splitArgs(args: string[], opts: { interfaces?: string[]; reading: boolean; netns: string | null }): { targets: CaptureTarget[]; filter: string } {
  if (opts.reading) return { targets: [], filter: args.join(' ') };
  if (opts.interfaces?.length) return { targets: opts.interfaces.map((i) => parseTarget(i, opts.netns)), filter: args.join(' ') };
  let i = 0;
  const targets: CaptureTarget[] = [];
  while (i < args.length && NS_IF.test(args[i])) targets.push(parseTarget(args[i++], opts.netns));
  if (targets.length === 0) {
    if (args.length === 0) throw new UsageError('name an interface to capture on: vping capture [NS:]IFNAME [NS2:IF2 …] [filter]');
    targets.push(parseTarget(args[i++], opts.netns));
  }
  return { targets, filter: args.slice(i).join(' ') };
}

/** Interface names by index in this namespace (-n NS: that one), read once when first asked. */
function ifIndexNames(netns: string | undefined): (index: number) => string | null {
  let names: Map<number, string> | null = null;
  return (index) => {
    if (names === null) {
      try {
        using rt = Rtnl.open(netns ?? null);
        names = new Map(rt.links().map((l) => [l.index, l.name]));
      } catch {
        names = new Map();
      }
    }
    return names.get(index) ?? null;
  };
}

function printerOptions(o: CaptureOpts, linktype?: number): PrinterOptions {
  const p: PrinterOptions = {
    link: o.link ?? false,
    hex: (Math.min(o.hex ?? 0, 2) as 0 | 1 | 2),
    verbose: o.verbose ?? 0,
    ts: tsModeOfCount(o.time ?? 0),
    nano: o.nano ?? false,
    linktype,
  };
  // a LINUX_SLL2 record names its interface by index, as it is on the machine that reads it
  if (linktype === LINKTYPE.LINUX_SLL2) p.ifIndexName = ifIndexNames(o.netns);
  return p;
}

/** One frame as capture -j's JSON line: when, where, lengths, the decoded fields, and tcpdump's text. */
function frameDoc(tsNs: bigint, iface: string | null, dir: string | null, len: number, data: Uint8Array, linktype: number, text: string): string {
  return JSON.stringify(doc(SCHEMA.captureFrame, { tsNs, interface: iface, direction: dir, len, caplen: data.length, linktype, ...frameFields(data, linktype), text }));
}

function readFile(path: string, filterExpr: string, o: CaptureOpts): void {
  const count = intOpt('count', o.count, 1);
  let fd: number;
  if (path === '-') fd = 0;
  else {
    try {
      fd = openSync(path, 'r');
      if (fstatSync(fd).isDirectory()) {
        closeSync(fd);
        throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      }
    } catch (e) {
      throw new VpingError(asErrorCode((e as { code?: string }).code), `${path}: ${fsErrorText(e)}`);
    }
  }
  const printers = new Map<number, Printer>();
  const filters = new Map<number, UserFilter | null>();
  const out = new Out();
  const flush = (): void => out.flush();
  const name = path === '-' ? 'standard input' : path;
  let n = 0;
  try {
    // records are read as they are printed: what is printed goes out before a read that may wait
    const file = openCaptureFd(fd, { beforeRead: flush, reuse: true });
    const several = () => file.interfaces.length > 1;
    for (const r of file.records()) {
      const iface = file.interfaces[r.ifId];
      if (!filters.has(r.ifId)) filters.set(r.ifId, filterExpr.trim() ? new UserFilter(compileFilter(filterExpr, iface.linktype)) : null);
      const f = filters.get(r.ifId);
      if (f && f.run(r.data, r.len) === 0) continue;
      let p = printers.get(r.ifId);
      if (!p) printers.set(r.ifId, (p = new Printer(printerOptions(o, iface.linktype))));
      const text = p.format({ tsNs: r.tsNs, data: r.data, len: r.len, ...(several() ? { ifName: iface.name ?? `if${r.ifId}`, dir: r.dir ?? 'unknown' } : {}) });
      out.line(o.json ? frameDoc(r.tsNs, iface.name ?? null, r.dir ?? null, r.len, r.data, iface.linktype, text) : text);
      if (count !== undefined && ++n >= count) break;
    }
  } catch (e) {
    // the lines before the fault are printed; the fault names the file, as tcpdump's do
    if (e instanceof DecodeError) throw new DecodeError(`${name}: ${e.message}`, e.offset);
    throw e;
  } finally {
    flush();
    if (fd !== 0) closeSync(fd);
  }
}

async function live(targets: CaptureTarget[], filter: string, o: CaptureOpts): Promise<void> {
  requireRoot('capture');
  const count = intOpt('count', o.count, 1);
  // -s 0 is tcpdump's "the default" (262144), typed by habit
  const snaplen = o.snaplen === '0' ? 262144 : intOpt('snaplen', o.snaplen, 1);
  const bufferKiB = intOpt('buffer size', o.buffer, 64);
  const direction = (o.direction ?? 'inout') as DirectionFilter;
  if (!['in', 'out', 'inout'].includes(direction)) throw new UsageError(`invalid direction "${o.direction}" (in, out or inout)`);
  const several = targets.length > 1;
  const popts = printerOptions(o, 1);
  const printers = targets.map(() => new Printer(popts));
  const out = new Out();
  const labels = targets.map((t) => (t.ns ? `${t.ns}:${t.ifName}` : t.ifName));
  const onFrame = o.write
    ? null
    : (f: CapturedFrame) => {
        const text = printers[f.ifId].format({ tsNs: f.tsNs, data: f.data, len: f.len, ...(several ? { ifName: labels[f.ifId], dir: f.dir } : {}) });
        out.line(o.json ? frameDoc(f.tsNs, labels[f.ifId], f.dir, f.len, f.data, 1, text) : text);
      };
  const flushOut = () => out.flush();
  // Everything that can fail on bad input happens before the file is created.
  const session = CaptureSession.open(targets, {
    filter, count, snaplen, bufferKiB, direction, onFrame, onBatchEnd: flushOut,
    onGone: (label) => process.stderr.write(`vping: ${label}: the interface went down or vanished\n`),
  });
  let writer: PcapWriter | PcapngWriter | null = null;
  if (o.write) {
    try {
      // "-": standard output, as tcpdump -w - (pcap; pcapng when several interfaces share it)
      const fmt = o.write === '-' && targets.length > 1 ? 'pcapng' : formatOfPath(o.write, o.nano ?? false);
      writer = openWriter(o.write, fmt, labels.map((name) => ({ name, linktype: 1, snaplen: snaplen ?? 262144 })));
    } catch (e) {
      await session.stop();
      throw e;
    }
    if (writer instanceof PcapngWriter) writer.statsFrom(() => session.ifStats());
  }
  const sessionWithSink = writer ? attachSink(session, writer) : session;
  process.stderr.write(`vping: listening on ${labels.join(', ')}, link-type EN10MB (Ethernet), snapshot length ${snaplen ?? 262144} bytes\n`);
  const onSignal = () => void sessionWithSink.stop();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const flushTimer = writer
    ? setInterval(() => {
      try {
        writer!.flush();
      } catch (e) {
        session.abort(e);
      }
    }, 1000)
    : null;
  let reason;
  try {
    reason = await sessionWithSink.run();
  } finally {
    if (flushTimer) clearInterval(flushTimer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    flushOut();
    writer?.close();
  }
  const sum = session.summary();
  if (reason === 'error') {
    // the file could not take more (ENOSPC, EIO, EFBIG, ulimit -f): one line, then the counts
    // as on Ctrl-C; "captured" is what the file holds, every record of it whole
    const err = session.error;
    process.stderr.write(`vping: ${err?.message ?? 'capture failed'}${writer && !writer.toStdout ? `; the file keeps the ${writer.records} whole records written before` : ''}\n`);
    if (writer && sum.length === 1) sum[0].captured = writer.records;
  }
  if (o.json) {
    out.line(JSON.stringify(doc(SCHEMA.captureSummary, { interfaces: sum })));
    out.flush();
  }
  for (const s of sum) {
    const pre = several ? `${s.label}: ` : '';
    process.stderr.write(`${pre}${s.captured} packets captured\n${pre}${s.received} packets received by filter\n${pre}${s.dropped} packets dropped by kernel\n`);
  }
  if (reason === 'gone' || reason === 'error') process.exitCode = 1;
}

/** The writer is chosen after the rings open (so a bad target leaves no file); plug it in. */
function attachSink(session: CaptureSession, writer: PcapWriter | PcapngWriter): CaptureSession {
  session.setSink(writer);
  return session;
}

export function register(program: Command): void {
  program
    .command('capture')
    .description('capture frames on interfaces in namespaces (AF_PACKET), printed as tcpdump -n prints them or written as pcap/pcapng')
    .argument('[args...]', '[NS:]IFNAME … then a pcap filter expression')
    .option('-i, --interface <[ns:]if>', 'an interface to capture on (repeatable; instead of leading NS:IF words)', collect)
    .option('-c, --count <n>', 'stop after n packets')
    .option('-w, --write <file>', 'write frames to a file: .pcapng (several interfaces, directions) or .pcap')
    .option('-r, --read <file>', 'read a pcap or pcapng file instead of capturing')
    .option('-e, --link', 'print the link-level header on each line')
    .option('-X, --hex', 'hex and ASCII dump from the network header (-XX: from the link header)', increase)
    .option('-v, --verbose', 'more detail (IP header fields, checksums)', increase)
    .option('-t, --time', '-t no timestamp, -tt epoch, -ttt delta, -tttt date, -ttttt since first', increase)
    .option('--nano', 'nanosecond timestamps (and ns pcap magic with -w file.pcap)')
    .option('-Q, --direction <dir>', 'in, out or inout')
    .option('-s, --snaplen <bytes>', 'bytes kept of each frame (default 262144)')
    .option('-B, --buffer <KiB>', 'ring size per interface in KiB (default 8192)')
    .option('-n, --numeric', 'numeric output (always on; accepted as with tcpdump)')
    .option('-j, --json', 'JSON lines: a document per frame (decoded fields and the text), then the counts (as the global -j)')
    .action(action(async (args: string[], _o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<CaptureOpts>();
      if (o.read) {
        if (o.write) throw new UsageError('-r with -w is not supported');
        readFile(o.read, splitArgs(args, { reading: true, netns: null }).filter, o);
        return;
      }
      const { targets, filter } = splitArgs(args, { interfaces: o.interface, reading: false, netns: o.netns ?? null });
      await live(targets, filter, o);
    }));
}

void fail;
