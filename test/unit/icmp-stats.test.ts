// iputils' figures from known RTT lists. Expected values are worked out by hand from
// ping_common.c finish() (long long arithmetic), never with the production code.
import { describe, expect, it } from 'vitest';
import { formatG, formatLoss, lossPercent } from '../../src/inet/number.js';
import { IputilsSums, iputilsFigures, pingTimeMs, ipgUs, Histogram, bucketOf, bucketLow, histParts, mergeHists, type Stats } from '../../src/icmp/stats.js';
import { timeField, rttLine, statisticsBlock, statusLine, replyLine, errorLine, headerLine, timestampPrefix, wrongDataText, patternLine, noAnswerLine } from '../../src/icmp/format.js';

function figures(us: number[], dups = 0) {
  const s = new IputilsSums();
  for (const t of us) s.add(t);
  const f = iputilsFigures(s, us.length - dups, dups, us.length, 0, false);
  if (!f) throw new Error('no figures');
  return f;
}
const line = (us: number[]) => rttLine(figures(us), 0);

describe('iputils rtt figures (hand-computed vectors)', () => {
  it('304, 39, 36 µs print 0.036/0.126/0.304/0.125 (the REFERENCE check)', () => {
    // tsum 379, tsum2 95233; avg 379/3 = 126; var (95233 - 143641/3=47880)/3 = 15784; sqrt → 125
    expect(line([304, 39, 36])).toBe('rtt min/avg/max/mdev = 0.036/0.126/0.304/0.125 ms');
  });
  it('truncates the average (1, 2 → avg 1) and the variance (→ mdev 0)', () => {
    expect(line([1, 2])).toBe('rtt min/avg/max/mdev = 0.001/0.001/0.002/0.000 ms');
  });
  it('10, 20, 30: var 200/3 = 66 (truncated), mdev floor(sqrt 66) = 8 (the true sd is 8.16)', () => {
    expect(line([10, 20, 30])).toBe('rtt min/avg/max/mdev = 0.010/0.020/0.030/0.008 ms');
  });
  it('1, 1, 3: tsum²/total is an integer division (25/3 = 8), so var = (11 − 8)/3 = 1, mdev 1', () => {
    // with real division it would be (11 − 8.33)/3 = 0.89 → 0: this pins the C integer semantics
    expect(line([1, 1, 3])).toBe('rtt min/avg/max/mdev = 0.001/0.001/0.003/0.001 ms');
  });
  it('100 ms and 250 ms: avg 175.000, mdev exactly 75.000', () => {
    expect(line([100000, 250000])).toBe('rtt min/avg/max/mdev = 100.000/175.000/250.000/75.000 ms');
  });
  it('tsum ≥ INT_MAX takes the other branch: tsum2/total − avg² (exact in 64 bits)', () => {
    // tsum 2^31; tsum2 = (2^31−1)² + 1; /2 = 2305843007066210305; avg 2^30; var = (2^30 − 1)²
    expect(line([2147483647, 1])).toBe('rtt min/avg/max/mdev = 0.001/1073741.824/2147483.647/1073741.823 ms');
  });
  it('duplicates count in total = received + duplicates', () => {
    // 3 samples, one a duplicate: total is still 3
    expect(rttLine(figures([304, 39, 36], 1), 0)).toBe('rtt min/avg/max/mdev = 0.036/0.126/0.304/0.125 ms');
  });
  it('ewma ×8 as gather_statistics keeps it, and ipg from elapsed/(tx − 1)', () => {
    const s = new IputilsSums();
    for (const t of [304, 39, 36]) s.add(t);
    // 2432; 2432 + 39 − 304 = 2167; 2167 + 36 − 270 = 1933 → printed 1933/8000 . (1933/8)%1000 = 0.241
    expect(s.rtt).toBe(1933);
    const f = iputilsFigures(s, 3, 0, 3, 2_000_000, true);
    expect(rttLine(f, 0)).toBe('rtt min/avg/max/mdev = 0.036/0.126/0.304/0.125 ms, ipg/ewma 1.000/0.241 ms');
    expect(rttLine(f, 3)).toBe('rtt min/avg/max/mdev = 0.036/0.126/0.304/0.125 ms, pipe 3, ipg/ewma 1.000/0.241 ms');
    expect(ipgUs(1_234_567_891, 4)).toBe(411522); // (1e6·1 + 234567)/3
  });
  it('pipe alone when nothing came back', () => {
    expect(rttLine(null, 5)).toBe('pipe 5');
    expect(rttLine(null, 1)).toBe('');
  });
});

