import { describe, expect, it } from 'vitest';
import { echoInFrame, pointOf, segmentsOf, traceEchoes, type PointFrame } from '../../src/measure/trace/match.js';
import { legBar, echoCells, traceSummary } from '../../src/measure/trace/format.js';
import { traceSegments } from '../../src/measure/trace/run.js';

// An independent, naive frame builder: bytes laid out by hand, field by field.
function frame(o: { v6?: boolean; kind: 'request' | 'reply'; id: number; seq: number; tag?: number[]; vlan?: boolean; fragOff?: number; proto?: number; payload?: number }): Uint8Array {
  const b: number[] = [];
  b.push(2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1); // dst, src MAC
  if (o.vlan) b.push(0x81, 0x00, 0x00, 0x05);
  const payload = [...Array(o.payload ?? 56).keys()].map((i) => i & 0xff);
  if (o.tag) o.tag.forEach((x, i) => (payload[8 + i] = x));
  const icmp = [o.v6 ? (o.kind === 'request' ? 128 : 129) : o.kind === 'request' ? 8 : 0, 0, 0, 0, o.id >> 8, o.id & 0xff, o.seq >> 8, o.seq & 0xff, ...payload];
  if (o.v6) {
    b.push(0x86, 0xdd, 0x60, 0, 0, 0, (icmp.length >> 8) & 0xff, icmp.length & 0xff, o.proto ?? 58, 64, ...Array(32).fill(0xfe));
  } else {
    const tot = 20 + icmp.length;
    const fo = o.fragOff ?? 0;
    b.push(0x08, 0x00, 0x45, 0, tot >> 8, tot & 0xff, 0, 1, fo >> 8, fo & 0xff, 64, o.proto ?? 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2);
  }
  b.push(...icmp);
  return Uint8Array.from(b);
}

const TAG = [1, 2, 3, 4, 5, 6, 7, 8];
const TAGHEX = '0102030405060708';

describe('finding the echo in a frame', () => {
  it('IPv4 and IPv6, request and reply, with and without a VLAN tag', () => {
    expect(echoInFrame(frame({ kind: 'request', id: 0x1234, seq: 7, tag: TAG }))).toEqual({ kind: 'request', id: 0x1234, seq: 7, tag: TAGHEX });
    expect(echoInFrame(frame({ kind: 'reply', id: 9, seq: 65535, tag: TAG, vlan: true }))).toEqual({ kind: 'reply', id: 9, seq: 65535, tag: TAGHEX });
    expect(echoInFrame(frame({ v6: true, kind: 'reply', id: 1, seq: 2, tag: TAG }))).toEqual({ kind: 'reply', id: 1, seq: 2, tag: TAGHEX });
    expect(echoInFrame(frame({ kind: 'request', id: 1, seq: 2, payload: 8 }))?.tag).toBeNull();
  });
  it('ignores other protocols, later fragments and short frames, at every length', () => {
    expect(echoInFrame(frame({ kind: 'request', id: 1, seq: 1, proto: 17 }))).toBeNull();
    expect(echoInFrame(frame({ kind: 'request', id: 1, seq: 1, fragOff: 185 }))).toBeNull();
    expect(echoInFrame(frame({ kind: 'request', id: 1, seq: 1, fragOff: 0x2000 }))?.kind).toBe('request'); // MF, first fragment
    expect(echoInFrame(frame({ v6: true, kind: 'request', id: 1, seq: 1, proto: 44 }))).toBeNull();
    const f = frame({ kind: 'reply', id: 3, seq: 4, tag: TAG });
    for (let n = 0; n < f.length; n++) {
      const e = echoInFrame(f.subarray(0, n));
      // a cut frame is either not an echo, or an echo whose tag is only read when whole
      if (e) expect(e.tag === null || n >= 14 + 20 + 8 + 16).toBe(true);
    }
  });
});

