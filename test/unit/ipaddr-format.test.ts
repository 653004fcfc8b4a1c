// `ip a` / `ip link` text and `ip -j` JSON: against what ip printed from the same kernel
// bytes (fixtures), and the rules of iproute2's print_linkinfo/print_addrinfo case by case.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IFF, RTM } from '../../src/netlink/consts.js';
import { decodeAddr, type AddrInfo } from '../../src/link/ifaddrmsg.js';
import { decodeLink, type LinkInfo } from '../../src/link/ifinfomsg.js';
import { formatIpAddr, formatIpLink, ipAddrJson, ipLinkJson, linkFlagWords } from '../../src/iproute/format.js';
import { splitMessages } from '../../src/netlink/nlmsg.js';

const FIX = new URL('../fixtures/rtnl/', import.meta.url);
const msgs = readFileSync(new URL('ipa-fx1.hex', FIX), 'utf8').trim().split('\n').flatMap((l) => splitMessages(Buffer.from(l, 'hex')));
const links = msgs.filter((m) => m.type === RTM.NEWLINK).map((m) => decodeLink(m.payload));
const addrs = msgs.filter((m) => m.type === RTM.NEWADDR).map((m) => decodeAddr(m.payload));
const nsidNames = new Map([[0, 'fx2']]);

describe('against ip, from the same kernel bytes', () => {
  it('ip a text, line for line', () => {
    const want = readFileSync(new URL('ipa-fx1.txt', FIX), 'utf8');
    expect(formatIpAddr(links, addrs, { nsidNames }).split('\n')).toEqual(want.split('\n'));
  });
  it('ip -j a JSON, key for key and in order', () => {
    const want = readFileSync(new URL('ipa-fx1.ipj.json', FIX), 'utf8').trim();
    expect(JSON.stringify(ipAddrJson(links, addrs, { nsidNames }))).toBe(want);
  });
  it('link-netnsid N when the nsid has no name', () => {
    expect(formatIpAddr(links, addrs, {})).toContain('brd ff:ff:ff:ff:ff:ff link-netnsid 0\n');
  });
});

const link = (o: Partial<LinkInfo>): LinkInfo => ({
  index: 5, name: 'veth0', type: 1, family: 0, flags: IFF.BROADCAST | IFF.MULTICAST, mtu: 1500, qdisc: 'noop', operstate: 2, linkmode: 0, group: 0, txqlen: 1000,
  address: '02:00:00:00:00:01', broadcast: 'ff:ff:ff:ff:ff:ff', altnames: [], unknown: [], ...o,
});
const addr = (o: Partial<AddrInfo>): AddrInfo => ({ family: 2, prefixlen: 24, flags: 0x80, scope: 0, index: 5, unknown: [], cacheinfo: { preferred: 0xffffffff, valid: 0xffffffff, cstamp: 0, tstamp: 0 }, ...o });