describe('figures ping prints', () => {
  it('%g loss as (float)', () => {
    expect(formatLoss(lossPercent(128, 111))).toBe('13.2812%');
    expect(formatLoss(lossPercent(3, 2))).toBe('33.3333%');
    expect(formatG(lossPercent(3, 2))).toBe('33.3333');
    expect(formatG(lossPercent(7, 6))).toBe('14.2857');
    expect(formatG(lossPercent(5, 0))).toBe('100');
    expect(formatG(lossPercent(5, 5))).toBe('0');
    expect(formatG(lossPercent(10_000_000, 9_999_999))).toBe('1e-05');
    expect(formatG(lossPercent(1000, 999))).toBe('0.1');
    // an exact tie in binary (13.28125): glibc rounds to even, as ping prints it
    expect(formatG(lossPercent(128, 111))).toBe('13.2812');
    expect(formatG(lossPercent(128, 113))).toBe('11.7188');
    expect(formatG(123456789)).toBe('1.23457e+08');
  });
  it('time= rounding by range', () => {
    expect(timeField(36)).toBe('0.036');
    expect(timeField(999)).toBe('0.999');
    expect(timeField(1000)).toBe('1.00');
    expect(timeField(1234)).toBe('1.23');
    expect(timeField(9994)).toBe('9.99');
    expect(timeField(9995)).toBe('10.0');
    expect(timeField(99949)).toBe('99.9');
    expect(timeField(99950)).toBe('100');
    expect(timeField(1234567)).toBe('1235');
  });
  it('time N ms rounds the elapsed nanoseconds', () => {
    expect(pingTimeMs(1_999_499_999)).toBe(1999);
    expect(pingTimeMs(1_999_500_000)).toBe(2000);
    expect(pingTimeMs(0)).toBe(0);
  });
});

const baseStats = (over: Partial<Stats>): Stats => ({
  transmitted: 0, received: 0, duplicates: 0, corrupted: 0, errors: 0, lossPercent: 0, elapsedNs: 0, timeMs: 0,
  pipe: 0, timing: true, primaryClock: 'kernel', iputils: null, rtt: { ping: null, sched: null, kernel: null, hrtime: null }, kernelTxMissing: 0, ...over,
});

