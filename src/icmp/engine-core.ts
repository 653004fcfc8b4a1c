// The engine's I/O around the pinger (pinger.ts: the schedule, pipe and end of a run): it owns
// one ICMP socket (raw, or a datagram socket without privileges) and runs on a worker thread
// (engine.ts starts it; several engines share one in run-shared.ts). It sends with sendmmsg and
// receives with recvmmsg into preallocated pinned buffers, takes kernel software timestamps
// (SO_TIMESTAMPING: TX from the error queue, RX with each reply), and keeps ping's
// statistics. Nothing is allocated per packet on the flood path; per-reply events are built
// only when someone prints them.
import { performance } from 'node:perf_hooks';
import { UsageError } from '../sys/errors.js';
import {
  AF_INET, MSG_DONTWAIT, MSG_ERRQUEUE, MSG_WAITFORONE, POLLERR, POLLIN,
  SOL_SOCKET, SO_TIMESTAMPING, SO_TIMESTAMPNS, addressOf, close,
  CLOCK_MONOTONIC, CLOCK_MONOTONIC_COARSE, CLOCK_REALTIME, clockGettimeInto, clockNs, clockResNs, schedYield, pinned, ppollSoft, readSoft, setTimerSlackNs, recvmmsgSoft, sendmmsgSoft, strerror,
} from '../sys/libc.js';
import { lossPercent } from '../inet/number.js';
import { csumFinish, csumPartial } from '../inet/checksum.js';
import { formatSockaddr } from './addr.js';
import { Kind, ParsedPacket, familyFor, inetDgram, type IcmpFamily } from './family.js';
import { MININTERVAL_NS, Pinger } from './pinger.js';
import { ICMP_HDR, PAYLOAD } from './layout.js';
import { IP_TTL, CMSG, SOCKADDR_IN, SOCKADDR_IN6, IPPROTO_IP, IPPROTO_IPV6, IP_RECVERR, IPV6_RECVERR, IPV6_HOPLIMIT, MMSGHDR, POLLFD, SCM_TIMESTAMPING, SCM_TSTAMP, SOCK_EE, SOF_TIMESTAMPING, SO_EE_ORIGIN, SO_EE_ORIGIN_TIMESTAMPING } from '../sys/socket.js';
import {
  Histogram, IputilsSums, histParts, iputilsFigures, pingTimeMs, sumsParts, type Clock, type FlowParts, type Stats,
} from './stats.js';
import type { FloodTick, PingEvent, ReadyInfo, WorkerMessage } from './events.js';
import { IcmpParseError } from './errors.js';
import { MsgVec } from './msgvec.js';
import { openSocket } from './socket.js';
import { CmsgCursor, timespecNsSince } from '../sys/cmsg.js';
import { EAGAIN, EINTR, EMSGSIZE, ENOBUFS, ENOMEM } from '../sys/errno.js';

/** Everything the loop needs, already checked and resolved (structured-clone friendly). */
export interface EngineConfig {
  netns: string | null;
  family: 4 | 6;
  dest: number[];
  id: number;
  tag: number[];
  datalen: number;
  pattern: number[] | null;
  count: number;
  intervalMs: number;
  flood: boolean;
  preload: number;
  adaptive: boolean;
  deadlineMs: number;
  lingerMs: number;
  ttl: number | null;
  iface: string | null;
  /** source address bytes when -I named an address */
  source: number[] | null;
  outstanding: boolean;
  clock: Clock;
  histogram: boolean;
  /** record percentile buckets (false: counts, min, max and sums only) */
  percentiles?: boolean;
  events: boolean;
  floodTicks: boolean;
  /** ask the kernel for software TX and RX stamps (SO_TIMESTAMPING) */
  kernelTimestamps: boolean;
  /** TX-stamp one probe in N (1: all). Each TX stamp costs an skb on the error queue. */
  txStampEvery: number;
  /**
   * Attach a classic BPF filter that drops echo replies whose id is not ours (errors pass):
   * every raw ICMP socket of the namespace gets a copy of every reply, so with several flows
   * each socket would otherwise be woken by the others' replies. iputils installs the same.
   */
  idFilter?: boolean;
  /**
   * Post every reply's timing as transferred Float64Array batches (SAMPLE.* layout) instead of
   * per-reply events: no object per reply on either thread.
   */
  samples?: boolean;
}

/**
 * One reply in a sample batch: SAMPLE.SIZE doubles at SAMPLE.SIZE·i. Replies with a bad
 * checksum are not samples (ping does not count them as received); duplicates are, flagged.
 */
export const SAMPLE = {
  /** icmp_seq (16 bits, this flow's) */
  SEQ: 0,
  /** SAMPLE_DUP when the seq was already answered */
  FLAGS: 1,
  /** send instant, ns on process.hrtime's clock (CLOCK_MONOTONIC: one clock for every thread) */
  SENT_NS: 2,
  /** kernel RTT in ns (TX_SOFTWARE stamp to RX stamp), NaN when the probe has no TX stamp */
  KERNEL_RTT_NS: 3,
  /** hrtime RTT in ns, NaN when the payload has no room for timing (under 16 bytes) */
  HRTIME_RTT_NS: 4,
  /** ping's RTT in ns (user send to RX stamp), NaN without kernel RX stamps */
  PING_RTT_NS: 5,
  /** qdisc entry (TX_SCHED stamp) to RX stamp in ns, NaN when the probe has no TX stamp */
  SCHED_RTT_NS: 6,
  SIZE: 7,
} as const;

/** The sample field that carries each clock's RTT. */
export const SAMPLE_FIELD: Record<Clock, number> = {
  ping: SAMPLE.PING_RTT_NS, sched: SAMPLE.SCHED_RTT_NS, kernel: SAMPLE.KERNEL_RTT_NS, hrtime: SAMPLE.HRTIME_RTT_NS,
};
export const SAMPLE_DUP = 1;
/** Replies per full batch, and the longest a partial batch waits (ns) */
export const SAMPLE_BATCH = 1024;
export const SAMPLE_FLUSH_NS = 50e6;

export interface EngineSink {
  ready(info: ReadyInfo): void;
  events(evs: PingEvent[]): void;
  tick(t: FloodTick): void;
  status(st: Stats, parts: FlowParts): void;
  /** a batch of SAMPLE records (length a multiple of SAMPLE.SIZE); the sink may transfer its buffer */
  samples(batch: Float64Array): void;
}

