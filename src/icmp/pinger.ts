// The pinger's arithmetic, apart from any socket: iputils ping's schedule (tokens counted in
// whole milliseconds, the preload burst), the pipe (probes in flight across the 16-bit
// sequence's wrap), which replies were already seen (duplicates), the retries of a send the
// kernel refused for back-pressure, the wait between probes, and when a run is over (-c, -w,
// the final wait). The engine (engine-core.ts) extends it with the socket, buffers and clocks;
// the unit tests drive it alone, with made-up instants.

/** ping's MININTERVAL: the shortest wait it takes when it must wait at all (10 ms). */
export const MININTERVAL_NS = 10e6;

/** What the pinger needs of a ping's configuration. */
export interface PingerConfig {
  /** -c: stop after this many replies (0: no limit); with -w it does not limit the sends */
  count: number;
  /** -w, ms (0: none) */
  deadlineMs: number;
  /** -l: probes sent at once at the start, and at most in flight in a flood */
  preload: number;
  /** -A */
  adaptive: boolean;
  /** -W or ping's linger: how long refusals for want of buffers are retried, ms */
  lingerMs: number;
  /** -i, ms (0: flood) */
  intervalMs: number;
}

/** Why the kernel refused a send, as far as the pinger cares. */
export type Refusal = 'again' | 'interrupted' | 'nobufs' | 'other';

export class Pinger {
  /** probes per send call at most */
  readonly batch: number;
  /** the scheduler tick (1/HZ): a full interval is waited as ping's SO_RCVTIMEO receive, in ticks */
  readonly tickNs: number;
  // counters (iputils names)
  ntransmitted = 0;
  nreceived = 0;
  nerrors = 0;
  /** the last seq acknowledged by a reply (ping's acked) */
  acked = 0;
  /** the most probes ever in flight when a reply came (ping's pipesize) */
  pipesize = 0;
  lastSendNs = 0;
  tokenNs = 0;
  tokens = 0;
  intervalNs: number;
  /** consecutive sends refused for want of device queue or memory (ping's oom_count) */
  oomCount = 0;
  /** how long to wait after a send the kernel refused for back-pressure */
  retryNs = 0;
  /** per seq: a reply already came (a second one is a duplicate) */
  readonly rcvd = new Uint8Array(65536);

  constructor(readonly cfg: PingerConfig, batch: number, tickNs: number) {
    this.batch = batch;
    this.tickNs = tickNs;
    this.intervalNs = cfg.intervalMs * 1e6;
  }

  /** Probes sent and not yet acknowledged (0 when acked is ahead, as ping's in_flight()). */
  inFlight(): number {
    const d = (this.ntransmitted - this.acked) & 0xffff;
    return d <= 0x7fff ? d : 0;
  }

  /** A reply to `seq` came (its checksum good): the pipe, and acked moves forward only (ping's acknowledge()). */
  acknowledge(seq: number): void {
    const diff = (this.ntransmitted - seq) & 0xffff;
    if (diff <= 0x7fff) {
      if (diff + 1 > this.pipesize) this.pipesize = diff + 1;
      const s16 = ((seq - this.acked) << 16) >> 16;
      if (s16 > 0 || ((this.ntransmitted - this.acked) & 0xffff) > 0x7fff) this.acked = seq;
    }
  }

  /** Is a reply to `seq` a duplicate? Marks it seen. */
  seen(seq: number): boolean {
    if (this.rcvd[seq]) return true;
    this.rcvd[seq] = 1;
    return false;
  }

  /** The kernel took `r` probes at `t`: seqs ntransmitted+1 … are out, none answered yet. */
  sent(r: number, t: number): void {
    for (let i = 1; i <= r; i++) this.rcvd[(this.ntransmitted + i) & 0xffff] = 0;
    this.ntransmitted += r;
    this.lastSendNs = t;
    this.oomCount = 0;
  }

