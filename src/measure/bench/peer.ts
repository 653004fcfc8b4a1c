// `vping bench --vs-ping`: iputils ping run on the same lab pair, in the same run, so that the
// table can put both tools side by side. This is the one place where vping's product code
// starts a peer, because the user asked for exactly that comparison; nothing else depends
// on it. ping is started from the main thread while it is switched into the source
// namespace (a child process is forked by the calling thread and keeps its namespace), so
// no `ip netns exec` is needed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { UsageError, VpingError } from '../../sys/errors.js';
import { withNetns } from '../../ns/netns.js';
import type { PeerFigures } from './model.js';

export interface PeerPingOptions {
  /** Namespace to ping from. */
  ns: string;
  destination: string;
  count: number;
  size: number;
  flood: boolean;
  /** -l: probes in flight (default 1; ping -f's own) */
  preload?: number;
  /** Interval in interval mode, ms. */
  intervalMs: number;
  /** -W: seconds to wait for a reply when none came. */
  timeoutS?: number;
  /** The ping binary (default `ping` from PATH). */
  command?: string;
}

/** ping's arguments for a row: quiet (statistics only), numeric. */
export function pingArgs(o: PeerPingOptions): string[] {
  const a = ['-n', '-q', '-c', String(o.count), '-s', String(o.size), '-W', String(o.timeoutS ?? 2)];
  if (o.flood) {
    a.push('-f');
    // ping -f's own window is 1; a wider one is asked for as the bench's vping row has it
    if (o.preload !== undefined && o.preload > 1) a.push('-l', String(o.preload));
  } else a.push('-i', (o.intervalMs / 1000).toString());
  a.push(o.destination);
  return a;
}

/** `a.bbb` ms as ping prints it (`%ld.%03ld` of whole µs), back to µs, exactly. */
export function msTextToUs(t: string): number {
  const m = /^(\d+)\.(\d{3})$/.exec(t);
  if (!m) throw new VpingError('EPEER', `ping printed an RTT figure vping cannot read: ${t}`);
  return Number(m[1]) * 1000 + Number(m[2]);
}

/**
 * The figures of ping's statistics block:
 *   N packets transmitted, N received[, +N duplicates][, +N corrupted][, +N errors], X% packet loss, time Nms
 *   rtt min/avg/max/mdev = a/b/c/d ms[, pipe N][, ipg/ewma x/y ms]
 */
export function parsePingStatistics(text: string, argv?: string[]): PeerFigures {
  const m = /^(\d+) packets transmitted, (\d+) received(?:, \+(\d+) duplicates)?(?:, \+\d+ corrupted)?(?:, \+\d+ errors)?, [\d.e+-]+% packet loss, time (\d+)ms$/m.exec(text);
  if (!m) throw new VpingError('EPEER', `ping printed no statistics line: ${JSON.stringify(text.trim().split('\n').slice(-3).join(' | '))}`);
  const out: PeerFigures = {
    tool: 'ping',
    transmitted: Number(m[1]),
    received: Number(m[2]),
    duplicates: m[3] ? Number(m[3]) : 0,
    timeMs: Number(m[4]),
  };
  if (argv) out.argv = argv;
  const r = /^rtt min\/avg\/max\/mdev = (\d+\.\d{3})\/(\d+\.\d{3})\/(\d+\.\d{3})\/(\d+\.\d{3}) ms/m.exec(text);
  if (r) out.rtt = { minUs: msTextToUs(r[1]), avgUs: msTextToUs(r[2]), maxUs: msTextToUs(r[3]), mdevUs: msTextToUs(r[4]) };
  return out;
}

let version: string | null | undefined;

/** `ping -V`'s first line, or null when there is no ping to run. */
export function pingVersion(command = 'ping'): string | null {
  if (version !== undefined && command === 'ping') return version;
  const r = spawnSync(command, ['-V'], { encoding: 'utf8', timeout: 5000 });
  const v = r.status === 0 ? (r.stdout.split('\n')[0] ?? '').trim() || null : null;
  if (command === 'ping') version = v;
  return v;
}

/** Check before a long run that ping is there (a clear error, exit 2, otherwise). */
export function assertPeerPing(command = 'ping'): string {
  const v = pingVersion(command);
  if (!v) throw new UsageError(`--vs-ping needs iputils ping (${command}) on PATH: apt install iputils-ping`);
  return v;
}

/** Run ping for one row inside the source namespace; resolves with its statistics. */
export function runPeerPing(o: PeerPingOptions, signal?: AbortSignal): Promise<PeerFigures> {
  const cmd = o.command ?? 'ping';
  const args = pingArgs(o);
  // Started while switched into the namespace: the child is forked by this thread.
  const child: ChildProcess = withNetns(o.ns, () => spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  // Stopped: SIGINT, as Ctrl-C would; ping prints its statistics so far and exits.
  const onAbort = (): void => void child.kill('SIGINT');
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', (e) => reject(new VpingError('EPEER', `cannot run ${cmd}: ${e.message}`, { cause: e })));
    child.on('close', (code) => {
      signal?.removeEventListener('abort', onAbort);
      // ping exits 1 when replies were missing: its statistics are still the answer.
      try {
        const f = parsePingStatistics(out, [cmd, ...args]);
        const v = pingVersion(cmd);
        if (v) f.version = v;
        resolve(f);
      } catch (e) {
        reject(code === 2 || err ? new VpingError('EPEER', `${cmd} ${args.join(' ')} failed (exit ${code}): ${err.trim() || out.trim()}`) : e);
      }
    });
  });
}