/** What a worker posts: events.ts's protocol, with each flow's mergeable parts beside its statistics. */
export type EngineMessage =
  | Exclude<WorkerMessage, { t: 'status' } | { t: 'done' }>
  | { t: 'status'; stats: Stats; parts: FlowParts }
  | { t: 'done'; stats: Stats; parts: FlowParts };

/** Control words shared with the main thread (Int32Array over a SharedArrayBuffer). */
export const CTL = { STOP: 0, STATUS: 1, SIZE: 2 } as const;

const RX_SLOTS = 64;
/** CMSG_SPACE(sizeof(u32)) */
const TX_CMSG_SPACE = 24;
const EQ_SLOTS = 64;
const EQ_CTL_SIZE = 256;
const CTL_SIZE = 256;
/** CMSG_LEN(sizeof(struct timespec)) = 16 + 16: an SCM_TIMESTAMPNS RX stamp alone */
const RX_TS_CMSG_LEN = 32;
/** SCM_TIMESTAMPNS == SO_TIMESTAMPNS: struct timespec { s64 tv_sec; long tv_nsec; } */
const SCM_TIMESTAMPNS = SO_TIMESTAMPNS;
const NAME_SIZE = 32;
/** a wait at least this long leaves the send path cold (see sendBatch) */
const COLD_AFTER_NS = 1e6;
const MAX_BATCH = 64;
/** send-time slots of a run without a known count (see Engine.seqMask) */
const SEQ_WINDOW = 4096;

const nowNs = (): number => Math.round(performance.now() * 1e6);
const realUs = (): number => Math.round((performance.timeOrigin + performance.now()) * 1000);

/** What ping's main loop keeps between turns (Engine.begin makes it). */
export interface RunState {
  deadlineAt: number;
  /** when the final wait for replies ends (Infinity until the last probe is sent) */
  exitAt: number;
  lastTick: number;
  /** the instant the last turn's wait was computed */
  now: number;
  /**
   * When a turn returned -1 (ping would spin: the next probe is due within MININTERVAL and
   * none is in flight), how long until it is due, ns: what a loop that must not spin (several
   * engines on one thread) waits instead.
   */
  dueNs: number;
}

export class Engine extends Pinger {
  fam: IcmpFamily;
  readonly fd: number;
  readonly kernelTs: boolean;
  readonly primary: Clock;
  readonly source: ReadyInfo['source'];
  // buffers
  readonly pktLen: number;
  readonly tx: MsgVec;
  readonly rx: MsgVec;
  readonly eq: MsgVec;
  readonly pollfds = pinned(2 * POLLFD.size);
  readonly wakeBuf = pinned(8);
  readonly template: Uint8Array;
  /** TX-stamp one probe in `every` (0: none) */
  readonly every: number;
  readonly basePartial: number;
  readonly destSa: Buffer;
  readonly destBytes: Uint8Array;
  readonly tag0: number;
  readonly tag1: number;
  // per-seq tables
  /** send instant per seq, performance.now() ns (CLOCK_MONOTONIC): the hrtime span and the schedule */
  readonly sendNs: Float64Array;
  /** send instant per seq, CLOCK_REALTIME ns since baseSec, read just before sendmmsg: ping's span */
  readonly sendReal: Float64Array;
  /**
   * sendNs/sendReal are indexed by seq & seqMask: when the run sends a known number of probes
   * (count), the power of two above it (a bench of 1,000 pairs keeps 1,000 engines: 16 KB each),
   * so seqs never share a slot; otherwise a window of SEQ_WINDOW slots (64 KB, where the whole
   * 16-bit space took 1 MB that filled in as the run went on: an exporter's hundred endless
   * runs grew by 100 MB), each remembering its seq (slotSeq). A reply whose slot has been
   * taken by a later probe, SEQ_WINDOW probes on, is counted but not timed.
   */
  readonly seqMask: number;
  readonly slotSeq: Uint16Array;
  /** TX_SOFTWARE and TX_SCHED stamps per seq (CLOCK_REALTIME ns since baseSec), NaN until they come */
  readonly txStamp: Float64Array;
  readonly schedStamp: Float64Array;
  readonly realTs = pinned(16);
  readonly realTs32 = new Int32Array(this.realTs.buffer, this.realTs.byteOffset, 4);
  /** TX-stamp key → seq (only with TX stamps) */
  readonly keySeq: Uint16Array;
  readonly rxStamp = new Float64Array(RX_SLOTS);
  readonly rxHops = new Int16Array(RX_SLOTS);
  readonly parsed = new ParsedPacket();
  /** one cursor for every control area this engine reads */
  readonly cmsg = new CmsgCursor();
  readonly baseSec: number;
  // counters (iputils names)
  nrepeats = 0;
  nchecksum = 0;
  notOurs = 0;
  kernelTxMissing = 0;
  txKey = 0;
  /** TX stamps received up to this OPT_ID key: equal to txKey when none is due */
  txSeen = 0;
  startNs = 0;
  rttAddendUs = 0;
  readonly sums = new IputilsSums();
  readonly hists: Record<Clock, Histogram>;
  /** the widest RTT seen (ping's span, or hrtime without RX stamps), ns: the final wait is twice it */
  maxRttNs = 0;
  /** the last wait slept: warm the send path before the timed send */
  cold = false;
  /** something other than TX stamps may wait on the error queue (POLLERR, a socket error) */
  errPending = false;
  pending: PingEvent[] = [];
  /** the sample batch being filled (cfg.samples), its fill in records, and when it was last posted */
  sampleBuf: Float64Array | null;
  sampleN = 0;
  sampleFlushedAt = 0;
  /** this thread's performance.now() ns + monoOffset = process.hrtime ns (computed once) */
  readonly monoOffset: number;
  tick: FloodTick = { sent: 0, received: 0, errors: 0, corrupted: 0 };