  /**
   * A send refused: for back-pressure (EAGAIN, EINTR; ENOBUFS or ENOMEM until the linger time
   * says the queue is stuck), not sent and not counted, retried after `retryNs` (returns
   * true), as ping's pinger(); anything else is for the caller (returns false).
   */
  refused(why: Refusal): boolean {
    if (why === 'again' || why === 'interrupted') {
      // the socket buffer stayed full for SO_SNDTIMEO: keep the slot, look again in 10 ms
      this.tokens += this.intervalNs;
      this.retryNs = why === 'interrupted' ? 0 : MININTERVAL_NS;
      return true;
    }
    if (why === 'nobufs') {
      // device queue overflow or no memory: slow down, until the linger time says stuck
      this.tokens = 0;
      const nores = Math.min(500e6, Math.max(MININTERVAL_NS, Math.trunc(this.intervalNs / 2e6) * 1e6));
      this.oomCount++;
      if (this.oomCount * nores < this.cfg.lingerMs * 1e6) {
        this.retryNs = nores;
        return true;
      }
    }
    return false;
  }

  /** A send that failed counts as sent, as ping's (a pending ICMP error, or a hard local error when `hard`). */
  sentInError(t: number, hard: boolean): void {
    this.ntransmitted++;
    this.lastSendNs = t;
    this.tokens = 0;
    if (hard) this.nerrors++;
  }

  /** How many probes to send now, and the wait before the next look (ping's pinger() schedule). */
  schedule(now: number): { send: number; waitNs: number } {
    const cfg = this.cfg;
    if (cfg.count && this.ntransmitted >= cfg.count && !cfg.deadlineMs) return { send: 0, waitNs: Infinity };
    let allowed = cfg.count && !cfg.deadlineMs ? cfg.count - this.ntransmitted : Infinity;
    if (cfg.count && cfg.deadlineMs) allowed = Infinity;
    if (this.tokenNs === 0) {
      this.tokenNs = now;
      this.tokens = this.intervalNs * (cfg.preload - 1);
      return { send: Math.min(cfg.preload, allowed, this.batch), waitNs: this.intervalNs };
    }
    if (this.intervalNs === 0) {
      const inflight = this.inFlight();
      if (inflight >= cfg.preload) {
        const since = now - this.lastSendNs;
        if (since < MININTERVAL_NS) return { send: 0, waitNs: MININTERVAL_NS - since };
        return { send: 1, waitNs: 0 };
      }
      return { send: Math.min(cfg.preload - inflight, allowed, this.batch), waitNs: 0 };
    }
    // ping counts the time since its last send in whole milliseconds (the fraction is lost,
    // so each interval it keeps runs a little long): the same here, so both offer one rate
    let ntokens = Math.trunc((now - this.tokenNs) / 1e6) * 1e6 + this.tokens;
    const cap = this.intervalNs * cfg.preload;
    if (ntokens > cap) ntokens = cap;
    if (ntokens < this.intervalNs) return { send: 0, waitNs: this.intervalNs - ntokens };
    this.tokenNs = now;
    this.tokens = ntokens - this.intervalNs;
    return { send: 1, waitNs: this.intervalNs - this.tokens };
  }

  /**
   * ping's main loop waits for `next` this way (sinceTickNs: how far into the current
   * scheduler tick we are):
   * - a full interval (next ≥ max(interval, 10 ms), not -A): a receive with SO_RCVTIMEO, which
   *   the kernel counts in ticks: the timeout rounded up to whole ticks plus one, from the
   *   tick's start — (ceil(schint/tick) + 1)·tick − sinceTick;
   * - 10 ms or less with a reply outstanding: 10 ms (ping sleeps for the reply);
   * - 10 ms or less with nothing outstanding: -1, spin (non-blocking receives and
   *   sched_yield until the probe is due, so the CPU is awake when it sends);
   * - otherwise `next`.
   */
  waitPolicy(next: number, sinceTickNs: number): number {
    const schint = Math.max(this.intervalNs, MININTERVAL_NS);
    if (!this.cfg.adaptive && next >= schint) {
      const tick = this.tickNs;
      return (Math.ceil(schint / tick) + 1) * tick - sinceTickNs;
    }
    if (next <= MININTERVAL_NS) return this.inFlight() > 0 ? MININTERVAL_NS : -1;
    return next;
  }

  /** Is the run over by its counts? -c: replies and errors reach the count; -w: any error. */
  ended(): boolean {
    const cfg = this.cfg;
    if (cfg.count && this.nreceived + this.nerrors >= cfg.count) return true;
    return cfg.deadlineMs > 0 && this.nerrors > 0;
  }

  /** Is the run over at `now`: by its counts, the deadline (-w), or the final wait for replies (exitAt)? */
  over(now: number, deadlineAt: number, exitAt: number): boolean {
    return this.ended() || now >= deadlineAt || now >= exitAt;
  }
}
