// The lab against the real kernel, judged by iproute2: the seed's topology built by
// labUp (no `ip` process), idempotence, conflicts, rollback, half-made states after
// SIGKILL, two labs at once. Every lab uses unique namespace names and is removed.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { describePriv, ipJson, ipNetnsNames, peer, removeNetns, uniq } from '../helpers/priv.js';
import { addNetns, existsNetns } from '../../src/ns/netns.js';
import { openFds } from '../../src/sys/fd.js';
import { VpingError } from '../../src/sys/errors.js';
import { Rtnl, formatIpAddr } from '../../src/index.js';
import { labDown, labPairs, labStatus, labUp, readyLab, requireLabUp, resolveLab, type LabInput } from '../../src/index.js';

interface IpLink {
  ifindex: number;
  ifname: string;
  flags: string[];
  operstate: string;
  address: string;
  link_index?: number;
  link_netnsid?: number;
  addr_info: { family: string; local: string; prefixlen: number }[];
}

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const distLab = join(root, 'dist/src/index.js');

/** Run labUp in a child process (the compiled library): `{spec, dieAt?}`; resolves with its exit. */
function labChild(spec: LabInput, dieAt?: string): Promise<{ code: number | null; signal: string | null; out: string; err: string }> {
  const script = `
    const { labUp } = await import(${JSON.stringify(distLab)});
    const [spec, dieAt] = JSON.parse(process.argv[1]);
    const r = labUp(spec, { onStep: (s) => { if (dieAt && s.startsWith(dieAt)) process.kill(process.pid, 'SIGKILL'); } });
    process.stdout.write(JSON.stringify(r));`;
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--input-type=module', '-e', script, JSON.stringify([spec, dieAt ?? null])], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code, signal) => resolve({ code, signal, out, err }));
  });
}