  constructor(override readonly cfg: EngineConfig, readonly ctl: Int32Array, readonly wakeFd: number) {
    // the scheduler tick (1/HZ) is the coarse clock's resolution
    super(cfg, Math.max(1, Math.min(cfg.preload, MAX_BATCH)), clockResNs(CLOCK_MONOTONIC_COARSE) || 4e6);
    this.fam = familyFor(cfg.family);
    const b = cfg.percentiles ?? true;
    this.hists = { ping: new Histogram(b), sched: new Histogram(b), kernel: new Histogram(b), hrtime: new Histogram(b) };
    this.sampleBuf = cfg.samples ? new Float64Array(SAMPLE_BATCH * SAMPLE.SIZE) : null;
    // performance.now() counts from this thread's own origin; both it and process.hrtime read
    // CLOCK_MONOTONIC, so the difference is a constant (to the rounding of one reading)
    this.monoOffset = Number(process.hrtime.bigint()) - nowNs();
    const s = openSocket(cfg, this.fam);
    if (s.dgram) {
      // the kernel owns the id and hands over replies without their IPv4 header
      if (cfg.family === 4) this.fam = inetDgram;
      (cfg as { id: number }).id = s.id;
    }
    this.fd = s.fd;
    this.kernelTs = s.kernelTs;
    this.source = s.source;
    this.every = this.kernelTs && cfg.txStampEvery > 0 ? cfg.txStampEvery : 0;
    const space = cfg.count > 0 && cfg.count < SEQ_WINDOW - 1 && !cfg.deadlineMs ? 2 ** Math.ceil(Math.log2(cfg.count + 2)) : SEQ_WINDOW;
    this.seqMask = space - 1;
    this.sendNs = new Float64Array(space);
    this.sendReal = new Float64Array(space);
    this.slotSeq = new Uint16Array(space);
    // per-seq TX stamps only when TX stamps are asked for (1 MB an engine otherwise unused)
    this.txStamp = new Float64Array(this.every > 0 ? 65536 : 0);
    this.keySeq = new Uint16Array(this.every > 0 ? 65536 : 0);
    this.schedStamp = new Float64Array(this.every > 0 ? 65536 : 0);
    // a span needs its stamps: without kernel stamps only hrtime is left; the TX spans need TX stamps
    this.primary = cfg.clock === 'hrtime' || !this.kernelTs ? 'hrtime'
      : (cfg.clock === 'sched' || cfg.clock === 'kernel') && this.every === 0 ? 'ping' : cfg.clock;
    this.baseSec = Math.floor(Date.now() / 1000) - 1;
    this.destBytes = Uint8Array.from(cfg.dest);
    this.destSa = pinned(32);
    this.fam.sockaddr(this.destBytes).copy(this.destSa);
    this.pktLen = ICMP_HDR.size + cfg.datalen;
    // the echo template: header, then ping's fill (byte i = i, or the -p pattern), the tag
    const t = new Uint8Array(this.pktLen);
    this.fam.buildEcho(t, 0, cfg.id, 0);
    if (cfg.pattern && cfg.pattern.length) {
      for (let i = 0; i < cfg.datalen; i++) t[8 + i] = cfg.pattern[i % cfg.pattern.length];
    } else for (let i = 0; i < cfg.datalen; i++) t[8 + i] = i & 0xff;
    if (cfg.datalen >= PAYLOAD.tagMin) {
      for (let i = 0; i < 16; i++) t[8 + i] = 0;
      t.set(cfg.tag, 8 + PAYLOAD.tag);
    }
    this.template = t;
    const tdv = new DataView(t.buffer);
    this.tag0 = cfg.datalen >= PAYLOAD.tagMin ? tdv.getUint32(8 + PAYLOAD.tag, true) : 0;
    this.tag1 = cfg.datalen >= PAYLOAD.tagMin ? tdv.getUint32(8 + PAYLOAD.tag + 4, true) : 0;
    this.basePartial = csumPartial(t, 0, t.length);
    // send slots hold a copy of the template each; only seq, time and checksum change
    this.tx = new MsgVec(this.batch, this.pktLen, 0, this.every > 1 ? TX_CMSG_SPACE : 0);
    for (let i = 0; i < this.batch; i++) this.tx.data.set(t, i * this.pktLen);
    if (this.tx.ctl) {
      // struct cmsghdr { len = CMSG_LEN(4) = 20, SOL_SOCKET, SO_TIMESTAMPING } + u32 TX_SOFTWARE
      for (let i = 0; i < this.batch; i++) {
        const o = i * TX_CMSG_SPACE;
        this.tx.ctl.writeUInt32LE(CMSG.data + 4, o + CMSG.len);
        this.tx.ctl.writeInt32LE(SOL_SOCKET, o + CMSG.level);
        this.tx.ctl.writeInt32LE(SO_TIMESTAMPING, o + CMSG.type);
        this.tx.ctl.writeUInt32LE(SOF_TIMESTAMPING.TX_SOFTWARE | SOF_TIMESTAMPING.TX_SCHED, o + CMSG.data);
      }
    }
    const saAddr = addressOf(this.destSa);
    const saLen = this.fam.af === AF_INET ? SOCKADDR_IN.size : SOCKADDR_IN6.size;
    for (let i = 0; i < this.batch; i++) {
      this.tx.dv.setBigUint64(i * MMSGHDR.size + MMSGHDR.name, saAddr, true);
      this.tx.dv.setUint32(i * MMSGHDR.size + MMSGHDR.namelen, saLen, true);
    }
    // a reply is at most IP header (60) + ICMP; errors quote at most 576 bytes
    const rxSlot = Math.max(1024, this.pktLen + 64 + 8);
    this.rx = new MsgVec(RX_SLOTS, rxSlot, NAME_SIZE, CTL_SIZE);
    // an error-queue entry carries SCM_TIMESTAMPNS (32), SCM_TIMESTAMPING (64) and the
    // extended error with the offender's address (48 or 60): room for all without MSG_CTRUNC
    this.eq = new MsgVec(EQ_SLOTS, 64, 0, EQ_CTL_SIZE);
    this.txStamp.fill(NaN);
    this.schedStamp.fill(NaN);
    const pdv = new DataView(this.pollfds.buffer, this.pollfds.byteOffset, 16);
    pdv.setInt32(POLLFD.fd, this.fd, true);
    pdv.setInt16(POLLFD.events, POLLIN, true);
    pdv.setInt32(POLLFD.size + POLLFD.fd, wakeFd, true);
    pdv.setInt16(POLLFD.size + POLLFD.events, POLLIN, true);
  }

