// The pinger's arithmetic without a socket: ping's schedule in whole milliseconds, the
// preload burst, the pipe across the 16-bit sequence's wrap, duplicates and late replies,
// back-pressure retries, the wait between probes, and how -c and -w end a run.
import { describe, expect, it } from 'vitest';
import { MININTERVAL_NS, Pinger, type PingerConfig } from '../../src/icmp/pinger.js';

const MS = 1e6;
const TICK = 4 * MS; // a 250 Hz kernel
const make = (o: Partial<PingerConfig> = {}, batch = 64): Pinger =>
  new Pinger({ count: 0, deadlineMs: 0, preload: 1, adaptive: false, lingerMs: 10_000, intervalMs: 1000, ...o }, batch, TICK);

describe('schedule', () => {
  it('sends at once, then one probe per interval counted in whole milliseconds', () => {
    const p = make({ intervalMs: 20 });
    const t0 = 1_000 * MS;
    expect(p.schedule(t0)).toEqual({ send: 1, waitNs: 20 * MS });
    p.sent(1, t0);
    // 19.9 ms later: ping counts 19 whole ms, so it is not due; the wait says 1 ms more
    expect(p.schedule(t0 + 19.9 * MS)).toEqual({ send: 0, waitNs: 1 * MS });
    // 20.7 ms: due; the 0.7 ms fraction is lost (so each kept interval runs a little long)
    expect(p.schedule(t0 + 20.7 * MS)).toEqual({ send: 1, waitNs: 20 * MS });
    expect(p.tokens).toBe(0);
  });

  it('-l N: N probes at once, then tokens capped at N intervals', () => {
    const p = make({ intervalMs: 10, preload: 3 });
    expect(p.schedule(MS).send).toBe(3);
    p.sent(3, MS);
    // a long pause banks no more than preload intervals: three probes at once, then the interval
    const t = MS + 1000 * MS;
    const sends = [];
    for (let k = 0; k < 5; k++) {
      const s = p.schedule(t);
      sends.push(s.send);
      if (s.send) p.sent(1, t);
    }
    expect(sends).toEqual([1, 1, 1, 0, 0]);
    expect(p.schedule(t).waitNs).toBe(10 * MS);
  });

  it('-c: never more than the count; a burst is cut to what is left and to the batch', () => {
    const p = make({ intervalMs: 0, preload: 100, count: 5 });
    expect(p.schedule(MS).send).toBe(5);
    p.sent(5, MS);
    expect(p.schedule(2 * MS)).toEqual({ send: 0, waitNs: Infinity });
    const q = make({ intervalMs: 0, preload: 100 }, 8);
    expect(q.schedule(MS).send).toBe(8);
  });

  it('-c with -w: the count does not limit the sends (the deadline does)', () => {
    const p = make({ intervalMs: 10, count: 2, deadlineMs: 1000 });
    p.schedule(MS);
    p.sent(1, MS);
    p.schedule(12 * MS);
    p.sent(1, 12 * MS);
    expect(p.schedule(30 * MS).send).toBe(1);
  });

  it('flood: keeps the window full; a full window waits, and sends one after 10 ms without replies', () => {
    const p = make({ intervalMs: 0, preload: 2 });
    expect(p.schedule(MS).send).toBe(2);
    p.sent(2, MS);
    expect(p.schedule(5 * MS)).toEqual({ send: 0, waitNs: 6 * MS });
    expect(p.schedule(11 * MS)).toEqual({ send: 1, waitNs: 0 });
    p.acknowledge(1);
    expect(p.schedule(12 * MS)).toEqual({ send: 1, waitNs: 0 });
  });
});

