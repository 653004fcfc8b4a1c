// Synthetic bench runs for presenter tests (table, Prometheus, HTML report): deterministic
// (a seeded PRNG), shaped like a veth bench — a few µs body, a long thin tail, interval rows
// slower than flood rows — with optional ping figures and a traced row.
import { BENCH_SCHEMA, type BenchMode, type BenchRow, type BenchRun, type Direction } from '../../src/measure/bench/model.js';
import { iputilsRttOfNs } from '../../src/measure/bench/summary.js';

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SynthOptions {
  seed?: number;
  pairs?: number;
  sizes?: number[];
  modes?: BenchMode[];
  dirs?: Direction[];
  count?: number;
  intervalMs?: number;
  /** Attach iputils-like figures to each row. */
  vsPing?: boolean;
  /** Trace the first row (segments summing to its RTTs). */
  trace?: boolean;
  /** Make rows with no reply at all (100% loss) for this size. */
  deadSize?: number;
}

export function synthRun(o: SynthOptions = {}): BenchRun {
  const rnd = prng(o.seed ?? 1);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const pairs = o.pairs ?? 1;
  const sizes = o.sizes ?? [56, 1472, 8000];
  const modes = o.modes ?? ['interval', 'flood'];
  const dirs = o.dirs ?? ['ns1-ns2', 'ns2-ns1'];
  const count = o.count ?? 2000;
  const intervalMs = o.intervalMs ?? 1;
  const rows: BenchRow[] = [];
  let clock = 0; // ns since the run's epoch; rows of one combination run at once over pairs
  for (const size of sizes) {
    for (const dir of dirs) {
      for (const mode of modes) {
        const start = clock;
        let longest = 0;
        for (let pair = 1; pair <= pairs; pair++) {
          const dead = size === o.deadSize;
          const base = (mode === 'flood' ? 2600 : 14000) + size * 0.45 + (dir === 'ns2-ns1' ? 150 : 0) + pair * 40;
          const rtt: number[] = [];
          const at: number[] = [];
          let t = start;
          for (let i = 0; i < count; i++) {
            const tail = rnd() < 0.004 ? 20_000 + rnd() * 60_000 : 0;
            // A slow drift and a burst in the middle make the time chart worth reading.
            const drift = 300 * Math.sin(i / 180) + (i > count * 0.6 && i < count * 0.65 ? 2500 : 0);
            const v = Math.max(900, Math.round(base * Math.exp(0.12 * normal()) + drift + tail));
            if (!dead) {
              rtt.push(v);
              at.push(t);
            }
            t += mode === 'flood' ? v + 400 : intervalMs * 1e6;
          }
          const durationNs = t - start;
          longest = Math.max(longest, durationNs);
          const rttNs = Float64Array.from(rtt);
          const row: BenchRow = {
            pair, dir, size, mode, clock: 'kernel', intervalMs: mode === 'flood' ? 0 : intervalMs,
            sent: count, received: rtt.length, duplicates: 0, durationNs, rttNs, atNs: Float64Array.from(at),
          };
          if (o.vsPing) {
            const ping = iputilsRttOfNs(Float64Array.from(rtt.map((x) => x * 1.35 + 700)));
            row.peer = {
              tool: 'ping', transmitted: count, received: rtt.length, duplicates: 0,
              timeMs: Math.round((durationNs * 1.3) / 1e6) || 1, ...(ping ? { rtt: ping } : {}),
            };
          }
          if (o.trace && rows.length === 0 && rtt.length) {
            const n = rtt.length;
            const legs = { sendPath: new Float64Array(n), queue: new Float64Array(n), crossing: new Float64Array(n), turnaround: new Float64Array(n), crossingBack: new Float64Array(n), receivePath: new Float64Array(n) };
            for (let i = 0; i < n; i++) {
              const c = Math.round(220 + 40 * rnd());
              const cb = Math.round(230 + 40 * rnd());
              const ta = Math.round(rtt[i] * 0.28);
              const sp = Math.round(rtt[i] * 0.3);
              legs.crossing[i] = c;
              legs.crossingBack[i] = cb;
              legs.turnaround[i] = ta;
              legs.sendPath[i] = sp;
              legs.queue[i] = Math.round(rtt[i] * 0.05);
              legs.receivePath[i] = Math.max(0, rtt[i] - c - cb - ta - sp - legs.queue[i]);
            }
            row.trace = { seq: Uint16Array.from({ length: n }, (_, i) => (i + 1) & 0xffff), atNs: Float64Array.from(at), ...legs };
          }
          rows.push(row);
        }
        clock = start + longest + 5e6;
      }
    }
  }
  return {
    schema: BENCH_SCHEMA,
    startedAt: '2025-06-01T12:00:00.000Z',
    epochNs: 0,
    host: { hostname: 'lab-host', kernel: '6.18.0-test', node: 'v20.20.2', cpus: 2 },
    params: { lab: 'seed', pairs, sizes, modes, dirs, count, warmup: 100, intervalMs, vsPing: !!o.vsPing },
    rows,
  };
}