  close(): void {
    close(this.fd);
  }

  /** set by the worker after a warm-up (warm.ts) */
  warmEchoes = 0;

  readyInfo(): ReadyInfo {
    return { primaryClock: this.primary, kernelTimestamps: this.kernelTs, source: this.source, id: this.cfg.id, warmEchoes: this.warmEchoes };
  }

  /** Fill slot i for seq and return nothing: seq, timestamp, checksum (incremental from the template's sum). */
  stamp(i: number, seq: number, tNs: number): void {
    const d = this.tx.data;
    const o = i * this.pktLen;
    d[o + 6] = seq >> 8;
    d[o + 7] = seq & 0xff;
    let sum = this.basePartial + seq;
    if (this.cfg.datalen >= PAYLOAD.timingMin) {
      const sec = Math.floor(tNs / 1e9);
      const nsec = tNs - sec * 1e9;
      const p = o + 8 + PAYLOAD.time;
      d[p] = sec & 0xff; d[p + 1] = (sec >>> 8) & 0xff; d[p + 2] = (sec >>> 16) & 0xff; d[p + 3] = sec >>> 24;
      d[p + 4] = nsec & 0xff; d[p + 5] = (nsec >>> 8) & 0xff; d[p + 6] = (nsec >>> 16) & 0xff; d[p + 7] = nsec >>> 24;
      sum += (d[p] << 8) + d[p + 1] + (d[p + 2] << 8) + d[p + 3] + (d[p + 4] << 8) + d[p + 5] + (d[p + 6] << 8) + d[p + 7];
    }
    if (this.fam.userChecksum) {
      const c = csumFinish(sum);
      d[o + 2] = c >> 8;
      d[o + 3] = c & 0xff;
    }
  }

  /** Is probe number n (1-based count of probes) one the kernel TX-stamps? */
  stamped(n: number): boolean {
    // with sampling, the first `every` probes are all stamped, so a short run still has kernel figures
    return this.every === 1 || (this.every > 1 && (n <= this.every || n % this.every === 0));
  }

  /** Send up to k probes now. Returns how many the kernel took (errors are counted and reported). */
  sendBatch(k: number): number {
    const t = nowNs();
    const base = this.ntransmitted;
    for (let i = 0; i < k; i++) this.stamp(i, (base + 1 + i) & 0xffff, t);
    if (this.every > 1) {
      const dv = this.tx.dv;
      for (let i = 0; i < k; i++) {
        const m = i * MMSGHDR.size + MMSGHDR.controllen;
        dv.setUint32(m, this.stamped(base + 1 + i) ? TX_CMSG_SPACE : 0, true);
        dv.setUint32(m + 4, 0, true);
      }
    }
    // After a sleep, the FFI path into sendmmsg is cold: 8-10 µs from the clock read to the
    // kernel's syscall entry on this project's test machine (ftrace), against 3-4 µs warm and
    // under 1 µs for ping's gettimeofday-then-sendto. A send of no messages (vlen 0: the
    // kernel looks up the fd and returns 0, nothing sent) walks that path first, so the span
    // below holds the kernel's work, as ping's does, and not the warming of vping's own.
    if (this.cold) {
      sendmmsgSoft(this.fd, this.tx.vec, 0, 0);
      this.cold = false;
    }
    // ping's span starts here: CLOCK_REALTIME (the RX stamp's clock), right before the call
    clockGettimeInto(CLOCK_REALTIME, this.realTs);
    const r = sendmmsgSoft(this.fd, this.tx.vec, k, 0);
    const ts = this.realTs32;
    const tReal = (ts[0] + ts[1] * 4294967296 - this.baseSec) * 1e9 + ts[2];
    if (this.startNs === 0) this.startNs = t;
    if (r > 0) {
      for (let i = 0; i < r; i++) {
        const seq = (base + 1 + i) & 0xffff;
        this.sendNs[seq & this.seqMask] = t;
        this.sendReal[seq & this.seqMask] = tReal;
        this.slotSeq[seq & this.seqMask] = seq;
        if (this.every > 0) {
          this.txStamp[seq] = NaN;
          this.schedStamp[seq] = NaN;
        }
        if (this.stamped(base + 1 + i)) {
          this.keySeq[this.txKey & 0xffff] = seq;
          this.txKey++;
        }
      }
      this.sent(r, t);
      if (this.cfg.floodTicks) this.tick.sent += r;
      return r;
    }
    const err = -r;
    // Refused for back-pressure: not sent, not counted, tried again later (ping's pinger()).
    const why = err === EAGAIN ? 'again' : err === EINTR ? 'interrupted' : err === ENOBUFS || err === ENOMEM ? 'nobufs' : 'other';
    if (this.refused(why)) return 0;
    // An ICMP error for an earlier probe was pending (sk_err, set with IP_RECVERR): the kernel
    // reported it here instead of sending. As ping: the probe counts as sent, without a line
    // of its own (the error itself is counted where its packet arrives).
    if (this.drainErrQueue() > 0) {
      this.sentInError(t, false);
      return -1;
    }
    // hard local error: pretend it was sent (ping's hard_local_error)
    this.sentInError(t, true);
    const seq = this.ntransmitted & 0xffff;
    if (this.cfg.floodTicks) this.tick.errors++;
    if (this.cfg.events) {
      const text = err === EMSGSIZE ? 'local error: message too long' : `sendmsg: ${strerror(err)}`;
      this.pending.push({ type: 'local-error', seq, errno: err, text, realUs: realUs() });
    }
    return -1;
  }