describe('lining echoes up', () => {
  it('names the four points by interface, direction and kind', () => {
    expect(pointOf(0, 'out', 'request')).toBe('srcOut');
    expect(pointOf(1, 'in', 'request')).toBe('dstIn');
    expect(pointOf(1, 'out', 'reply')).toBe('dstOut');
    expect(pointOf(0, 'in', 'reply')).toBe('srcIn');
    expect(pointOf(0, 'in', 'request')).toBeNull();
  });

  it('matches by id, seq and tag, keeps the first of duplicates, and cuts five legs', () => {
    const F = (ifId: number, dir: string, ts: bigint, kind: 'request' | 'reply', seq: number, id = 77, tag = TAG): PointFrame => ({ ifId, dir, tsNs: ts, data: frame({ kind, id, seq, tag }) });
    const frames: PointFrame[] = [
      F(0, 'out', 1_000n, 'request', 1),
      F(1, 'in', 1_300n, 'request', 1),
      F(1, 'out', 2_000n, 'reply', 1),
      F(0, 'in', 2_250n, 'reply', 1),
      F(0, 'in', 2_900n, 'reply', 1), // a duplicate: ignored
      F(0, 'out', 1_100n, 'request', 1, 78), // another id
      F(1, 'in', 1_200n, 'request', 1, 77, [9, 9, 9, 9, 9, 9, 9, 9]), // another run's tag
      F(0, 'out', 5_000n, 'request', 2),
    ];
    const echoes = traceEchoes(
      [
        { seq: 1, sendNs: 400n, schedNs: 550n, recvNs: 3_000n },
        { seq: 2, sendNs: 4_800n, schedNs: 4_900n, recvNs: null },
      ],
      frames,
      77,
      TAGHEX,
    );
    expect(echoes[0].segments).toEqual({ sendPath: 150, queue: 450, crossing: 300, turnaround: 700, crossingBack: 250, receivePath: 750 });
    // the legs add up to the round trip the prober saw
    expect(Object.values(echoes[0].segments!).reduce((a, b) => a + b, 0)).toBe(echoes[0].rttNs);
    expect(echoes[0].rttNs).toBe(2600);
    expect(echoes[1]).toMatchObject({ segments: null, rttNs: null, points: { srcOut: 5_000n, dstIn: null, dstOut: null, srcIn: null } });
    expect(segmentsOf(0n, 1n, { srcOut: 1n, dstIn: 2n, dstOut: null, srcIn: 4n }, 5n)).toBeNull();
    // no qdisc-entry stamp: the send path cannot be split, the echo is not complete
    expect(segmentsOf(0n, null, { srcOut: 1n, dstIn: 2n, dstOut: 3n, srcIn: 4n }, 5n)).toBeNull();
    const t = traceSegments(echoes);
    expect(Array.from(t.seq)).toEqual([1]);
    expect(Array.from(t.crossing)).toEqual([300]);
    expect(echoCells(echoes[1])).toEqual(['2', '-', '-', '-', '-', '-', '-', '-', '(no reply; seen at srcOut)']);
    expect(echoCells(echoes[0]).slice(1, 8)).toEqual(['0.150', '0.450', '0.300', '0.700', '0.250', '0.750', '2.600']);
  });
});

describe('the timeline bar', () => {
  it('is drawn to scale and always the full width', () => {
    expect(legBar([10, 0, 10, 10, 10, 10], 10)).toBe('ss>>tt<<rr');
    expect(legBar([10, 10, 10, 10, 10, 0], 10)).toBe('ssqq>>tt<<');
    expect(legBar([600, 0, 300, 700, 250, 750], 26)).toBe('ssssss>>>ttttttt<<<rrrrrrr'); // 2.5 and 7.5 cells: the tie goes to the earlier leg
    expect(legBar([1, 0, 0, 0, 0, 1000], 10)).toBe('rrrrrrrrrr');
    expect(legBar([0, 0, 0, 0, 0, 0])).toBe('');
    for (const legs of [[3, 2, 1, 4, 1, 5], [1, 1, 1, 1, 1, 1], [99, 1, 1, 1, 1, 1]]) expect(legBar(legs, 40)).toHaveLength(40);
  });
});

describe('trace summary labels follow the direction', () => {
  it('--dir ns2-ns1: legs run from ns2:tap2 to ns1:tap1, never "ns2:ns1:tap1"', () => {
    const d = { minNs: 1000, p50Ns: 1000, p90Ns: 1000, p99Ns: 1000, maxNs: 1000, meanNs: 1000, count: 1 };
    const text = traceSummary({
      sent: 1, answered: 1, complete: 1, capture: [],
      source: { ns: 'ns2', ifname: 'tap2', address: '192.168.168.2' },
      destination: { ns: 'ns1', ifname: 'tap1', address: '192.168.168.1' },
      summary: { sendPath: d, queue: d, crossing: d, turnaround: d, crossingBack: d, receivePath: d },
    } as unknown as Parameters<typeof traceSummary>[0]);
    expect(text).not.toContain('ns2:ns1');
    expect(text).toMatch(/queue +qdisc entry +ns2:tap2 out /);
    expect(text).toMatch(/crossing +ns2:tap2 out +ns1:tap1 in /);
    expect(text).toMatch(/crossing back +ns1:tap1 out +ns2:tap2 in /);
  });
});