describe('the pipe and replies', () => {
  it('in flight and pipesize follow ping: acked moves forward only, a late reply changes nothing', () => {
    const p = make();
    p.sent(5, MS);
    expect(p.inFlight()).toBe(5);
    p.acknowledge(3);
    expect([p.acked, p.inFlight(), p.pipesize]).toEqual([3, 2, 3]);
    p.acknowledge(2); // late: acked stays, the pipe saw 4 in flight when it was sent
    expect([p.acked, p.inFlight(), p.pipesize]).toEqual([3, 2, 4]);
    p.acknowledge(5);
    expect(p.inFlight()).toBe(0);
  });

  it('across the 16-bit wrap: seq 65535, 0, 1 … stay in order', () => {
    const p = make();
    p.sent(65534, MS); // seqs 1..65534
    p.acknowledge(65534);
    p.sent(3, 2 * MS); // 65535, 0, 1
    expect(p.inFlight()).toBe(3);
    p.acknowledge(0);
    expect([p.acked, p.inFlight()]).toEqual([0, 1]);
    p.acknowledge(65535); // an older one after the wrap: not a step back
    expect(p.acked).toBe(0);
    p.acknowledge(1);
    expect(p.inFlight()).toBe(0);
  });

  it('duplicates: the second reply to a seq is one; a seq sent again (after the wrap) is new', () => {
    const p = make();
    p.sent(2, MS);
    expect(p.seen(1)).toBe(false);
    expect(p.seen(1)).toBe(true);
    expect(p.seen(2)).toBe(false);
    p.sent(65535, 2 * MS); // seqs 3 … 65535, 0, 1: seq 1 goes out again
    expect(p.seen(1)).toBe(false);
  });
});

describe('back-pressure', () => {
  it('EAGAIN keeps the slot and looks again in 10 ms; EINTR at once; neither counts', () => {
    const p = make({ intervalMs: 20 });
    expect(p.refused('again')).toBe(true);
    expect([p.tokens, p.retryNs, p.ntransmitted]).toEqual([20 * MS, MININTERVAL_NS, 0]);
    expect(p.refused('interrupted')).toBe(true);
    expect(p.retryNs).toBe(0);
  });

  it('ENOBUFS slows down (half the interval, at least 10 ms) until the linger time, then it is an error', () => {
    const p = make({ intervalMs: 100, lingerMs: 200 });
    expect(p.refused('nobufs')).toBe(true);
    expect(p.retryNs).toBe(50 * MS);
    expect(p.refused('nobufs')).toBe(true);
    expect(p.refused('nobufs')).toBe(true);
    expect(p.refused('nobufs')).toBe(false); // 4 × 50 ms = the linger time
    p.sentInError(MS, true);
    expect([p.ntransmitted, p.nerrors, p.tokens]).toEqual([1, 1, 0]);
    p.sent(1, 2 * MS);
    expect(p.oomCount).toBe(0);
  });

  it('another refusal is the caller\'s', () => {
    expect(make().refused('other')).toBe(false);
  });
});

describe('the wait between probes (ping main loop)', () => {
  it('a full interval is a receive timeout counted in ticks from the tick\'s start', () => {
    const p = make({ intervalMs: 20 });
    // 20 ms = 5 ticks, +1, less how far into the current tick we are
    expect(p.waitPolicy(20 * MS, 1 * MS)).toBe(6 * TICK - 1 * MS);
  });

  it('10 ms or less: 10 ms with a reply outstanding, else spin (-1)', () => {
    const p = make({ intervalMs: 2 });
    expect(p.waitPolicy(2 * MS, 0)).toBe(-1);
    p.sent(1, MS);
    expect(p.waitPolicy(2 * MS, 0)).toBe(MININTERVAL_NS);
  });

  it('-A (adaptive) waits what is left', () => {
    const p = make({ intervalMs: 200, adaptive: true });
    expect(p.waitPolicy(150 * MS, 0)).toBe(150 * MS);
  });
});

describe('the end of a run', () => {
  it('-c ends on replies and errors together', () => {
    const p = make({ count: 3 });
    p.nreceived = 2;
    expect(p.ended()).toBe(false);
    p.nerrors = 1;
    expect(p.ended()).toBe(true);
  });

  it('-w ends at the deadline, or at the first error; the final wait ends it too', () => {
    const p = make({ deadlineMs: 1000 });
    expect(p.over(5 * MS, 1000 * MS, Infinity)).toBe(false);
    expect(p.over(1000 * MS, 1000 * MS, Infinity)).toBe(true);
    p.nerrors = 1;
    expect(p.over(5 * MS, 1000 * MS, Infinity)).toBe(true);
    const q = make({ count: 10 });
    q.nerrors = 1; // without -w an error does not end the run
    expect(q.over(5 * MS, Infinity, Infinity)).toBe(false);
    expect(q.over(5 * MS, Infinity, 4 * MS)).toBe(true);
  });
});
