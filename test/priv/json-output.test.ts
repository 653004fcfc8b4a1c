// Every command that prints JSON, run as a user runs it on a lab and a topology this test
// makes, its every document validated against the JSON Schema in schemas/ that its `schema`
// id names (ip's views against theirs), and vping's documents held to the naming rule.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describePriv, peer, removeNetns, uniq } from '../helpers/priv.js';
import { VPING, vping } from '../helpers/cli.js';
import { badKeys, schemaErrors } from '../helpers/schemas.js';

const ns = [uniq('vj'), uniq('vj')];
const labArgs = ['--ns', ns.join(','), '--ifnames', 'vj0,vj1', '--addrs', '10.216.0.1/24,10.216.0.2/24'];
const prefix = uniq('vjc').slice(0, 8);
const chain = ['--shape', 'chain', '--hops', '1', '--name-prefix', prefix];
const dir = mkdtempSync(join(tmpdir(), 'vping-json-'));

/** The JSON lines of a run (each line one document). */
const lines = (out: string): Record<string, unknown>[] => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

/** Each document valid against its schema, and its keys under the rule. */
function judge(docs: Record<string, unknown>[], what: string): void {
  expect(docs.length, what).toBeGreaterThan(0);
  for (const d of docs) {
    expect(Object.keys(d)[0], what).toBe('schema');
    expect(schemaErrors(d), `${what}: ${JSON.stringify(d).slice(0, 300)}`).toBe('');
    expect(badKeys(d), what).toEqual([]);
  }
}

function run(args: string[], status = 0): Record<string, unknown>[] {
  const r = vping(args, { timeout: 120_000 });
  expect({ args: args.join(' '), status: r.status, stderr: r.status === status ? '' : r.stderr }).toEqual({ args: args.join(' '), status, stderr: '' });
  return lines(r.stdout);
}

