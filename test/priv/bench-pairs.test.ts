// `vping bench --pairs 50` on `vping lab up --pairs 50`: it completes, a row per pair,
// the total is consistent with the rows, and memory stays bounded: the pairs share a worker
// per core (a worker per pair cost about 15 MB each: 40 pairs took 625 MB).
import { afterAll, expect, it } from 'vitest';
import { describePriv, ipNetnsNames, uniq } from '../helpers/priv.js';
import { vping } from '../helpers/cli.js';

const ns = [uniq('vq'), uniq('vq')];
const lab = ['--ns', ns.join(','), '--ifnames', 'vq0,vq1', '--addrs', '10.214.0.1/24,10.214.0.2/24', '--pairs', '50'];
afterAll(() => {
  vping(['lab', 'down', ...lab]);
});

interface Row { pair: number; dir: string; mode: string; sent: number; received: number; echo_per_s: number }
interface Total { pairs: number; dir: string; mode: string; sent: number; received: number; echo_per_s: number; duration_ns: number }

describePriv('bench across 50 pairs', () => {
  it('completes with 50 rows and a total that adds up', () => {
    const up = vping(['lab', 'up', ...lab]);
    expect(up.stderr).toBe('');
    expect(ipNetnsNames().filter((n) => n.startsWith(ns[0]) || n.startsWith(ns[1]))).toHaveLength(100);
    const r = vping(['-j', 'bench', ...lab, '--modes', 'flood', '--dirs', 'ns1-ns2', '-c', '200', '--warmup', '20', '--no-progress'], { timeout: 180_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as { rows: Row[]; totals: Total[]; peak_rss_bytes: number };
    expect(j.peak_rss_bytes).toBeGreaterThan(0);
    expect(j.peak_rss_bytes).toBeLessThan(300 * 2 ** 20);
    expect(j.rows.map((x) => x.pair)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    for (const x of j.rows) expect([x.sent, x.received]).toEqual([200, 200]);
    expect(j.totals).toHaveLength(1);
    const [t] = j.totals;
    expect([t.pairs, t.sent, t.received]).toEqual([50, 10000, 10000]);
    // echo/s over the window the pairs covered together: never above their rates added
    expect(t.echo_per_s).toBeLessThanOrEqual(j.rows.reduce((a, x) => a + x.echo_per_s, 0) + 1e-6);
    expect(t.echo_per_s).toBeCloseTo((t.received * 1e9) / t.duration_ns, 3);
  });
});