describe('print_linkinfo rules', () => {
  it('flags: fixed order, RUNNING hidden, NO-CARRIER first when up without carrier, unknown bits in hex', () => {
    expect(linkFlagWords(IFF.UP | IFF.BROADCAST | IFF.MULTICAST | IFF.RUNNING | IFF.LOWER_UP)).toEqual(['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP']);
    expect(linkFlagWords(IFF.UP | IFF.BROADCAST)).toEqual(['NO-CARRIER', 'BROADCAST', 'UP']);
    expect(linkFlagWords(IFF.LOOPBACK | 0x80000000)).toEqual(['LOOPBACK', '80000000']);
  });

  it('a veth whose peer is here: name@peer, and M-DOWN while the peer is down', () => {
    const a = link({ index: 5, name: 'veth0', link: 6 });
    const b = link({ index: 6, name: 'veth1', link: 5, flags: IFF.BROADCAST | IFF.MULTICAST | IFF.UP });
    const text = formatIpLink([a, b]);
    expect(text).toBe(
      '5: veth0@veth1: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000\n' +
        '    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff\n' +
        '6: veth1@veth0: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000\n' +
        '    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff\n',
    );
    expect(ipLinkJson([a, b])[1]).toMatchObject({ ifindex: 6, link: 'veth0', ifname: 'veth1', flags: ['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP', 'M-DOWN'], linkmode: 'DEFAULT' });
  });

  it('no qlen when it is 0 (the line ends in a space), group numbers, master, alias and altnames', () => {
    const m = link({ index: 3, name: 'br0' });
    const l = link({ txqlen: 0, group: 7, master: 3, ifalias: 'lab end', altnames: ['enp0s1'], qdisc: undefined });
    expect(formatIpLink([m, l]).split('\n').slice(2)).toEqual([
      '5: veth0: <BROADCAST,MULTICAST> mtu 1500 master br0 state DOWN mode DEFAULT group 7 ',
      '    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff',
      '    alias lab end',
      '    altname enp0s1',
      '',
    ]);
    // `ip a` shows neither the mode nor the alias
    expect(formatIpAddr([l], [], {}).split('\n')[0]).toBe('5: veth0: <BROADCAST,MULTICAST> mtu 1500 master if3 state DOWN group 7 ');
    expect(ipAddrJson([l], [])[0]).toMatchObject({ master: 'if3', group: '7', altnames: ['enp0s1'], addr_info: [] });
    expect(ipAddrJson([l], [])[0]).not.toHaveProperty('txqlen');
  });

  it('point-to-point links print peer, and an unknown link type as [N]', () => {
    const t = link({ type: 65534, flags: IFF.POINTOPOINT | IFF.NOARP, address: undefined, broadcast: undefined });
    expect(formatIpAddr([t], []).split('\n')[1]).toBe('    link/none ');
    const p = link({ type: 4242, flags: IFF.POINTOPOINT, broadcast: '0a:00:00:01' });
    expect(formatIpAddr([p], []).split('\n')[1]).toBe('    link/[4242] 02:00:00:00:00:01 peer 0a:00:00:01');
  });
});

describe('print_addrinfo rules', () => {
  const l = link({});
  const line = (a: AddrInfo) => formatIpAddr([l], [a]).split('\n').slice(2, -1);

  it('IPv4 with label and forever lifetimes', () => {
    expect(line(addr({ local: '10.0.0.1', address: '10.0.0.1', label: 'veth0' }))).toEqual(['    inet 10.0.0.1/24 scope global veth0', '       valid_lft forever preferred_lft forever']);
  });
  it('peer, brd, secondary, then dynamic at the place of permanent (ifa_flag_data order)', () => {
    expect(line(addr({ local: '10.0.0.1', address: '10.0.0.9', broadcast: '10.0.0.255', flags: 0x01, label: 'veth0', cacheinfo: { preferred: 100, valid: 200, cstamp: 0, tstamp: 0 } }))).toEqual([
      '    inet 10.0.0.1 peer 10.0.0.9/24 brd 10.0.0.255 scope global secondary dynamic veth0',
      '       valid_lft 200sec preferred_lft 100sec',
    ]);
  });
  it('IPv6: secondary reads temporary; nodad, tentative; leftover bits as flags XX; the line keeps its trailing space', () => {
    const a = addr({ family: 10, prefixlen: 64, address: 'fd00::1', scope: 253, flags: 0x80 | 0x01 | 0x02 | 0x40 | 0x1000 });
    expect(line(a)[0]).toBe('    inet6 fd00::1/64 scope link temporary nodad tentative flags 1000 ');
    expect(ipAddrJson([l], [a])[0]).toMatchObject({ addr_info: [{ family: 'inet6', local: 'fd00::1', prefixlen: 64, scope: 'link', temporary: true, nodad: true, tentative: true, ifa_flags: '1000' }] });
  });
  it('a deprecated address prints its preferred lifetime signed', () => {
    const a = addr({ family: 10, address: 'fd00::2', flags: 0x20, cacheinfo: { preferred: 0xfffffff0, valid: 30, cstamp: 0, tstamp: 0 } });
    expect(line(a)).toEqual(['    inet6 fd00::2/24 scope global deprecated dynamic ', '       valid_lft 30sec preferred_lft -16sec']);
  });
  it('host scope and unknown scope numbers', () => {
    expect(line(addr({ local: '127.0.0.1', scope: 254, label: 'lo' }))[0]).toBe('    inet 127.0.0.1/24 scope host lo');
    expect(line(addr({ local: '10.0.0.1', scope: 100 }))[0]).toBe('    inet 10.0.0.1/24 scope 100 ');
  });
});