describe('text layout', () => {
  it('statistics block as finish() prints it', () => {
    const s = new IputilsSums();
    for (const t of [42, 38]) s.add(t);
    const st = baseStats({ transmitted: 2, received: 2, lossPercent: 0, timeMs: 1000, iputils: iputilsFigures(s, 2, 0, 2, 1e9, false) });
    expect(statisticsBlock('192.168.168.2', st)).toBe(
      '\n--- 192.168.168.2 ping statistics ---\n2 packets transmitted, 2 received, 0% packet loss, time 1000ms\nrtt min/avg/max/mdev = 0.038/0.040/0.042/0.002 ms\n',
    );
    const bad = baseStats({ transmitted: 5, received: 0, errors: 5, duplicates: 0, corrupted: 1, lossPercent: 100, timeMs: 2041, pipe: 5 });
    expect(statisticsBlock('10.99.1.77', bad)).toBe(
      '\n--- 10.99.1.77 ping statistics ---\n5 packets transmitted, 0 received, +1 corrupted, +5 errors, 100% packet loss, time 2041ms\npipe 5\n',
    );
    expect(statisticsBlock('h', baseStats({}))).toBe('\n--- h ping statistics ---\n0 packets transmitted, 0 received\n\n');
  });
  it('header, reply, error, status, -D, -O, -p lines', () => {
    expect(headerLine({ family: 'inet', host: 'h', address: '10.0.0.2', datalen: 56 })).toBe('PING h (10.0.0.2) 56(84) bytes of data.');
    expect(headerLine({ family: 'inet', host: 'h', address: '10.0.0.2', datalen: 0, source: { address: '10.0.0.1', iface: '' } }))
      .toBe('PING h (10.0.0.2) from 10.0.0.1 : 0(28) bytes of data.');
    expect(headerLine({ family: 'inet6', host: '::1', address: '::1', datalen: 56 })).toBe('PING ::1(::1) 56 data bytes');
    const r = { bytes: 64, from: '10.0.0.2', seq: 1, ttl: 64, timeUs: 42, dup: false, badChecksum: false, differentAddress: false, truncated: false };
    expect(replyLine(r)).toBe('64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.042 ms');
    expect(replyLine({ ...r, timeUs: null, bytes: 8 })).toBe('8 bytes from 10.0.0.2: icmp_seq=1 ttl=64');
    expect(replyLine({ ...r, dup: true, badChecksum: true })).toBe('64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.042 ms (DUP!) (BAD CHECKSUM!)');
    expect(replyLine({ ...r, truncated: true })).toBe('64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 (truncated)');
    expect(replyLine({ ...r, realUs: 1795878465890891 })).toBe('[1795878465.890891] 64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.042 ms');
    expect(timestampPrefix(5_000_007)).toBe('[5.000007] ');
    expect(errorLine('10.0.0.1', 3, 'Destination Host Unreachable')).toBe('From 10.0.0.1 icmp_seq=3 Destination Host Unreachable');
    expect(noAnswerLine(4)).toBe('no answer yet for icmp_seq=4');
    expect(patternLine([0xab, 0x01])).toBe('PATTERN: 0xab01');
    expect(wrongDataText({ index: 17, expected: 0x11, got: 0, dump: [0x10, 0] })).toBe('\nwrong data byte #17 should be 0x11 but was 0x0\n#16\t10 0 ');
    const s = new IputilsSums();
    for (const t of [304, 39, 36]) s.add(t);
    expect(statusLine(baseStats({ transmitted: 4, received: 3, iputils: iputilsFigures(s, 3, 0, 4, 0, false) })))
      .toBe('\r3/4 packets, 25% loss, min/avg/ewma/max = 0.036/0.126/0.241/0.304 ms\n');
  });
});

describe('histogram', () => {
  it('exact below 2048 ns, < 0.1% error above; buckets are monotone', () => {
    for (const v of [0, 1, 2047]) expect(bucketLow(bucketOf(v))).toBe(v);
    for (const v of [2048, 3000, 123457, 9.87e9]) {
      const lo = bucketLow(bucketOf(v));
      expect(lo).toBeLessThanOrEqual(v);
      expect((v - lo) / v).toBeLessThan(0.001);
    }
    let prev = -1;
    for (let v = 0; v < 5e6; v += 997) {
      const b = bucketOf(v);
      expect(b).toBeGreaterThanOrEqual(prev);
      prev = b;
    }
  });
  it('percentiles with sockperf rank (int)(0.5 + p·N) − 1', () => {
    const h = new Histogram();
    for (let i = 1; i <= 100; i++) h.record(i * 10);
    expect(h.percentile(0.5)).toBe(500); // rank 49 → 50th value
    expect(h.percentile(0.99)).toBe(990);
    expect(h.min).toBe(10);
    expect(h.summary('hrtime', false).p90Ns).toBe(900);
  });
});

describe('a histogram without buckets (percentiles: false, the exporter)', () => {
  it('keeps count, min, max and sum, holds no bucket, and reads NaN percentiles, merged too', () => {
    const h = new Histogram(false);
    for (const ns of [30_000, 45_000, 2_000_000, 7]) h.record(ns);
    expect([h.count, h.min, h.max, h.sum]).toEqual([4, 7, 2_000_000, 2_075_007]);
    expect([...h.buckets()]).toEqual([]);
    expect(h.percentile(0.5)).toBeNaN();
    const s = h.summary('ping', false);
    expect([s.samples, s.minNs, s.maxNs, s.meanNs]).toEqual([4, 7, 2_000_000, 518_752]);
    expect(s.p99Ns).toBeNaN();
    const full = new Histogram();
    full.record(10_000);
    const merged = mergeHists([histParts(h), histParts(full)]);
    expect(merged.count).toBe(5);
    expect(merged.percentile(0.5)).toBeNaN();
    expect(mergeHists([histParts(full)]).percentile(0.5)).toBe(10_000);
  });
});