describePriv('lab against ip', () => {
  const made: string[][] = [];
  /** A spec with unique namespace names (the seed's interface names and addresses). */
  const spec = (o: LabInput = {}): LabInput => {
    const s = { ns: [uniq('la'), uniq('lb')] as [string, string], ...o };
    made.push(labPairs(resolveLab(s)).flatMap((p) => p.ends.map((e) => e.ns)));
    return s;
  };
  let fdsBefore: number[];

  beforeAll(() => {
    fdsBefore = openFds();
  });
  afterEach(() => {
    for (const names of made.splice(0)) removeNetns(...names);
  });
  afterAll(() => {
    expect(openFds()).toEqual(fdsBefore);
  });

  it('builds the seed topology; ip netns, ip -j link and ip -j addr agree; ip a equals formatIpAddr line for line', () => {
    const s = spec();
    const [n1, n2] = s.ns!;
    const r = labUp(s);
    expect(r).toMatchObject({ action: 'up', changed: true, pairs: [{ outcome: 'created', ns: [n1, n2], ifnames: ['tap1', 'tap2'], addrs: ['192.168.168.1/24', '192.168.168.2/24'] }] });
    expect(ipNetnsNames()).toEqual(expect.arrayContaining([n1, n2]));
    const a = ipJson<IpLink[]>(['-n', n1, 'addr']);
    const b = ipJson<IpLink[]>(['-n', n2, 'addr']);
    const tap1 = a.find((l) => l.ifname === 'tap1')!;
    const tap2 = b.find((l) => l.ifname === 'tap2')!;
    for (const [side, tap, peerTap, addr] of [[a, tap1, tap2, '192.168.168.1'], [b, tap2, tap1, '192.168.168.2']] as const) {
      expect(side.map((l) => l.ifname).sort()).toEqual(['lo', tap.ifname].sort());
      expect(side.find((l) => l.ifname === 'lo')!.flags).toContain('UP');
      expect(tap.flags).toEqual(expect.arrayContaining(['UP', 'LOWER_UP']));
      expect(tap.operstate).toBe('UP');
      expect(tap.link_index).toBe(peerTap.ifindex);
      expect(tap.addr_info.filter((x) => x.family === 'inet').map((x) => [x.local, x.prefixlen])).toEqual([[addr, 24]]);
    }
    // `link-netns NAME` names the peer namespace in ip's own view
    expect(peer('ip', ['-n', n1, 'a'])).toContain(`link-netns ${n2}`);
    for (const ns of [n1, n2]) {
      using rt = Rtnl.open(ns);
      expect(formatIpAddr(rt.links(), rt.addrs(), { nsidNames: rt.nsidNames() }).split('\n')).toEqual(peer('ip', ['-n', ns, 'a']).split('\n'));
    }
    const st = labStatus(s);
    expect(st.state).toBe('up');
    expect(st.pairs[0].ends[0].link).toMatchObject({ kind: 'veth', up: true, peerNs: n2, peerIndex: tap2.ifindex });
    // and the pair carries traffic (inside the lab's namespaces only)
    expect(peer('ip', ['netns', 'exec', n1, 'ping', '-n', '-c', '1', '-W', '2', '192.168.168.2'])).toContain('1 received');
  });

  it('is idempotent: a second labUp changes nothing and says so', () => {
    const s = spec();
    labUp(s);
    const before = [ipJson(['-n', s.ns![0], 'addr']), ipJson(['-n', s.ns![1], 'addr'])];
    const r = labUp(s);
    expect(r.changed).toBe(false);
    expect(r.pairs[0].outcome).toBe('unchanged');
    expect(r.message).toMatch(/nothing changed/);
    expect([ipJson(['-n', s.ns![0], 'addr']), ipJson(['-n', s.ns![1], 'addr'])]).toEqual(before);
  });

  it('a lab that exists but differs is a conflict named in one line, and nothing is touched', () => {
    const s = spec();
    labUp(s);
    peer('ip', ['-n', s.ns![0], 'link', 'set', 'tap1', 'down']);
    peer('ip', ['-n', s.ns![1], 'addr', 'add', '10.9.9.9/24', 'dev', 'tap2']);
    let e: unknown;
    try {
      labUp(s);
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(VpingError);
    expect((e as VpingError).code).toBe('EEXIST');
    expect((e as Error).message).toContain(`${s.ns![0]}: tap1 is down`);
    expect((e as Error).message).toContain(`${s.ns![1]}: tap2 also has 10.9.9.9/24`);
    expect((e as Error).message).not.toContain('\n');
    expect((e as Error).message).toContain('"vping lab up --repair" builds it again');
    expect(ipJson<IpLink[]>(['-n', s.ns![0], 'link', 'show', 'tap1'])[0].flags).not.toContain('UP');
    // a link down stops a measurement; an extra address does not
    const st = labStatus(s).pairs[0];
    expect(st.blocking).toEqual([`${s.ns![0]}: tap1 is down`]);
    expect(st.problems).toEqual(expect.arrayContaining([`${s.ns![1]}: tap2 also has 10.9.9.9/24`]));
    expect(() => readyLab(resolveLab(s))).toThrow(`the lab differs from what was asked (${s.ns![0]}: tap1 is down): vping lab up --repair builds it again`);
    peer('ip', ['-n', s.ns![0], 'link', 'set', 'tap1', 'up']);
    const ready = requireLabUp(s);
    expect([ready.family, ready.pairs.length, ready.spec.ns]).toEqual([4, 1, s.ns]);
    // a ready lab passes through as it is (inspected once)
    expect(requireLabUp(ready)).toBe(ready);
    // the way forward it names
    expect(labUp(s, { repair: true }).pairs[0].outcome).toBe('rebuilt');
    expect(labStatus(s).state).toBe('up');
  });

  it('a namespace of the lab that exists on its own is a conflict, and the other one is not made', () => {
    const s = spec();
    addNetns(s.ns![0]);
    expect(() => labUp(s)).toThrow(new RegExp(`${s.ns![1]} does not exist`));
    expect(existsNetns(s.ns![1])).toBe(false);
    expect(existsNetns(s.ns![0])).toBe(true);
  });

  it('a failure midway rolls back what this run made: no namespace, no link left', () => {
    const linksBefore = ipJson<IpLink[]>(['link']).map((l) => l.ifname);
    // the kernel refuses the veth (MTU above the veth maximum) after 4 namespaces were added
    const s = spec({ pairs: 2, mtu: 70000 });
    let e: unknown;
    try {
      labUp(s);
    } catch (x) {
      e = x;
    }
    expect((e as VpingError).code).toBe('EINVAL');
    expect((e as Error).message).toMatch(/^link add tap1 type veth peer name tap2: RTNETLINK answers: Invalid argument/);
    // and a failure thrown at a late step (the second pair's addresses)
    const s2 = spec({ pairs: 2 });
    expect(() => labUp(s2, { onStep: (x) => { if (x.startsWith(`addr ${labPairs(resolveLab(s2))[1].ends[1].ns}`)) throw new VpingError('ETEST', 'injected'); } })).toThrow('injected');
    const names = ipNetnsNames();
    for (const n of made.flat()) expect(names).not.toContain(n);
    expect(ipJson<IpLink[]>(['link']).map((l) => l.ifname)).toEqual(linksBefore);
  });

  it('labDown removes exactly the lab, and is a no-op the second time', () => {
    const s = spec();
    const other = uniq('lo');
    addNetns(other);
    try {
      labUp(s);
      const r = labDown(s);
      expect(r).toMatchObject({ action: 'down', changed: true, pairs: [{ outcome: 'removed' }] });
      const names = ipNetnsNames();
      expect(names).not.toContain(s.ns![0]);
      expect(names).not.toContain(s.ns![1]);
      expect(names).toContain(other);
      expect(labDown(s)).toMatchObject({ changed: false, message: 'lab down: nothing to remove' });
      expect(labStatus(s).state).toBe('absent');
    } finally {
      removeNetns(other);
    }
  });

  it('labDown refuses a namespace holding interfaces the lab did not make', () => {
    const s = spec();
    labUp(s);
    peer('ip', ['-n', s.ns![0], 'link', 'add', 'extra0', 'type', 'veth', 'peer', 'name', 'extra1']);
    expect(() => labDown(s)).toThrow(/holds interfaces the lab did not make \(extra[01], extra[01]\)/);
    expect(existsNetns(s.ns![0])).toBe(true);
    expect(existsNetns(s.ns![1])).toBe(true);
  });

  it('cleans half-made states: killed (SIGKILL) at several steps, a stale /run/netns file, a namespace without its link', async () => {
    for (const step of ['netns', 'veth', 'addr']) {
      const s = spec({ pairs: 2 });
      const pairs = labPairs(resolveLab(s));
      const dieAt = step === 'netns' ? `netns ${pairs[1].ends[0].ns}` : step === 'veth' ? 'veth' : `addr ${pairs[0].ends[0].ns}`;
      const r = await labChild(s, dieAt);
      expect(r.signal).toBe('SIGKILL');
      expect(labStatus(s).state).toBe('partial');
      // vping made what is there: lab up finishes it (the half-made pairs removed and built again)
      const up = labUp(s);
      expect(up.pairs.map((p) => p.outcome)).toContain('rebuilt');
      expect(labStatus(s).state).toBe('up');
      labDown(s);
      for (const p of pairs) for (const e of p.ends) expect(existsNetns(e.ns)).toBe(false);
    }
    // a stale file and a namespace without its link, made by someone else (no vping mark):
    // lab up refuses them, lab down too unless forced
    const s = spec();
    writeFileSync(`/run/netns/${s.ns![0]}`, '');
    addNetns(s.ns![1]);
    expect(labStatus(s).pairs[0].problems).toEqual(expect.arrayContaining([expect.stringMatching(/stale file/), `${s.ns![1]}: no interface tap2`]));
    expect(() => labUp(s)).toThrow(/exists in part or differs: .*not made by vping/);
    expect(() => labDown(s)).toThrow(/not made by vping; not deleting/);
    expect(labDown(s, { force: true }).changed).toBe(true);
    expect(existsNetns(s.ns![0])).toBe(false);
    expect(existsNetns(s.ns![1])).toBe(false);
    expect(ipNetnsNames()).not.toContain(s.ns![0]);
  });

  it('two different labs brought up concurrently (two processes) both succeed', async () => {
    const a = spec({ pairs: 3 });
    const b = spec({ pairs: 3 });
    const [ra, rb] = await Promise.all([labChild(a), labChild(b)]);
    expect([ra.code, rb.code, ra.err, rb.err]).toEqual([0, 0, '', '']);
    expect(JSON.parse(ra.out).changed).toBe(true);
    expect(labStatus(a).state).toBe('up');
    expect(labStatus(b).state).toBe('up');
  });
});