describePriv('JSON output, validated against schemas/', () => {
  beforeAll(() => {
    run(['-j', 'lab', 'up', ...labArgs]);
  });
  afterAll(() => {
    vping(['lab', 'down', ...labArgs]);
    vping(['lab', 'down', ...chain]);
    removeNetns(...ns);
    rmSync(dir, { recursive: true, force: true });
  });

  it('lab up, status, ping and down', () => {
    judge(run(['-j', 'lab', 'up', ...labArgs]), 'lab up');
    const st = run(['-j', 'lab', 'status', ...labArgs]);
    judge(st, 'lab status');
    expect(st[0]).toMatchObject({ schema: 'vping.lab.status/1', state: 'up' });
    const lp = run(['-j', 'lab', 'ping', ...labArgs, '-c', '2', '-i', '0.01']);
    judge(lp, 'lab ping');
    expect((lp[0].pings as unknown[]).length).toBe(2);
  });

  it('ping -j: a line per reply, then the statistics, as iputils', () => {
    const docs = run(['-j', '-n', ns[0], 'ping', '-c', '3', '-i', '0.01', '-D', '10.216.0.2']);
    judge(docs, 'ping');
    expect(docs.map((d) => d.schema)).toEqual(['vping.ping.reply/1', 'vping.ping.reply/1', 'vping.ping.reply/1', 'vping.ping.statistics/1']);
    expect(docs.slice(0, 3).map((d) => d.icmp_seq)).toEqual([1, 2, 3]);
    expect(docs[3]).toMatchObject({ host: '10.216.0.2', transmitted: 3, received: 3, loss: 0 });
    // an address nobody answers: no reply lines (as the text), 100% loss, status 1
    const none = run(['-j', '-n', ns[0], 'ping', '-c', '2', '-i', '0.01', '-W', '0.2', '10.216.0.9'], 1);
    judge(none, 'ping, no answer');
    expect(none.at(-1)).toMatchObject({ transmitted: 2, received: 0, loss: 100, exit_status: 1 });
    // -O: no answer yet, as error lines
    const o = run(['-j', '-n', ns[0], 'ping', '-c', '2', '-i', '0.2', '-W', '0.3', '-O', '10.216.0.9'], 1);
    judge(o, 'ping -O');
    expect(o.some((d) => d.schema === 'vping.ping.error/1' && d.error === 'no answer yet')).toBe(true);
  });

  it('bench and trace', () => {
    judge(run(['-j', 'bench', ...labArgs, '--sizes', '56', '-c', '20', '--warmup', '2', '-i', '0.001', '--vs-ping', '--trace', '2', '--samples']), 'bench');
    judge(run(['bench', ...labArgs, '--modes', 'flood', '--dirs', 'ns1-ns2', '-c', '50', '--warmup', '5', '-l', '4', '--json']), 'bench -l 4');
    judge(run(['-j', 'trace', ...labArgs, '-c', '3', '-i', '0.01']), 'trace');
  });

  it('capture -j: a document per frame with its decoded fields, then the counts; -r reads them back the same', async () => {
    const file = join(dir, 'c.pcapng');
    const cap = spawn(process.execPath, [VPING, '-j', 'capture', '-c', '4', '-w', file, `${ns[0]}:vj0`, `${ns[1]}:vj1`, 'icmp'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const live = spawn(process.execPath, [VPING, 'capture', '-j', '-c', '4', `${ns[0]}:vj0`, `${ns[1]}:vj1`, 'icmp'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    live.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const ended = (c: typeof cap) => new Promise<number | null>((res) => c.on('exit', (s) => res(s)));
    const e1 = ended(cap);
    const e2 = ended(live);
    await new Promise((r) => setTimeout(r, 1500));
    expect(vping(['-n', ns[0], 'ping', '-c', '1', '-q', '10.216.0.2']).status).toBe(0);
    expect(await e1).toBe(0);
    expect(await e2).toBe(0);
    const docs = lines(out);
    judge(docs, 'capture -j');
    expect(docs.map((d) => d.schema)).toEqual([...Array(4).fill('vping.capture.frame/1'), 'vping.capture.summary/1']);
    expect(docs[0]).toMatchObject({ interface: `${ns[0]}:vj0`, direction: 'out', ip: { src: '10.216.0.1', dst: '10.216.0.2', proto: 1 }, icmp: { type: 8, seq: 1 } });
    const back = run(['capture', '-r', file, '-j']);
    judge(back, 'capture -r -j');
    expect(back.map((d) => d.icmp)).toEqual(docs.slice(0, 4).map((d) => d.icmp));
    // tcpdump reads the same file: as many frames
    expect(peer('tcpdump', ['-r', file, '-n']).trim().split('\n')).toHaveLength(4);
  });

  it('topologies: up, status, trace across a router, down', () => {
    judge(run(['-j', 'lab', 'up', ...chain]), 'topology up');
    judge(run(['-j', 'lab', 'status', ...chain]), 'topology status');
    judge(run(['-j', 'trace', ...chain, '-c', '2', '-i', '0.01']), 'trace across hops');
    judge(run(['-j', 'lab', 'down', ...chain]), 'topology down');
  });

  it("ip's views are ip's JSON, valid against their schemas", () => {
    for (const [args, file] of [
      [['-n', ns[0], 'a'], 'ip.addr-v1.json'],
      [['-n', ns[0], 'link'], 'ip.link-v1.json'],
      [['-n', ns[0], 'route'], 'ip.route-v1.json'],
      [['-n', ns[0], 'neigh'], 'ip.neigh-v1.json'],
      [['netns', 'list'], 'ip.netns-v1.json'],
    ] as const) {
      const r = vping(['-j', ...args]);
      expect(r.status, args.join(' ')).toBe(0);
      const v = JSON.parse(r.stdout) as unknown[];
      expect(v.length, args.join(' ')).toBeGreaterThan(0);
      expect(schemaErrors(v, file), args.join(' ')).toBe('');
    }
    judge(run(['-j', 'lab', 'down', ...labArgs]), 'lab down');
  });
});
