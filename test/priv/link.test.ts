// Rtnl against the real kernel, judged by iproute2: what vping builds, `ip -j` must see;
// what vping prints, `ip` must print. Every namespace is unique and removed afterwards.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describePriv, ipJson, peer, removeNetns, uniq } from '../helpers/priv.js';
import { addNetns, openNetns } from '../../src/ns/netns.js';
import { openFds } from '../../src/sys/fd.js';
import { NetlinkError, Rtnl, formatIpAddr, formatIpLink, ipAddrJson, ipLinkJson } from '../../src/index.js';

interface IpLink {
  ifindex: number;
  ifname: string;
  flags: string[];
  mtu: number;
  operstate: string;
  address: string;
  link_index?: number;
  link_netnsid?: number;
  addr_info?: { family: string; local: string; prefixlen: number; tentative?: boolean; nodad?: boolean }[];
}

describePriv('Rtnl against ip', () => {
  const ns1 = uniq('vl');
  const ns2 = uniq('vl');
  let fdsBefore: number[];

  beforeAll(() => {
    fdsBefore = openFds();
    addNetns(ns1);
    addNetns(ns2);
  });
  afterAll(() => {
    removeNetns(ns1, ns2);
    expect(openFds()).toEqual(fdsBefore);
  });

  it('creates a veth with each end directly in its namespace, in one request, and the peers point at each other', () => {
    {
      using rt = Rtnl.open(ns1);
      rt.createVeth({ name: 'tap1', peer: 'tap2', peerNetns: ns2, mtu: 1400, mac: '02:aa:00:00:00:01', peerMac: '02:aa:00:00:00:02' });
    }
    const [a] = ipJson<IpLink[]>(['-n', ns1, 'link', 'show', 'tap1']);
    const [b] = ipJson<IpLink[]>(['-n', ns2, 'link', 'show', 'tap2']);
    expect(a).toMatchObject({ ifname: 'tap1', mtu: 1400, address: '02:aa:00:00:00:01', link_index: b.ifindex });
    expect(b).toMatchObject({ ifname: 'tap2', mtu: 1400, address: '02:aa:00:00:00:02', link_index: a.ifindex });
    expect(a.link_netnsid).toBeTypeOf('number');
    // nothing appeared in the caller's namespace
    expect(ipJson<IpLink[]>(['link']).some((l) => l.ifname === 'tap1' || l.ifname === 'tap2')).toBe(false);
  });

  it('addresses (v4 local X/P, v6 nodad), up, and ip -j sees them', () => {
    using r1 = Rtnl.open(ns1);
    using h2 = openNetns(ns2);
    using r2 = Rtnl.open(h2);
    r1.addAddr('tap1', '192.168.168.1/24');
    r1.addAddr('tap1', 'fd00:76::1/64', { nodad: true });
    r1.setLink('tap1', { up: true });
    r1.setLink('lo', { up: true });
    r2.addAddr(r2.linkIndex('tap2'), '192.168.168.2/24');
    r2.setLink('tap2', { up: true });
    const [a] = ipJson<IpLink[]>(['-n', ns1, 'addr', 'show', 'tap1']);
    expect(a.flags).toContain('UP');
    expect(a.operstate).toBe('UP');
    expect(a.addr_info?.map((x) => [x.family, x.local, x.prefixlen])).toEqual(expect.arrayContaining([['inet', '192.168.168.1', 24], ['inet6', 'fd00:76::1', 64]]));
    const v6 = a.addr_info?.find((x) => x.local === 'fd00:76::1');
    expect(v6?.nodad).toBe(true);
    expect(v6?.tentative).toBeUndefined();
  });

  it('formats ip a and ip link exactly as ip prints them, text and JSON', () => {
    for (const ns of [ns1, ns2]) {
      using rt = Rtnl.open(ns);
      const links = rt.links();
      const addrs = rt.addrs();
      const nsidNames = rt.nsidNames();
      expect(formatIpAddr(links, addrs, { nsidNames }).split('\n')).toEqual(peer('ip', ['-n', ns, 'a']).split('\n'));
      expect(formatIpLink(links, { nsidNames }).split('\n')).toEqual(peer('ip', ['-n', ns, 'link']).split('\n'));
      expect(JSON.stringify(ipAddrJson(links, addrs, { nsidNames }))).toBe(peer('ip', ['-j', '-n', ns, 'a']).trim());
      expect(JSON.stringify(ipLinkJson(links, { nsidNames }))).toBe(peer('ip', ['-j', '-n', ns, 'link']).trim());
    }
  });

  it('getNsid agrees with ip netns list-id', () => {
    using rt = Rtnl.open(ns1);
    using h2 = openNetns(ns2);
    const id = rt.getNsid(h2.fd);
    expect(id).toBeTypeOf('number');
    expect(peer('ip', ['-n', ns1, 'netns', 'list-id'])).toContain(`nsid ${id} (iproute2 netns name: ${ns2})`);
    expect(rt.nsidNames().get(id as number)).toBe(ns2);
  });

  it('deletes an address, sets mtu and MAC, moves a link to another namespace, deletes a link', () => {
    using r1 = Rtnl.open(ns1);
    r1.delAddr('tap1', 'fd00:76::1/64');
    expect(peer('ip', ['-n', ns1, 'addr', 'show', 'tap1'])).not.toContain('fd00:76::1');
    r1.setLink('tap1', { mtu: 1300, mac: '02:bb:00:00:00:01' });
    expect(ipJson<IpLink[]>(['-n', ns1, 'link', 'show', 'tap1'])[0]).toMatchObject({ mtu: 1300, address: '02:bb:00:00:00:01' });
    // a pair made wholly in ns1, then one end moved to ns2
    r1.createVeth({ name: 'mv1', peer: 'mv2' });
    r1.setLink('mv2', { netns: ns2 });
    expect(ipJson<IpLink[]>(['-n', ns2, 'link', 'show', 'mv2'])[0].ifname).toBe('mv2');
    expect(r1.hasLink('mv2')).toBe(false);
    r1.deleteLink('mv1'); // deleting one end removes both
    expect(r1.hasLink('mv1')).toBe(false);
    expect(peer('ip', ['-n', ns2, 'link'])).not.toContain('mv2');
  });

  it('errors carry the kernel errno and read as ip says them', () => {
    using r1 = Rtnl.open(ns1);
    const err = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(NetlinkError);
        return e as NetlinkError;
      }
      throw new Error('expected a NetlinkError');
    };
    const del = err(() => r1.deleteLink('tap9'));
    expect(del.code).toBe('ENODEV');
    expect(del.errno).toBe(19);
    expect(del.message).toBe('Cannot find device "tap9"');
    expect(err(() => r1.linkIndex('tap9')).message).toBe('Cannot find device "tap9"');
    expect(err(() => r1.setLink('tap9', { up: true })).code).toBe('ENODEV');
    // the peer's name is taken in ns2: EEXIST, naming the device and where
    const ex = err(() => r1.createVeth({ name: 'new1', peer: 'tap2', peerNetns: ns2 }));
    expect(ex.code).toBe('EEXIST');
    expect(ex.message).toBe(`link add new1 type veth peer name tap2: RTNETLINK answers: File exists (device "tap2" already exists in namespace ${ns2})`);
    expect(r1.hasLink('new1')).toBe(false);
    const dup = err(() => r1.addAddr('tap1', '192.168.168.1/24'));
    expect(dup.code).toBe('EEXIST');
    expect(dup.message).toMatch(/^addr add 192\.168\.168\.1\/24 dev tap1: RTNETLINK answers: File exists/);
    const mtu = err(() => r1.setLink('tap1', { mtu: 70000 }));
    expect(mtu.code).toBe('EINVAL');
    expect(mtu.kernelMessage).toBeTruthy(); // the kernel says why, through the extended ack
  });
});