  /** ping's pinger(): how many to send now, or the ns to wait before the next one. */
  /**
   * Drain the error queue: TX stamps (each tagged with its OPT_ID counter) are kept; ICMP errors
   * queued by IP_RECVERR are set aside. Returns how many ICMP errors it found.
   */
  drainErrQueue(): number {
    this.errPending = false;
    let icmp = 0;
    for (;;) {
      this.eq.reset(this.eq.dirty, 0);
      this.eq.dirty = 0;
      const n = recvmmsgSoft(this.fd, this.eq.vec, EQ_SLOTS, MSG_ERRQUEUE | MSG_DONTWAIT);
      if (n <= 0) return icmp;
      this.eq.dirty = n;
      const c = this.eq.ctl as Buffer;
      for (let i = 0; i < n; i++) {
        let ts = NaN;
        let key = -1;
        let info = -1;
        const m = this.cmsg.start(c, i * EQ_CTL_SIZE, this.eq.controlLen(i));
        while (m.next()) {
          const d = m.data;
          if (m.level === SOL_SOCKET && m.type === SCM_TIMESTAMPING) {
            ts = timespecNsSince(c, d, this.baseSec);
          } else if (
            ((m.level === IPPROTO_IP && m.type === IP_RECVERR) || (m.level === IPPROTO_IPV6 && m.type === IPV6_RECVERR)) &&
            m.len >= CMSG.data + SOCK_EE.size
          ) {
            const origin = c[d + SOCK_EE.origin];
            if (origin === SO_EE_ORIGIN_TIMESTAMPING) {
              key = c.readUInt32LE(d + SOCK_EE.data);
              info = c.readUInt32LE(d + SOCK_EE.info);
            } else if (origin === SO_EE_ORIGIN.ICMP || origin === SO_EE_ORIGIN.ICMP6) icmp++;
          }
        }
        if (key >= 0 && ts === ts) {
          if (info === SCM_TSTAMP.SCHED) this.schedStamp[this.keySeq[key & 0xffff]] = ts;
          else if (info === SCM_TSTAMP.SND) {
            this.txStamp[this.keySeq[key & 0xffff]] = ts;
            // keys come in order (SCHED before SND); a lost stamp is passed over by the next one
            this.txSeen = (key + 1) >>> 0;
          }
        }
      }
      if (n < EQ_SLOTS) return icmp;
    }
  }

  /** Receive what is queued (blocking up to SO_RCVTIMEO when `block`), then handle it. */
  receive(block: boolean): number {
    // only the slots the kernel wrote last time need their lengths restored
    const rx = this.rx;
    rx.reset(rx.dirty, NAME_SIZE);
    rx.dirty = 0;
    // blocking (flood): ask for no more than are in flight, so one in flight is one datagram
    // and recvmmsg does not try again for a second that cannot be there yet (anything extra,
    // a duplicate or an error, is read on the next call)
    const vlen = block ? Math.min(RX_SLOTS, Math.max(1, this.inFlight())) : RX_SLOTS;
    const n = recvmmsgSoft(this.fd, rx.vec, vlen, block ? MSG_WAITFORONE : MSG_DONTWAIT);
    const tRecv = nowNs();
    // a pending socket error (an ICMP error queued by IP_RECVERR) comes back here once
    if (n < 0 && n !== -EAGAIN && n !== -EINTR) this.errPending = true;
    // the error queue is drained only while TX stamps are due or something else waits there
    // (one recvmmsg per batch saved otherwise)
    if (this.errPending || (this.kernelTs && this.txSeen !== this.txKey >>> 0)) this.drainErrQueue();
    if (n <= 0) return 0;
    rx.dirty = n;
    const c = rx.ctl as Buffer;
    const c32 = rx.ctl32 as Uint32Array;
    for (let i = 0; i < n; i++) {
      // kernel RX stamp (and IPv6 hop limit) from the control messages
      const clen = rx.controlLen(i);
      const b = i * CTL_SIZE;
      let ts = NaN;
      let hops = -1;
      const w = b >>> 2;
      if (clen === RX_TS_CMSG_LEN && c32[w] === RX_TS_CMSG_LEN && c32[w + 2] === SOL_SOCKET && c32[w + 3] === SCM_TIMESTAMPNS) {
        // the common case, one SCM_TIMESTAMPNS and nothing else: read it in place
        ts = (c32[w + 4] + (c32[w + 5] | 0) * 4294967296 - this.baseSec) * 1e9 + c32[w + 6];
      } else {
        const m = this.cmsg.start(c, b, clen);
        while (m.next()) {
          if (m.level === SOL_SOCKET && (m.type === SCM_TIMESTAMPNS || m.type === SCM_TIMESTAMPING)) ts = timespecNsSince(c, m.data, this.baseSec);
          else if (m.level === IPPROTO_IPV6 && m.type === IPV6_HOPLIMIT) hops = c.readInt32LE(m.data);
          else if (m.level === IPPROTO_IP && m.type === IP_TTL) hops = c.readInt32LE(m.data);
        }
      }
      this.handle(i, rx.msgLen(i), tRecv, ts, hops);
    }
    return n;
  }

