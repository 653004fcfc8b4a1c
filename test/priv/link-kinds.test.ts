// Link kinds beyond veth, each made by vping and judged by `ip -d -j link`: a bridge with a
// veth end enslaved (master) and released (nomaster), a macvlan in bridge mode, a vxlan with
// its VNI, port, underlay device and addresses; dummy and vlan are tried and skip only when
// the kernel refuses them (naming the answer). `vping link` prints what `ip link` prints for
// all of them. Bad input: enslaving to a non-bridge, a missing lower device, a name taken.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describePriv, isRoot, ipJson, peer, removeNetns, uniq } from '../helpers/priv.js';
import { isOneLineError, vping } from '../helpers/cli.js';

const ns = uniq('vlk');
const V = (args: string[]) => vping(['-n', ns, ...args]);
interface IpLinkD {
  ifname: string;
  master?: string;
  link?: string;
  linkinfo?: { info_kind?: string; info_slave_kind?: string; info_data?: Record<string, unknown> };
}
const dlink = (dev: string): IpLinkD => ipJson<IpLinkD[]>(['-n', ns, '-d', 'link', 'show', dev])[0];

beforeAll(() => {
  if (!isRoot) return;
  peer('ip', ['netns', 'add', ns]);
  expect(V(['link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb']).status).toBe(0);
});
afterAll(() => removeNetns(ns));

describePriv('link kinds', () => {
  it('a bridge, a veth end enslaved to it and released again, as ip sees it', () => {
    const r = V(['link', 'add', 'br0', 'type', 'bridge']);
    expect(r.stderr).toBe('');
    expect(dlink('br0').linkinfo?.info_kind).toBe('bridge');
    expect(V(['link', 'set', 'va', 'master', 'br0']).status).toBe(0);
    const va = dlink('va');
    expect([va.master, va.linkinfo?.info_slave_kind]).toEqual(['br0', 'bridge']);
    expect(V(['link']).stdout).toBe(peer('ip', ['-n', ns, 'link']));
    expect(V(['-j', 'link']).stdout.trim()).toBe(peer('ip', ['-n', ns, '-j', 'link']).trim());
    expect(V(['link', 'set', 'va', 'nomaster']).status).toBe(0);
    expect(dlink('va').master).toBeUndefined();
  });

  it('a macvlan on a lower device, in bridge mode', () => {
    expect(V(['link', 'add', 'mv0', 'link', 'vb', 'type', 'macvlan', 'mode', 'bridge']).stderr).toBe('');
    const m = dlink('mv0');
    expect([m.link, m.linkinfo?.info_kind, m.linkinfo?.info_data?.mode]).toEqual(['vb', 'macvlan', 'bridge']);
    expect(V(['link', 'show', 'mv0']).stdout).toBe(peer('ip', ['-n', ns, 'link', 'show', 'mv0']));
  });

  it('a vxlan with its VNI, UDP port, underlay device and addresses', () => {
    expect(V(['link', 'add', 'vx0', 'type', 'vxlan', 'id', '42', 'dstport', '4789', 'dev', 'vb', 'remote', '10.0.0.9', 'local', '10.0.0.1']).stderr).toBe('');
    const d = dlink('vx0').linkinfo!.info_data!;
    expect([d.id, d.port, d.link, d.remote, d.local]).toEqual([42, 4789, 'vb', '10.0.0.9', '10.0.0.1']);
    expect(V(['link']).stdout).toBe(peer('ip', ['-n', ns, 'link']));
  });

  for (const [kind, words] of [['dummy', ['link', 'add', 'd0', 'type', 'dummy']], ['vlan', ['link', 'add', 'vl0', 'link', 'vb', 'type', 'vlan', 'id', '5']]] as const) {
    it(`a ${kind} link, where the kernel has the kind`, (ctx) => {
      const r = V([...words]);
      // only the kernel's refusal may skip, and the skip says what the kernel answered
      if (r.status !== 0 && r.stderr.includes('(Unknown device type)')) {
        expect(isOneLineError(r)).toBe(true);
        ctx.skip(`the kernel refuses ${kind}: ${r.stderr.trim()}`);
      }
      expect(r.stderr).toBe('');
      expect(dlink(words[2]).linkinfo?.info_kind).toBe(kind);
      if (kind === 'vlan') expect(dlink('vl0').linkinfo?.info_data?.id).toBe(5);
    });
  }

  it('bad input: one line, exit 2, nothing made', () => {
    const before = ipJson<{ ifname: string }[]>(['-n', ns, 'link']).map((l) => l.ifname);
    const cases: [string[], RegExp][] = [
      [['link', 'set', 'vb', 'master', 'va'], /"va" is a veth, and only a bridge can be a master here/],
      [['link', 'set', 'vb', 'master', 'nosuch0'], /Cannot find device "nosuch0"/],
      [['link', 'add', 'mv1', 'type', 'macvlan'], /a macvlan needs its lower device: "link DEV"/],
      [['link', 'add', 'mv1', 'link', 'nosuch0', 'type', 'macvlan'], /Cannot find device "nosuch0"/],
      [['link', 'add', 'br0', 'type', 'bridge'], /a device named "br0" exists/],
      [['link', 'add', 'x0', 'type', 'vxlan'], /a vxlan needs its "id VNI"/],
      [['link', 'add', 'x0', 'type', 'vxlan', 'id', '99999999'], /id 99999999 out of range 0-16777215/],
      [['link', 'add', 'x0', 'type', 'bond'], /type "bond" is not supported \(veth, bridge, dummy, macvlan, vlan, vxlan\)/],
    ];
    for (const [args, re] of cases) {
      const r = V(args);
      expect(r.stderr, args.join(' ')).toMatch(re);
      expect(isOneLineError(r), `${args.join(' ')}: ${r.stderr}`).toBe(true);
    }
    expect(ipJson<{ ifname: string }[]>(['-n', ns, 'link']).map((l) => l.ifname)).toEqual(before);
  });
});
