import { describe, expect, it } from 'vitest';
import { benchJson } from '../../src/measure/bench/json.js';
import { synthRun } from '../helpers/bench-synth.js';

describe('bench --json', () => {
  it('holds every row summary and the totals, survives JSON, and samples only on request', () => {
    const run = synthRun({ count: 50, sizes: [56], modes: ['flood'], pairs: 2, trace: true });
    const j = JSON.parse(JSON.stringify(benchJson(run)));
    expect(j.schema).toBe('vping.bench.summary/1');
    expect(j.rows).toHaveLength(4);
    expect(j.totals).toHaveLength(2);
    expect(j.rows[0]).toMatchObject({ pair: 1, dir: 'ns1-ns2', size: 56, mode: 'flood', sent: 50, received: 50 });
    expect(j.rows[0].rtt.count).toBe(50);
    expect(j.rows[0].rtt.p50Ns).toBe(Float64Array.from(run.rows[0].rttNs).sort()[24]); // (int)(0.5 + 25) − 1
    expect(j.rows[0].samples).toBeUndefined();
    expect(j.rows[0].trace.crossing.count).toBe(50);

    const s = JSON.parse(JSON.stringify(benchJson(run, { samples: true })));
    expect(s.rows[1].samples.rttNs).toEqual(Array.from(run.rows[1].rttNs));
    expect(s.rows[1].samples.atNs).toHaveLength(50);
    expect(s.rows[0].traceSamples.turnaround).toEqual(Array.from(run.rows[0].trace!.turnaround));
    expect(s.rows[1].traceSamples).toBeUndefined();
  });
});