  /** One received packet: match, time, count, and (when printing) describe it. */
  handle(i: number, len: number, tRecv: number, rxTs: number, hops: number): void {
    const buf = this.rx.slots[i];
    const p = this.parsed;
    let kind;
    try {
      kind = this.fam.parseReply(buf, Math.min(len, buf.length), p);
    } catch (e) {
      if (e instanceof IcmpParseError) return;
      throw e;
    }
    const cfg = this.cfg;
    if (kind === Kind.ECHO_REPLY) {
      if (p.id !== cfg.id || !this.tagMatches(buf, p.dataOff, p.dataLen)) {
        this.notOurs++;
        return;
      }
      const seq = p.seq;
      const csfailed = !p.csumOk;
      this.nreceived++;
      if (!csfailed) this.acknowledge(seq);
      const truncated = p.icmpLen < cfg.datalen + 8;
      let hr: number | null = null;
      let kr: number | null = null;
      let pr: number | null = null;
      let sr: number | null = null;
      let rtt: number | null = null;
      if (cfg.datalen >= PAYLOAD.timingMin && p.icmpLen >= 8 + PAYLOAD.timingMin && this.slotSeq[seq & this.seqMask] === seq) {
        hr = tRecv - this.sendNs[seq & this.seqMask];
        if (rxTs === rxTs) {
          // a clock stepped back between send and receive gives 0, as ping's countermeasure
          pr = Math.max(0, rxTs - this.sendReal[seq & this.seqMask]);
          const tx = this.every > 0 ? this.txStamp[seq] : NaN;
          if (tx === tx) kr = rxTs - tx;
          else if (this.every === 1) this.kernelTxMissing++;
          const sc = this.every > 0 ? this.schedStamp[seq] : NaN;
          if (sc === sc) sr = rxTs - sc;
        }
        // ping's figures take only samples of the primary clock (never a mix); time= shows
        // ping's span (or hrtime) when a probe has no stamp for the primary one
        const pc = this.primary;
        const primaryRtt = pc === 'ping' ? pr : pc === 'kernel' ? kr : pc === 'sched' ? sr : hr;
        rtt = primaryRtt ?? pr ?? hr;
        if (!csfailed) {
          const h = this.hists;
          h.hrtime.record(hr);
          if (pr !== null) h.ping.record(pr);
          if (kr !== null) h.kernel.record(kr);
          if (sr !== null) h.sched.record(sr);
          const wide = pr ?? hr;
          if (wide > this.maxRttNs) this.maxRttNs = wide;
          if (primaryRtt !== null) {
            this.sums.add(Math.trunc(primaryRtt / 1000));
            if (cfg.adaptive) this.updateInterval();
          }
        }
      }
      let dup = false;
      if (csfailed) {
        this.nchecksum++;
        this.nreceived--;
      } else if (this.seen(seq)) {
        this.nrepeats++;
        this.nreceived--;
        dup = true;
      }
      if (this.sampleBuf !== null && !csfailed) {
        const b = this.sampleBuf;
        const o = this.sampleN * SAMPLE.SIZE;
        b[o + SAMPLE.SEQ] = seq;
        b[o + SAMPLE.FLAGS] = dup ? SAMPLE_DUP : 0;
        b[o + SAMPLE.SENT_NS] = this.slotSeq[seq & this.seqMask] === seq ? this.sendNs[seq & this.seqMask] + this.monoOffset : NaN;
        b[o + SAMPLE.KERNEL_RTT_NS] = kr ?? NaN;
        b[o + SAMPLE.HRTIME_RTT_NS] = hr ?? NaN;
        b[o + SAMPLE.PING_RTT_NS] = pr ?? NaN;
        b[o + SAMPLE.SCHED_RTT_NS] = sr ?? NaN;
        if (++this.sampleN === SAMPLE_BATCH) {
          // a full batch goes whole (the sink transfers it) and a fresh one takes its place
          this.sampleSink?.samples(b);
          this.sampleBuf = new Float64Array(SAMPLE_BATCH * SAMPLE.SIZE);
          this.sampleN = 0;
          this.sampleFlushedAt = tRecv;
        }
      }
      if (cfg.floodTicks) {
        if (csfailed) this.tick.corrupted++;
        else this.tick.received++;
      }
      if (cfg.events) {
        const from = formatSockaddr(this.rx.names as Buffer, i * NAME_SIZE);
        this.pending.push({
          type: 'reply', seq, bytes: p.icmpLen, from, ttl: p.ttl >= 0 ? p.ttl : hops,
          rttNs: rtt, clock: this.primary, pingRttNs: pr, schedRttNs: sr, kernelRttNs: kr, hrtimeRttNs: hr, dup, badChecksum: csfailed, truncated,
          differentAddress: !this.fromIsDest(i), wrongData: truncated ? null : this.wrongData(buf, p.dataOff, p.dataLen),
          realUs: realUs(),
        });
      }
      return;
    }
    if (kind === Kind.ERROR) {
      if (p.id !== cfg.id || !this.origDstMatches(buf, p.origDstOff) || !this.tagMatches(buf, p.dataOff, p.dataLen)) {
        this.notOurs++;
        return;
      }
      this.acknowledge(p.seq);
      this.nerrors++;
      if (cfg.floodTicks) this.tick.errors++;
      if (cfg.events) {
        this.pending.push({
          type: 'icmp-error', seq: p.seq, from: formatSockaddr(this.rx.names as Buffer, i * NAME_SIZE),
          icmpType: p.type, icmpCode: p.code, text: this.fam.errorText(p.type, p.code, p.info), realUs: realUs(),
        });
      }
    }
  }

  /** The tag where it fits; a quoted packet too short to hold it is judged by id alone. */
  tagMatches(buf: Uint8Array, off: number, len: number): boolean {
    if (this.cfg.datalen < PAYLOAD.tagMin || len < PAYLOAD.tagMin) return true;
    const o = off + PAYLOAD.tag;
    const a = (buf[o] | (buf[o + 1] << 8) | (buf[o + 2] << 16) | (buf[o + 3] << 24)) >>> 0;
    const b = (buf[o + 4] | (buf[o + 5] << 8) | (buf[o + 6] << 16) | (buf[o + 7] << 24)) >>> 0;
    return a === this.tag0 && b === this.tag1;
  }

  origDstMatches(buf: Uint8Array, off: number): boolean {
    const d = this.destBytes;
    for (let k = 0; k < d.length; k++) if (buf[off + k] !== d[k]) return false;
    return true;
  }

  fromIsDest(i: number): boolean {
    const names = this.rx.names as Buffer;
    const off = i * NAME_SIZE + (this.fam.af === AF_INET ? SOCKADDR_IN.addr : SOCKADDR_IN6.addr);
    const d = this.destBytes;
    for (let k = 0; k < d.length; k++) if (names[off + k] !== d[k]) return false;
    return true;
  }

  wrongData(buf: Uint8Array, off: number, len: number): { index: number; expected: number; got: number; dump: number[] } | null {
    const t = this.template;
    const start = PAYLOAD.timingMin;
    for (let i = start; i < this.cfg.datalen && i < len; i++) {
      if (buf[off + i] !== t[8 + i]) {
        return { index: i, expected: t[8 + i], got: buf[off + i], dump: Array.from(buf.subarray(off + start, off + Math.min(len, this.cfg.datalen))) };
      }
    }
    return null;
  }

  /** ping's update_interval() for -A (root: no 200 ms floor). */
  updateInterval(): void {
    const est = this.sums.rtt ? this.sums.rtt / 8 : this.intervalNs / 1000;
    this.intervalNs = Math.trunc((est + this.rttAddendUs + 500) / 1000) * 1e6;
  }

