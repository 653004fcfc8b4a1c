import { describe, expect, it } from 'vitest';
import { benchJson } from '../../src/measure/bench/json.js';
import { doc, SCHEMA } from '../../bin/json.js';
import { synthRun } from '../helpers/bench-synth.js';
import { badKeys, schemaErrors } from '../helpers/schemas.js';

describe('bench --json', () => {
  it('holds every row summary and the totals, survives JSON, and samples only on request', () => {
    const run = synthRun({ count: 50, sizes: [56], modes: ['flood'], pairs: 2, trace: true });
    const j = JSON.parse(JSON.stringify(doc(SCHEMA.bench, benchJson(run))));
    expect(j.schema).toBe('vping.bench/2');
    expect(schemaErrors(j)).toBe('');
    expect(badKeys(j)).toEqual([]);
    expect(j.rows).toHaveLength(4);
    expect(j.totals).toHaveLength(2);
    expect(j.rows[0]).toMatchObject({ pair: 1, dir: 'ns1-ns2', size_bytes: 56, mode: 'flood', sent: 50, received: 50 });
    expect(j.rows[0].rtt.count).toBe(50);
    expect(j.rows[0].rtt.p50_ns).toBe(Float64Array.from(run.rows[0].rttNs).sort()[24]); // (int)(0.5 + 25) − 1
    expect(j.rows[0].samples).toBeUndefined();
    expect(j.rows[0].trace.crossing.count).toBe(50);

    const s = JSON.parse(JSON.stringify(doc(SCHEMA.bench, benchJson(run, { samples: true }))));
    expect(schemaErrors(s)).toBe('');
    expect(s.rows[1].samples.rtt_ns).toEqual(Array.from(run.rows[1].rttNs));
    expect(s.rows[1].samples.at_ns).toHaveLength(50);
    expect(s.rows[0].trace_samples.turnaround_ns).toEqual(Array.from(run.rows[0].trace!.turnaround));
    expect(s.rows[1].trace_samples).toBeUndefined();
  });
});
