// A capture of several interfaces, in several namespaces, in one process: each ring is
// opened inside its namespace (withNetns), then all are read from the main thread,
// woken by uv_poll (watchReadable) on their sockets. Writing to a file copies each frame
// into the writer's big buffer (no allocation per frame); frames are only decoded and
// printed when somebody prints them.
import { ENETDOWN, ENODEV, ENXIO } from '../sys/errno.js';
import { VpingError } from '../sys/errors.js';
import { watchFd } from '../sys/watch.js';
import { compileFilter, PCAP_MAX_SNAPLEN } from '../sys/pcap.js';
import type { Direction } from '../pcap/frame.js';
import { PcapngWriter, type IfStats, type PacketSink } from '../pcap/writer.js';
import { EpbVecWalker } from './epbv.js';
import { RingMerge } from './merge.js';
import { PacketRing, attachFilter, snaplenProgram, type FrameHandler, type RingOptions } from './ring.js';
import { PACKET_TYPE } from './tpacket.js';

/** One interface to capture on: its name, and the namespace it lives in (null: this one). */
export interface CaptureTarget {
  /** Namespace name, or null for the namespace vping runs in. */
  ns: string | null;
  ifName: string;
}

/** Block retire timeouts (tpacket_req3.tp_retire_blk_tov), ms. */
export const RETIRE_PRINT_MS = 8;
export const RETIRE_WRITE_MS = 64;
/** While the merge holds ring blocks, how often the rings are drained instead of polled, ms. */
const HELD_POLL_MS = 2;

/** tcpdump -Q: frames received, sent, or both. */
export type DirectionFilter = 'in' | 'out' | 'inout';

/** What a capture session keeps and where it sends it: filter, count, snaplen, ring size, direction, and the handlers. */
export interface CaptureOptions {
  /** A pcap filter expression (compiled by libpcap, run by the kernel). */
  filter?: string | null;
  /** Bytes kept of each frame (tcpdump -s). Default 262144. */
  snaplen?: number;
  /** Ring size per interface in KiB (tcpdump -B). Default 8192 (8 MiB: 0.2 s of a ping -f flood at both ends). */
  bufferKiB?: number;
  /** tcpdump -Q. Default inout. */
  direction?: DirectionFilter;
  /** Stop after this many frames, over all interfaces (tcpdump -c). */
  count?: number;
  /** Where frames are written (pcap/pcapng writer); ifId = the target's index. */
  sink?: PacketSink | null;
  /** Called per frame with a copy of it (for printing); sorted by time within a wake-up. */
  onFrame?: ((f: CapturedFrame) => void) | null;
  /** ms for the kernel to hand over a part-filled block (latency of printed lines).
   * Default 8 when printing (onFrame), else 64. */
  retireMs?: number;
  /** Told once when an interface goes down or vanishes (the others go on). */
  onGone?: ((label: string) => void) | null;
  /** Called after each wake-up that delivered frames to onFrame (flush printed lines). */
  onBatchEnd?: (() => void) | null;
}

/** A frame handed to the printing handler: interface index, kernel timestamp (ns), bytes, wire length, direction. */
export interface CapturedFrame {
  /** Index of the interface in the targets. */
  ifId: number;
  tsNs: bigint;
  data: Uint8Array;
  len: number;
  dir: Direction;
}

/** tcpdump's exit counts for one interface: captured, received by filter, dropped by kernel; gone if it vanished. */
export interface InterfaceSummary {
  label: string;
  /** Frames vping took from the ring (tcpdump's "packets captured"). */
  captured: number;
  /** Frames that passed the filter (tcpdump's "packets received by filter"). */
  received: number;
  /** Frames the kernel dropped, ring full (tcpdump's "packets dropped by kernel"). */
  dropped: number;
  /** Set when the interface went down or vanished during the capture. */
  gone: boolean;
}

/** Why a capture ended; 'error': the sink failed (a full disk: see CaptureSession.error). */
export type StopReason = 'count' | 'stopped' | 'gone' | 'error';

export const directionOf = (pkttype: number): Direction =>
  (['in', 'broadcast', 'multicast', 'otherhost', 'out'] as const)[pkttype] ?? 'unknown';
/** epb_flags direction bits: 1 inbound, 2 outbound. */
const epbDir = (pkttype: number): number => (pkttype === PACKET_TYPE.OUTGOING ? 2 : pkttype <= 3 ? 1 : 0);

