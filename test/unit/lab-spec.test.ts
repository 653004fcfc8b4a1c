// The lab's addresses: two ends that can reach each other and are not one host, and pairs
// that never step out of the private block the first address is in.
import { describe, expect, it } from 'vitest';
import { labPairs, resolveLab, MANY_PAIRS_ADDRS, SEED_LAB } from '../../src/lab/spec.js';
import { UsageError } from '../../src/sys/errors.js';

const err = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('no error');
};

describe('lab addresses', () => {
  it('refuses one address on both ends (every ping answered locally)', () => {
    expect(err(() => resolveLab({ addrs: ['10.0.0.1/24', '10.0.0.1/24'] }))).toMatch(/both ends would have the address 10\.0\.0\.1: .*measure nothing/);
    expect(err(() => resolveLab({ addrs: ['fd00::1/64', 'fd00:0::1/64'] }))).toMatch(/both ends would have the address fd00::1/);
  });

  it('refuses ends that are not in one subnet', () => {
    expect(err(() => resolveLab({ addrs: ['10.0.0.1/24', '10.0.1.2/24'] }))).toMatch(/10\.0\.0\.1\/24 and 10\.0\.1\.2\/24 are not in one subnet/);
    expect(err(() => resolveLab({ addrs: ['10.0.0.1/32', '10.0.0.2/32'] }))).toMatch(/not in one subnet/);
    // a /16 end holds a /24 end, but not the other way round
    expect(err(() => resolveLab({ addrs: ['10.0.0.1/16', '10.0.7.2/24'] }))).toMatch(/not in one subnet/);
  });

  it('accepts what reaches: /24, /31, /30, IPv6 /64', () => {
    for (const a of [['10.0.0.1/24', '10.0.0.2/24'], ['10.0.0.0/31', '10.0.0.1/31'], ['10.0.0.1/30', '10.0.0.2/30'], ['fd00::1/64', 'fd00::2/64']] as [string, string][]) {
      expect(resolveLab({ addrs: a }).addrs).toEqual(a);
    }
  });

  it('keeps every pair inside the private block: 88 pairs fit after the seed subnet in 192.168.0.0/16, 89 do not', () => {
    const last = labPairs(resolveLab({ pairs: 88, addrs: SEED_LAB.addrs.slice() as [string, string] })).at(-1)!;
    expect(last.ends.map((e) => e.addr)).toEqual(['192.168.255.1/24', '192.168.255.2/24']);
    expect(err(() => resolveLab({ pairs: 89, addrs: ['192.168.168.1/24', '192.168.168.2/24'] })))
      .toBe('89 pairs from 192.168.168.1/24 would leave 192.168.0.0/16 after pair 88 (each pair takes the next /24); use --addrs 10.0.0.1/24,10.0.0.2/24, which fits 65,536 pairs');
    expect(err(() => resolveLab({ pairs: 20, addrs: ['172.31.240.1/24', '172.31.240.2/24'] }))).toMatch(/would leave 172\.16\.0\.0\/12 after pair 16/);
    expect(err(() => resolveLab({ pairs: 3, addrs: ['100.127.254.1/24', '100.127.254.2/24'] }))).toMatch(/would leave 100\.64\.0\.0\/10 after pair 2/);
    expect(err(() => resolveLab({ pairs: 2, addrs: ['198.19.255.1/24', '198.19.255.2/24'] }))).toMatch(/would leave 198\.18\.0\.0\/15 after pair 1/);
  });

  it('without addresses given, a lab of more than 88 pairs starts at 10.0.0.1/24, and 4,096 pairs fit', () => {
    expect(resolveLab({ pairs: 88 }).addrs).toEqual(SEED_LAB.addrs);
    expect(resolveLab({ pairs: 89 }).addrs).toEqual(MANY_PAIRS_ADDRS);
    const pairs = labPairs(resolveLab({ pairs: 4096 }));
    // pair 4,096 is 4,095 /24s above 10.0.0.0/24
    expect(pairs.at(-1)!.ends.map((e) => e.addr)).toEqual(['10.15.255.1/24', '10.15.255.2/24']);
  });
});
