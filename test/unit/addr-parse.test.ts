// What users type: addresses with prefixes, interface names, MACs; and addresses printed
// as glibc's inet_ntop (which ip uses) prints them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/sys/errors.js';
import { checkIfName, ifNameProblem, parseCidr, parseMacAddr } from '../../src/link/parse.js';
import { formatIPv6, parseIPv6 } from '../../src/inet/addr.js';
import { resolveLab, labPairs, shiftCidr } from '../../src/lab/spec.js';

const usage = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    expect((e as UsageError).code).toBe('EUSAGE');
    expect((e as Error).message).not.toContain('\n');
    return (e as Error).message;
  }
  throw new Error('expected a UsageError');
};

describe('parseCidr', () => {
  it('reads the seed addresses', () => {
    expect(parseCidr('192.168.168.1/24')).toMatchObject({ family: 2, prefixlen: 24, address: '192.168.168.1', explicitPrefix: true });
    expect([...parseCidr('192.168.168.2/24').bytes]).toEqual([192, 168, 168, 2]);
  });
  it('defaults the prefix to the host length, as ip addr add does', () => {
    expect(parseCidr('10.0.0.1').prefixlen).toBe(32);
    expect(parseCidr('fd00::1').prefixlen).toBe(128);
  });
  it('reads IPv6 and canonicalises it', () => {
    expect(parseCidr('FD00:0:0:0::1/64')).toMatchObject({ family: 10, prefixlen: 64, address: 'fd00::1' });
    expect(parseCidr('::ffff:10.1.2.3/128').address).toBe('::ffff:10.1.2.3');
  });
  it('refuses prefixes beyond the family with a message naming the limit', () => {
    expect(usage(() => parseCidr('192.168.168.1/33'))).toMatch(/prefix length 33 .*IPv4 allows 0-32/);
    expect(usage(() => parseCidr('fd00::1/129'))).toMatch(/prefix length 129 .*IPv6 allows 0-128/);
    expect(parseCidr('fd00::1/128').prefixlen).toBe(128);
    expect(parseCidr('0.0.0.0/0').prefixlen).toBe(0);
  });
  it('refuses malformed input', () => {
    for (const bad of ['', '192.168.168', '192.168.168.256/24', '1.2.3.4/', '1.2.3.4/x', '1.2.3.4/-1', 'fd00:::1', 'tap1', '1.2.3.4/24/1', 'fe80::1%eth0']) {
      expect(usage(() => parseCidr(bad))).toMatch(/invalid/);
    }
  });
});

describe('IPv6 text as inet_ntop writes it', () => {
  const cases: [string, string][] = [
    ['0000:0000:0000:0000:0000:0000:0000:0001', '::1'],
    ['0000:0000:0000:0000:0000:0000:0000:0000', '::'],
    ['fe80:0000:0000:0000:a8c6:63ff:fede:458a', 'fe80::a8c6:63ff:fede:458a'],
    ['2001:0db8:0000:0001:0000:0000:0000:0001', '2001:db8:0:1::1'],
    ['2001:0db8:0000:0000:0001:0000:0000:0001', '2001:db8::1:0:0:1'], // first of equal runs
    ['2001:0db8:0001:0001:0001:0001:0000:0001', '2001:db8:1:1:1:1:0:1'], // a single zero stays
    ['0000:0000:0000:0000:0000:ffff:0a01:0203', '::ffff:10.1.2.3'],
    ['0000:0000:0000:0000:0000:0000:0a01:0203', '::10.1.2.3'],
    ['fd00:0000:0000:0000:0000:0000:0000:0000', 'fd00::'],
  ];
  it.each(cases)('%s → %s', (full, text) => {
    const b = Buffer.from(full.replaceAll(':', ''), 'hex');
    expect(formatIPv6(b)).toBe(text);
    expect(Buffer.from(parseIPv6(text)!).toString('hex')).toBe(b.toString('hex'));
  });
  it('round-trips any 16 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
        expect([...parseIPv6(formatIPv6(b))!]).toEqual([...b]);
      }),
    );
  });
});