interface Port {
  ring: PacketRing;
  label: string;
  captured: number;
  gone: boolean;
  /** it went away; the last frames are being taken before it is called gone */
  going: boolean;
  watch: { stop(): void } | null;
  handler: FrameHandler;
  /** The pcapng hot path (only writing, no -c): whole blocks straight into the writer. */
  fast: EpbVecWalker | null;
}

/**
 * AF_PACKET capture on one or more interfaces, each possibly in its own namespace, as tcpdump
 * does: open() every ring first (a bad target leaves nothing open), run() until -c, a stop()
 * or every interface gone, then summary() for tcpdump's exit counts.
 */
export class CaptureSession {
  readonly #ports: Port[];
  readonly #opts: CaptureOptions;
  #left: number;
  #timer: NodeJS.Timeout | null = null;
  #resolve: ((r: StopReason) => void) | null = null;
  #done: Promise<StopReason> | null = null;
  #finished = false;
  #pending: CapturedFrame[] = [];
  #merge: RingMerge | null = null;
  #vlanScratch = Buffer.allocUnsafeSlow(PCAP_MAX_SNAPLEN + 4);
  readonly startedNs = { sec: 0, nsec: 0 };

  private constructor(rings: { ring: PacketRing; label: string }[], opts: CaptureOptions) {
    this.#opts = { ...opts };
    this.#left = opts.count && opts.count > 0 ? opts.count : Infinity;
    this.#ports = rings.map((r, i) => ({ ...r, captured: 0, gone: false, going: false, watch: null, handler: this.#makeHandler(i), fast: null }));
    this.#plan();
    const now = Date.now();
    this.startedNs.sec = Math.floor(now / 1000);
    this.startedNs.nsec = (now % 1000) * 1e6;
  }

  /**
   * Open one ring per target, each inside its namespace. The filter is compiled once
   * first (libpcap's message on an error), so nothing is opened for a bad filter; a
   * failure on any target closes the rings opened before it.
   */
  static open(targets: CaptureTarget[], opts: CaptureOptions = {}): CaptureSession {
    if (targets.length === 0) throw new VpingError('EUSAGE', 'nothing to capture: name at least one interface');
    const snaplen = opts.snaplen && opts.snaplen > 0 ? Math.min(opts.snaplen, PCAP_MAX_SNAPLEN) : PCAP_MAX_SNAPLEN;
    let filter: Buffer | null = null;
    if (opts.filter && opts.filter.trim()) filter = compileFilter(opts.filter, 1, snaplen);
    else if (snaplen < PCAP_MAX_SNAPLEN) filter = snaplenProgram(snaplen);
    const kib = opts.bufferKiB ?? 8192;
    // Printing retires blocks often (below), so a block holds a few ms of sparse traffic: with
    // 1 MB blocks, 2 MB held 16 ms while the printer waited on a slow reader (a pipe into
    // less), and the kernel dropped the rest. 128 KB blocks (room for a 64 KB GSO frame) make
    // the same bytes sixteen blocks. Writing retires them eight times less often: 1 MB.
    const blockSize = opts.onFrame ? 128 << 10 : 1 << 20;
    const blockCount = Math.max(2, Math.ceil((kib * 1024) / blockSize));
    // Printing: the kernel hands over a part-filled block after 8 ms (the latency of lines).
    // Only writing: after 64 ms — fuller blocks, fewer wake-ups and writev calls (A/B on
    // the 100k-echo flood: 115 vs 128 ns/packet, 6 alternating rounds); libpcap uses
    // tcpdump's 1000 ms timeout here.
    const retireMs = opts.retireMs ?? (opts.onFrame ? RETIRE_PRINT_MS : RETIRE_WRITE_MS);
    const ropts: RingOptions = { blockSize, blockCount, filter, ignoreOutgoing: opts.direction === 'in', retireMs };
    const rings: { ring: PacketRing; label: string }[] = [];
    try {
      for (const t of targets) {
        const ring = PacketRing.open(t.ns, t.ifName, ropts);
        rings.push({ ring, label: t.ns ? `${t.ns}:${t.ifName}` : t.ifName });
      }
    } catch (e) {
      for (const r of rings) r.ring.close();
      throw e;
    }
    return new CaptureSession(rings, { ...opts, snaplen });
  }