  snapshot(): Stats {
    const elapsed = this.lastSendNs > this.startNs ? this.lastSendNs - this.startNs : 0;
    const showIpg = this.cfg.intervalMs === 0 || this.cfg.flood || this.cfg.adaptive;
    return {
      transmitted: this.ntransmitted,
      received: this.nreceived,
      duplicates: this.nrepeats,
      corrupted: this.nchecksum,
      errors: this.nerrors,
      lossPercent: lossPercent(this.ntransmitted, this.nreceived),
      elapsedNs: elapsed,
      timeMs: pingTimeMs(elapsed),
      pipe: this.pipesize,
      timing: this.cfg.datalen >= PAYLOAD.timingMin,
      primaryClock: this.primary,
      iputils: iputilsFigures(this.sums, this.nreceived, this.nrepeats, this.ntransmitted, elapsed, showIpg, this.sampled()),
      rtt: {
        ping: this.measures('ping') ? this.hists.ping.summary('ping', this.cfg.histogram) : null,
        sched: this.measures('sched') ? this.hists.sched.summary('sched', this.cfg.histogram) : null,
        kernel: this.measures('kernel') ? this.hists.kernel.summary('kernel', this.cfg.histogram) : null,
        hrtime: this.hists.hrtime.summary('hrtime', this.cfg.histogram),
      },
      kernelTxMissing: this.kernelTxMissing,
    };
  }

  /** Can this run measure the span at all (it has the stamps the span needs)? */
  measures(c: Clock): boolean {
    return c === 'hrtime' || (this.kernelTs && (c === 'ping' || this.every > 0));
  }

  /** The parts of one span's histogram, or null when the run cannot measure it. */
  histPartsOf(c: Clock): ReturnType<typeof histParts> | null {
    return this.measures(c) ? histParts(this.hists[c]) : null;
  }

  /** ping's figures come from a sample: the kernel clock with TX stamps on 1 probe in N. */
  sampled(): boolean {
    return (this.primary === 'kernel' || this.primary === 'sched') && this.every > 1;
  }

  /** This flow's mergeable state (stats.ts mergeFlows), send instants moved onto CLOCK_MONOTONIC. */
  parts(): FlowParts {
    // performance.now() counts from this thread's own origin; process.hrtime is one clock for
    // every thread, so flows on different workers can be put on one time line
    const off = process.hrtime.bigint() - BigInt(nowNs());
    const sent = this.ntransmitted > 0 && this.startNs > 0;
    return {
      transmitted: this.ntransmitted,
      received: this.nreceived,
      duplicates: this.nrepeats,
      corrupted: this.nchecksum,
      errors: this.nerrors,
      kernelTxMissing: this.kernelTxMissing,
      pipe: this.pipesize,
      firstSendNs: sent ? BigInt(this.startNs) + off : null,
      lastSendNs: sent ? BigInt(this.lastSendNs) + off : null,
      timing: this.cfg.datalen >= PAYLOAD.timingMin,
      primaryClock: this.primary,
      showIpg: this.cfg.intervalMs === 0 || this.cfg.flood || this.cfg.adaptive,
      histogram: this.cfg.histogram,
      sampled: this.sampled(),
      sums: sumsParts(this.sums),
      hists: { ping: this.histPartsOf('ping'), sched: this.histPartsOf('sched'), kernel: this.histPartsOf('kernel'), hrtime: this.histPartsOf('hrtime') },
    };
  }

  /** Post the partial sample batch (a copy of its filled part: the buffer is kept). */
  flushSamples(sink: EngineSink, now: number): void {
    this.sampleFlushedAt = now;
    if (this.sampleN === 0 || this.sampleBuf === null) return;
    sink.samples(this.sampleBuf.slice(0, this.sampleN * SAMPLE.SIZE));
    this.sampleN = 0;
  }

  /** where full sample batches go (set by run) */
  sampleSink: EngineSink | null = null;

  /**
   * How ping's main loop waits when its pinger asks for `next` ns (-i > 0). Returns the wait,
   * or -1 for "spin". Each wait ends early when a reply arrives, as ping's does.
   * - A full interval (at least 10 ms; not with -A) is waited in a blocking recvmsg under
   *   SO_RCVTIMEO, which the kernel counts in scheduler ticks: the timeout rounded up to whole
   *   ticks, and the timer wheel fires one tick after that, so the wait ends 0–1 tick past the
   *   interval (20–24 ms for 20 ms at HZ 250). vping waits as long, in a poll that stop and
   *   status can still wake.
   * - 10 ms or less with a reply outstanding: 10 ms (ping sleeps for the reply).
   * - 10 ms or less with nothing outstanding: ping spins (non-blocking receives and
   *   sched_yield) until the probe is due, so the CPU is awake when it sends — at -i 0.002 that
   *   is most of its RTT (4 µs spinning against 11 µs woken from a sleep, on this lab).
   */
  pingWait(next: number): number {
    return this.waitPolicy(next, this.sinceTickNs());
  }

  /**
   * Time since the current scheduler tick began, taken as the time since the coarse clock
   * (CLOCK_MONOTONIC as of the last timekeeping update) last moved. On this project's
   * machines that keeps ping's interval within 1 %; a kernel whose timekeeping update lags
   * its tick by more would make vping's waits that much shorter.
   */
  sinceTickNs(): number {
    const tick = this.tickNs;
    const lag = Number(clockNs(CLOCK_MONOTONIC) - clockNs(CLOCK_MONOTONIC_COARSE));
    return ((lag % tick) + tick) % tick;
  }


  /** ping's main_loop: until the count, the deadline, the linger time, or a stop. */
  /** The loop's state between turns (run() and runShared() keep one per engine). */
  begin(sink: EngineSink): RunState {
    // Probes are sent on timers: with the default 50 µs of timer slack each wake-up may come
    // that much late, and at -i 0.002 that stretched a run by 5%. This thread only.
    if (this.intervalNs > 0) setTimerSlackNs(1000);
    this.sampleSink = sink;
    const start = nowNs();
    this.sampleFlushedAt = start;
    return { deadlineAt: this.cfg.deadlineMs ? start + this.cfg.deadlineMs * 1e6 : Infinity, exitAt: Infinity, lastTick: start, now: start, dueNs: 0 };
  }