describe('interface names', () => {
  it('accepts what the kernel accepts', () => {
    for (const ok of ['tap1', 'a', 'x'.repeat(15), 'veth-0_1.2']) expect(ifNameProblem(ok)).toBeNull();
  });
  it('refuses too long, empty, dot names, slash, colon and white space, each saying why', () => {
    expect(usage(() => checkIfName('x'.repeat(16)))).toMatch(/16 bytes \(at most 15\)/);
    expect(usage(() => checkIfName('ééééééééé'))).toMatch(/18 bytes/); // bytes, not characters
    expect(usage(() => checkIfName(''))).toMatch(/empty/);
    expect(usage(() => checkIfName('.'))).toMatch(/not allowed/);
    expect(usage(() => checkIfName('..'))).toMatch(/not allowed/);
    expect(usage(() => checkIfName('a/b'))).toMatch(/'\/'/);
    expect(usage(() => checkIfName('a b'))).toMatch(/white space/);
    expect(usage(() => checkIfName('a\tb'))).toMatch(/white space/);
    expect(usage(() => checkIfName('eth0:1'))).toMatch(/':'/);
  });
});

describe('MAC addresses', () => {
  it('reads unicast, refuses multicast and garbage', () => {
    expect([...parseMacAddr('02:00:00:00:00:0a')]).toEqual([2, 0, 0, 0, 0, 10]);
    expect(usage(() => parseMacAddr('01:00:5e:00:00:01'))).toMatch(/multicast/);
    expect(usage(() => parseMacAddr('02:00:00:00:00'))).toMatch(/six hex bytes/);
  });
});

describe('lab spec', () => {
  it('defaults to the seed', () => {
    const [p] = labPairs(resolveLab());
    expect(p.ends.map((e) => [e.ns, e.ifname, e.addr])).toEqual([
      ['ns1', 'tap1', '192.168.168.1/24'],
      ['ns2', 'tap2', '192.168.168.2/24'],
    ]);
  });
  it('gives each of N pairs its own namespaces and subnet, predictably', () => {
    const ps = labPairs(resolveLab({ pairs: 3 }));
    expect(ps.map((p) => p.ends.map((e) => `${e.ns}/${e.ifname}/${e.addr}`))).toEqual([
      ['ns1-1/tap1/192.168.168.1/24', 'ns2-1/tap2/192.168.168.2/24'],
      ['ns1-2/tap1/192.168.169.1/24', 'ns2-2/tap2/192.168.169.2/24'],
      ['ns1-3/tap1/192.168.170.1/24', 'ns2-3/tap2/192.168.170.2/24'],
    ]);
    expect(shiftCidr(parseCidr('fd00:1::1/64'), 2).address).toBe('fd00:1:0:2::1');
    expect(shiftCidr(parseCidr('10.0.0.1/30'), 1).address).toBe('10.0.0.5');
  });
  it('overrides the prefix of both ends with `prefix`', () => {
    expect(resolveLab({ prefix: 30 }).addrs).toEqual(['192.168.168.1/30', '192.168.168.2/30']);
  });
  it('refuses bad specs before anything is made', () => {
    expect(usage(() => resolveLab({ pairs: 0 }))).toMatch(/pairs/);
    expect(usage(() => resolveLab({ ns: ['a', 'a'] }))).toMatch(/two different namespaces/);
    expect(usage(() => resolveLab({ addrs: ['10.0.0.1/24', 'fd00::2/64'] }))).toMatch(/different families/);
    expect(usage(() => resolveLab({ ifnames: ['tap1', 'x'.repeat(16)] }))).toMatch(/at most 15/);
    expect(usage(() => resolveLab({ ns: ['..', 'c'] }))).toMatch(/namespace name ".." is not allowed/);
    expect(usage(() => resolveLab({ ns: ['pid:x', 'c'] }))).toMatch(/pid:N takes a process id/);
    // a path or pid reaches a namespace others made: fine for one pair, not for several
    expect(resolveLab({ ns: ['/proc/1/ns/net', 'pid:2'] }).ns).toEqual(['/proc/1/ns/net', 'pid:2']);
    expect(usage(() => resolveLab({ pairs: 2, ns: ['/proc/1/ns/net', 'c'] }))).toMatch(/several pairs names its namespaces/);
    expect(usage(() => resolveLab({ addrs: ['255.255.255.1/24', '255.255.255.2/24'], pairs: 2 }))).toMatch(/leaves the address space/);
    expect(usage(() => resolveLab({ prefix: 33 }))).toMatch(/allows 0-32/);
  });
});