  /** Where frames go from now on (the CLI opens its file only after every ring opened). */
  setSink(sink: PacketSink | null): void {
    this.#takeFast();
    this.#opts.sink = sink;
    this.#plan();
  }

  /**
   * Pick each port's path: when frames are only written to a pcapng file, with no count
   * to stop at, whole blocks go to an EpbVecWalker (writev from the ring); otherwise frame by frame through the
   * handler (printing, -c, pcap).
   */
  #plan(): void {
    const sink = this.#opts.sink;
    const fast = sink instanceof PcapngWriter && !this.#opts.onFrame && this.#left === Infinity;
    const dir = this.#opts.direction ?? 'inout';
    // several rings into one file: one walker, fed in time order across them (merge.ts)
    const merged = fast && this.#ports.length > 1;
    // compile the path the frames will take before the capture starts (moves CPU to
    // start-up; saves none): several rings through the merge (which never calls the
    // walker's block path), or one ring's blocks straight to the walker
    if (merged) RingMerge.warm();
    else if (fast) EpbVecWalker.warm();
    const wos = this.#ports.map((p, i) => ({ ifId: i, keepIn: dir !== 'out', keepOut: dir !== 'in', slow: p.handler }));
    this.#merge = merged ? new RingMerge(this.#ports.map((p) => p.ring), new EpbVecWalker(sink, wos[0]), wos, this.#holdMs()) : null;
    this.#ports.forEach((p, i) => {
      p.fast = fast && !merged ? new EpbVecWalker(sink, wos[i]) : null;
    });
  }
  /** How long a frame may wait in a block the kernel has not handed over: twice the longest retire timeout. */
  #holdMs(): number {
    return Math.max(...this.#ports.map((p) => p.ring.retireMs)) * 2 + 5;
  }

  /** Move the fast walkers' counts into the ports (before a walker is dropped or read). */
  #takeFast(): void {
    const m = this.#merge;
    if (m) {
      this.#ports.forEach((p, i) => (p.captured += m.takeCaptured(i)));
    }
    for (const p of this.#ports) {
      if (p.fast) {
        p.captured += p.fast.captured;
        p.fast.captured = 0;
      }
    }
  }

  get labels(): string[] {
    return this.#ports.map((p) => p.label);
  }

  #makeHandler(ifId: number): FrameHandler {
    const dirFilter = this.#opts.direction ?? 'inout';
    return (buf, off, caplen, len, sec, nsec, pkttype, vlanTci, vlanTpid) => {
      if (dirFilter !== 'inout' && (pkttype === PACKET_TYPE.OUTGOING) !== (dirFilter === 'out')) return;
      if (this.#left <= 0) return;
      this.#left--;
      this.#ports[ifId].captured++;
      let src: Uint8Array = buf;
      if (vlanTci >= 0 && caplen >= 12) {
        // The kernel took the 802.1Q tag off (VLAN offload): put it back, as libpcap does.
        const s = this.#vlanScratch;
        buf.copy(s, 0, off, off + 12);
        s.writeUInt16BE(vlanTpid, 12);
        s.writeUInt16BE(vlanTci, 14);
        buf.copy(s, 16, off + 12, off + caplen);
        src = s;
        off = 0;
        caplen += 4;
        len += 4;
      }
      const sink = this.#opts.sink;
      // one interface: straight to the file; several: through the merge below, so records
      // go out in time order across interfaces as lines do
      const merge = this.#ports.length > 1;
      if (sink && !merge) sink.packet(ifId, sec, nsec, src, off, caplen, len, epbDir(pkttype));
      if (this.#opts.onFrame || (sink && merge)) {
        this.#pending.push({ ifId, tsNs: BigInt(sec) * 1_000_000_000n + BigInt(nsec), data: Uint8Array.prototype.slice.call(src, off, off + caplen), len, dir: directionOf(pkttype) });
      }
    };
  }

  /** What ended the capture with 'error' (a write that failed), else null. */
  error: Error | null = null;

  /**
   * Drain every ring once. A failure on the way (the file's disk is full) ends the capture
   * with 'error' instead of escaping into the event loop: the caller prints one line, the
   * statistics, and the file keeps every whole record written before.
   */
  #drainAll(): number {
    try {
      return this.#drainAllOnce();
    } catch (e) {
      this.abort(e);
      return 0;
    }
  }

  /** End the capture now because of `e` (a write that failed outside a drain): run() resolves 'error'. */
  abort(e: unknown): void {
    if (this.#finished) return;
    this.error = e instanceof Error ? e : new Error(String(e));
    this.#finish('error');
  }

  /** Drain every ring once; deliver printed frames in time order. Returns frames seen. */
  #drainAllOnce(): number {
    let n = 0;
    const m = this.#merge;
    if (m) {
      this.#ports.forEach((p, k) => (m.off[k] = p.gone || p.ring.closed ? 1 : 0));
      n = m.take();
      m.write(false, Date.now());
      this.#afterMerge();
    } else {
      for (const p of this.#ports) {
        if (p.gone || p.ring.closed) continue;
        n += p.fast ? p.ring.drainBlocks(p.fast.walk) : p.ring.drain(p.handler, this.#left === Infinity ? Infinity : this.#left);
        if (this.#left <= 0) break;
      }
    }
    this.#emit(this.#left <= 0);
    if (this.#left <= 0) this.#finish('count');
    return n;
  }

  /** a re-look scheduled for frames held back by #emit */
  #recheck: ReturnType<typeof setTimeout> | null = null;

  /**
   * Print (and, with several interfaces, write) what was taken, in time order across
   * interfaces, as tcpdump -i any gives it. Each
   * ring hands over its frames in blocks, a block at most its retire timeout late, so a frame
   * of one interface can arrive after a later one of another: with several interfaces, frames
   * are held until they are older than twice the longest retire timeout (by then every ring
   * has handed over whatever came before them), then go out merged. `all`: everything now
   * (the end of the capture).
   */
  #emit(all: boolean): void {
    if (!this.#pending.length) return;
    let batch = this.#pending;
    this.#pending = [];
    if (this.#ports.length > 1) {
      batch.sort((a, b) => (a.tsNs < b.tsNs ? -1 : a.tsNs > b.tsNs ? 1 : 0));
      if (!all) {
        const holdMs = Math.max(...this.#ports.map((p) => p.ring.retireMs)) * 2 + 5;
        const mark = BigInt(Date.now() - holdMs) * 1_000_000n;
        let k = 0;
        while (k < batch.length && batch[k].tsNs <= mark) k++;
        this.#pending = batch.slice(k);
        batch = batch.slice(0, k);
        if (this.#pending.length && !this.#recheck) {
          this.#recheck = setTimeout(() => {
            this.#recheck = null;
            if (!this.#finished) this.#drainAll();
          }, holdMs + 1);
        }
      }
    }
    if (!batch.length) return;
    const sink = this.#ports.length > 1 ? this.#opts.sink : null;
    const onFrame = this.#opts.onFrame;
    for (const f of batch) {
      if (sink) {
        const sec = Number(f.tsNs / 1_000_000_000n);
        sink.packet(f.ifId, sec, Number(f.tsNs - BigInt(sec) * 1_000_000_000n), f.data, 0, f.data.length, f.len, f.dir === 'out' ? 2 : f.dir === 'unknown' ? 0 : 1);
      }
      onFrame?.(f);
    }
    this.#opts.onBatchEnd?.();
  }

  #checkGone(): void {
    for (const p of this.#ports) {
      if (p.gone || p.going || p.ring.closed) continue;
      const err = p.ring.pendingError();
      if (err === ENETDOWN || err === ENODEV || err === ENXIO) {
        // The interface went away (deleted, or moved to another namespace). Frames the kernel
        // already put in the ring are still there, the last ones in a block it has not handed
        // over yet: its retire timer still runs, so wait for it (twice the timeout, as stop()
        // does), take them all, and only then call the interface gone. So captured = received
        // by filter = frames in the file.
        p.going = true;
        p.watch?.stop();
        p.watch = null;
        setTimeout(() => {
          if (this.#finished) return;
          this.#drainAll();
          if (this.#finished) return;
          p.gone = true;
          this.#opts.onGone?.(p.label);
          if (this.#ports.every((q) => q.gone)) this.#finish('gone');
        }, p.ring.retireMs * 2 + 5);
      }
    }
  }

  /** Wake on each ring's readiness (uv_poll). */
  #watchAll(): void {
    for (const p of this.#ports) {
      if (p.watch || p.gone || p.going || p.ring.closed) continue;
      p.watch = watchFd(p.ring.fd, (error) => {
        if (this.#finished) return;
        if (this.#drainAll() === 0 || error) this.#checkGone();
      });
    }
  }

  #unwatchAll(): void {
    for (const p of this.#ports) {
      p.watch?.stop();
      p.watch = null;
    }
  }

  /** a drain scheduled while the merge holds blocks (their rings read as ready all along) */
  #heldTimer: ReturnType<typeof setTimeout> | null = null;

  /**
   * A ring socket polls readable while the block the kernel retired last is ours, so while
   * the merge holds blocks, poll would wake at once, again and again: drain on a short timer
   * instead, and go back to poll once nothing is held.
   */
  #afterMerge(): void {
    const m = this.#merge;
    if (!m || this.#finished) return;
    if (m.pending > 0) {
      this.#unwatchAll();
      this.#heldTimer ??= setTimeout(() => {
        this.#heldTimer = null;
        if (!this.#finished) this.#drainAll();
      }, HELD_POLL_MS);
    } else if (!this.#heldTimer) this.#watchAll();
  }

  /** Start reading; resolves when -c is reached, every interface is gone, or stop() ends it. */
  run(): Promise<StopReason> {
    if (this.#done) return this.#done;
    this.#done = new Promise<StopReason>((resolve) => {
      this.#resolve = resolve;
    });
    this.#watchAll();
    // A slow tick: picks up blocks the kernel retired on its timer, notices an interface
    // that vanished (POLLERR ends a uv_poll watch), and keeps the loop alive.
    this.#timer = setInterval(() => {
      if (this.#finished) return;
      this.#drainAll();
      this.#checkGone();
    }, 200);
    return this.#done;
  }

  /**
   * End the capture: first close the door (a reject-all filter, so the kernel queues no new
   * frame and counts none as received), then wait for it to hand over its part-filled
   * blocks (twice the retire timeout), take every frame left, then close the rings. So on
   * Ctrl-C every frame counted as received by filter is in the output.
   */
  stop(): Promise<StopReason> {
    if (!this.#done) this.#done = Promise.resolve('stopped');
    if (this.#finished) return this.#done;
    for (const p of this.#ports) {
      if (p.gone || p.ring.closed) continue;
      try {
        attachFilter(p.ring.fd, snaplenProgram(0));
      } catch {
        /* the interface is going away: what is in the ring is still drained below */
      }
    }
    const wait = Math.max(...this.#ports.map((p) => p.ring.retireMs)) * 2 + 5;
    setTimeout(() => this.#finish('stopped'), wait);
    return this.#done;
  }

  #finish(reason: StopReason): void {
    if (this.#finished) return;
    if (reason !== 'count' && reason !== 'error') {
      // the last frames: everything the kernel has handed over by now
      this.#drainAll();
    }
    // and the frames held back for the merge (their writes can fail too: a full disk)
    if (reason !== 'error') {
      try {
        this.#merge?.write(true, Date.now());
        this.#emit(true);
      } catch (e) {
        this.error = e instanceof Error ? e : new Error(String(e));
        reason = 'error';
      }
    }
    if (this.#recheck) clearTimeout(this.#recheck);
    this.#recheck = null;
    if (this.#heldTimer) clearTimeout(this.#heldTimer);
    this.#heldTimer = null;
    this.#finished = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    for (const p of this.#ports) {
      p.watch?.stop();
      p.watch = null;
    }
    for (const p of this.#ports) p.ring.stats();
    for (const p of this.#ports) p.ring.close();
    this.#resolve?.(reason);
  }

  /** Per-interface counts, as tcpdump's exit lines. */
  summary(): InterfaceSummary[] {
    this.#takeFast();
    return this.#ports.map((p) => {
      const s = p.ring.stats();
      return { label: p.label, captured: p.captured, received: s.packets, dropped: s.drops, gone: p.gone };
    });
  }

  /** Counts for a pcapng writer's Interface Statistics Blocks. */
  ifStats(): IfStats[] {
    const now = Date.now();
    return this.summary().map((s) => ({
      recv: s.received,
      drop: s.dropped,
      delivered: s.captured,
      startNs: this.startedNs,
      endNs: { sec: Math.floor(now / 1000), nsec: (now % 1000) * 1e6 },
    }));
  }
}