  /**
   * The first half of one turn of ping's main loop: the checks that end the run, a status
   * asked for, the probes that are due, and the wait before the next turn. Returns that wait
   * in ns (-1: spin, as ping does below 10 ms with nothing outstanding), or null when the run
   * is over.
   */
  turn(st: RunState, sink: EngineSink): number | null {
    const cfg = this.cfg;
    const ctl = this.ctl;
    if (Atomics.load(ctl, CTL.STOP)) return null;
    if (this.ended()) return null;
    if (Atomics.load(ctl, CTL.STATUS)) {
      Atomics.store(ctl, CTL.STATUS, 0);
      sink.status(this.snapshot(), this.parts());
    }
    let now = nowNs();
    if (this.over(now, st.deadlineAt, st.exitAt)) return null;
    // send what is due
    let waitNs = 0;
    for (let guard = 0; guard < 64; guard++) {
      const s = this.schedule(now);
      waitNs = s.waitNs;
      if (s.send <= 0) break;
      if (cfg.outstanding && this.ntransmitted > 0 && !this.rcvd[this.ntransmitted & 0xffff] && cfg.events) {
        this.pending.push({ type: 'no-answer', seq: this.ntransmitted & 0xffff, realUs: realUs() });
      }
      const r = this.sendBatch(s.send);
      if (r <= 0) {
        // refused for back-pressure: retry as ping does; a hard error: ping's SCHINT(interval)
        waitNs = r === 0 ? this.retryNs : Math.max(this.intervalNs, MININTERVAL_NS);
        break;
      }
      // As ping: the wait for the next probe is the one computed before this send and runs
      // from its return, so a send that blocked for room (a shaper holding the socket's
      // buffer) delays the next by as long; only a wait ≤ 0 (a -l burst) sends again now.
      if (cfg.count && !cfg.deadlineMs && this.ntransmitted >= cfg.count) {
        waitNs = Infinity; // the last one: the wait for replies starts now, as ping's
        break;
      }
      if (this.intervalNs === 0 || waitNs > 0) break;
      now = nowNs();
    }
    if (waitNs === Infinity && st.exitAt === Infinity) {
      // all sent: wait 2×max RTT (at least an interval), or -W when nothing came back. The
      // RTT is ping's span whatever the primary clock: a narrower one (TX stamps start after
      // the qdisc) would give up on replies still queued behind a shaper.
      const w = this.nreceived ? Math.max(2 * this.maxRttNs, cfg.intervalMs * 1e6) : cfg.lingerMs * 1e6;
      st.exitAt = nowNs() + w;
    }
    if (this.intervalNs > 0 && st.exitAt === Infinity && waitNs !== Infinity) {
      const due = waitNs;
      waitNs = this.pingWait(waitNs);
      if (waitNs < 0) {
        st.now = nowNs();
        st.dueNs = Math.max(0, due - (st.now - now));
        return -1;
      }
    }
    now = nowNs();
    st.now = now;
    const timeoutNs = Math.min(waitNs, st.exitAt - now, st.deadlineAt - now);
    return timeoutNs < 0 ? 0 : timeoutNs;
  }

  /** The second half of a turn, after the wait: events, flood ticks and samples go out. */
  afterWait(st: RunState, sink: EngineSink): void {
    if (this.pending.length) {
      // the sends these replies answer are counted before them (a reader of both never sees
      // more replies than requests)
      if (this.cfg.floodTicks) this.flushTick(sink);
      sink.events(this.pending);
      this.pending = [];
    }
    if (this.cfg.floodTicks) {
      const t = nowNs();
      if (t - st.lastTick > 20e6) {
        st.lastTick = t;
        this.flushTick(sink);
      }
    }
    if (this.sampleN !== 0 && st.now - this.sampleFlushedAt > SAMPLE_FLUSH_NS) this.flushSamples(sink, st.now);
  }

  /** The run is over: what is left goes out; the statistics. */
  finish(sink: EngineSink): Stats {
    if (this.pending.length) {
      sink.events(this.pending);
      this.pending = [];
    }
    // every reply handled so far is in a batch before 'done' is posted (stop included)
    this.flushSamples(sink, nowNs());
    if (this.cfg.floodTicks) this.flushTick(sink);
    return this.snapshot();
  }

  /** A readable (or POLLERR) socket after a poll: take what is queued. */
  takeReady(revents: number): void {
    if (revents & POLLERR) this.errPending = true;
    if (revents & (POLLIN | POLLERR)) while (this.receive(false) === RX_SLOTS);
  }

  /** ping's main loop, this engine alone on its thread. */
  run(sink: EngineSink): Stats {
    const cfg = this.cfg;
    const st = this.begin(sink);
    const pdv = new DataView(this.pollfds.buffer, this.pollfds.byteOffset, 16);
    for (;;) {
      const timeoutNs = this.turn(st, sink);
      if (timeoutNs === null) break;
      const inflight = this.inFlight();
      if (timeoutNs < 0) {
        // ping's spin: take what is queued, yield, and go back to the pinger
        this.receive(false);
        schedYield();
      } else if (this.intervalNs === 0 && inflight > 0 && st.exitAt === Infinity) {
        // flood: straight into recvmmsg, never poll first (a poll per echo was a third syscall):
        // block (at most SO_RCVTIMEO = 10 ms) when the window is full or nothing is due, else
        // take what is queued and go back to sending. Stop/status are read each turn.
        this.receive(timeoutNs > 0 || inflight >= cfg.preload);
      } else {
        pdv.setInt16(POLLFD.revents, 0, true);
        pdv.setInt16(POLLFD.size + POLLFD.revents, 0, true);
        // ns precision (poll's whole ms rounded every wait up to the next millisecond)
        const pr = ppollSoft(this.pollfds, 2, Math.min(timeoutNs, 1e9));
        if (timeoutNs >= COLD_AFTER_NS) this.cold = true;
        if (pr > 0) {
          this.takeReady(pdv.getInt16(POLLFD.revents, true));
          if (pdv.getInt16(POLLFD.size + POLLFD.revents, true) & POLLIN) readSoft(this.wakeFd, this.wakeBuf, 8);
        }
      }
      this.afterWait(st, sink);
    }
    return this.finish(sink);
  }

  flushTick(sink: EngineSink): void {
    const t = this.tick;
    if (t.sent || t.received || t.errors || t.corrupted) {
      sink.tick(t);
      this.tick = { sent: 0, received: 0, errors: 0, corrupted: 0 };
    }
  }
}

/** Build and check the config's invariants that only the engine knows. */
export function checkConfig(cfg: EngineConfig): void {
  if (cfg.dest.length !== (cfg.family === 4 ? 4 : 16)) throw new UsageError('destination address does not match the family');
}
