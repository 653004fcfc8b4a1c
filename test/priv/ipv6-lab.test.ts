// An IPv6 lab end to end: lab up with v6 addresses (nodad, usable at once), ping both ways,
// trace sees every echo at the four points, bench measures both directions.
import { afterAll, expect, it } from 'vitest';
import { describePriv, peer, uniq } from '../helpers/priv.js';
import { vping } from '../helpers/cli.js';

const ns = [uniq('v6'), uniq('v6')];
const lab = ['--ns', ns.join(','), '--ifnames', 'v60,v61', '--addrs', 'fd00:76:1::1/64,fd00:76:1::2/64'];
afterAll(() => {
  vping(['lab', 'down', ...lab]);
});

describePriv('an IPv6 lab', () => {
  it('comes up usable at once, and ip agrees on the addresses', () => {
    expect(vping(['lab', 'up', ...lab]).status).toBe(0);
    const a = JSON.parse(peer('ip', ['-n', ns[0], '-j', 'addr', 'show', 'dev', 'v60'])) as { addr_info: { local: string; prefixlen: number; tentative?: boolean }[] }[];
    expect(a[0].addr_info.find((x) => x.local === 'fd00:76:1::1')).toMatchObject({ prefixlen: 64 });
    expect(a[0].addr_info.find((x) => x.local === 'fd00:76:1::1')?.tentative).toBeUndefined();
  });

  it('lab ping: both directions, as ping6 prints them', () => {
    const r = vping(['lab', 'ping', ...lab, '-c', '3', '-i', '0.02']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('PING fd00:76:1::2(fd00:76:1::2) 56 data bytes');
    expect(r.stdout).toContain('PING fd00:76:1::1(fd00:76:1::1) 56 data bytes');
    expect(r.stdout.match(/^3 packets transmitted, 3 received, 0% packet loss/gm)).toHaveLength(2);
  });

  it('trace sees every echo at the four points, in time order', () => {
    const r = vping(['-j', 'trace', ...lab, '-c', '5', '-i', '0.02']);
    expect(r.status).toBe(0);
    const t = JSON.parse(r.stdout) as { sent: number; complete: number; echoes: { src_out_ns: string; dst_in_ns: string; dst_out_ns: string; src_in_ns: string }[] };
    expect([t.sent, t.complete]).toEqual([5, 5]);
    for (const e of t.echoes) {
      const pts = [e.src_out_ns, e.dst_in_ns, e.dst_out_ns, e.src_in_ns].map(BigInt);
      for (let i = 1; i < pts.length; i++) expect(pts[i] >= pts[i - 1]).toBe(true);
    }
  });

  it('bench measures both directions with nothing lost', () => {
    const r = vping(['-j', 'bench', ...lab, '-c', '300', '--warmup', '30', '--no-progress']);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as { rows: { dir: string; mode: string; sent: number; received: number }[] };
    expect(j.rows.map((x) => `${x.dir} ${x.mode} ${x.sent} ${x.received}`).sort()).toEqual(
      ['ns1-ns2 flood 300 300', 'ns1-ns2 interval 300 300', 'ns2-ns1 flood 300 300', 'ns2-ns1 interval 300 300'],
    );
  });
});
