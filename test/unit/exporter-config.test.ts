// The exporter's config: targets as typed, YAML files (and their mistakes, each named in
// one line), listen addresses, durations, globs and the histogram's buckets.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BUCKETS, bucketBounds, bucketsOf, globMatch, parseConfigText, parseListen, parseSeconds, parseTargetArg, targetKey,
} from '../../src/measure/exporter/config.js';

describe('targets on the command line', () => {
  it('reads NS:ADDRESS with names, paths, pid:N and IPv6 addresses', () => {
    expect(parseTargetArg('ns1:192.168.168.2', 1, 56)).toEqual({ netns: 'ns1', address: '192.168.168.2', intervalS: 1, size: 56 });
    expect(parseTargetArg('pid:42:fd00::2', 0.5, 100)).toMatchObject({ netns: 'pid:42', address: 'fd00::2' });
    expect(parseTargetArg('/proc/42/ns/net:10.0.0.1', 1, 56)).toMatchObject({ netns: '/proc/42/ns/net', address: '10.0.0.1' });
    expect(parseTargetArg('ns1:fe80::1', 1, 56).address).toBe('fe80::1');
  });
  it('refuses what cannot be probed, naming it', () => {
    expect(() => parseTargetArg('ns1', 1, 56)).toThrow('target "ns1": expected NS:ADDRESS');
    expect(() => parseTargetArg('ns1:example.com', 1, 56)).toThrow('"example.com" is not a numeric IPv4 or IPv6 address');
    expect(() => parseTargetArg('pid:x:10.0.0.1', 1, 56)).toThrow(/pid:N takes a process id/);
    expect(() => parseTargetArg('ns1:10.0.0.1', 0.001, 56)).toThrow('interval 0.001 s out of range 0.01-3600');
    expect(() => parseTargetArg('ns1:10.0.0.1', 1, 8)).toThrow('size 8 out of range 16-65000');
  });
  it('keys a target by its labels: an interval change keeps its series', () => {
    expect(targetKey(parseTargetArg('ns1:10.0.0.1', 1, 56))).toBe(targetKey(parseTargetArg('ns1:10.0.0.1', 0.1, 56)));
    expect(targetKey(parseTargetArg('ns1:10.0.0.1', 1, 56))).not.toBe(targetKey(parseTargetArg('ns1:10.0.0.1', 1, 1400)));
  });
});

describe('listen, durations, globs, buckets', () => {
  it('listen addresses', () => {
    expect(parseListen('127.0.0.1:9437')).toEqual({ host: '127.0.0.1', port: 9437 });
    expect(parseListen('[::1]:9437')).toEqual({ host: '::1', port: 9437 });
    expect(parseListen(':9437')).toEqual({ host: '0.0.0.0', port: 9437 });
    expect(() => parseListen('9437')).toThrow(/not HOST:PORT/);
    expect(() => parseListen('127.0.0.1:70000')).toThrow(/not HOST:PORT/);
  });
  it('durations with and without units', () => {
    expect([parseSeconds('250ms', 'x'), parseSeconds('2s', 'x'), parseSeconds('1m', 'x'), parseSeconds('0.5', 'x'), parseSeconds(3, 'x')]).toEqual([0.25, 2, 60, 0.5, 3]);
    expect(() => parseSeconds('fast', 'interval')).toThrow('interval: "fast" is not a duration');
  });
  it('globs match whole names', () => {
    expect(globMatch('cni-*', 'cni-1234-abcd')).toBe(true);
    expect(globMatch('cni-*', 'xcni-1')).toBe(false);
    expect(globMatch('ns?', 'ns1')).toBe(true);
    expect(globMatch('a.b', 'axb')).toBe(false);
  });
  it('buckets from 1 µs doubling, configurable', () => {
    const b = bucketBounds(DEFAULT_BUCKETS);
    expect(b).toHaveLength(22);
    expect(b[0]).toBe(0.000001);
    expect(b[10]).toBe(0.001024);
    expect(b[21]).toBe(2.09715);
    expect(bucketBounds(bucketsOf({ start: '50us', factor: 10, count: 3 }, 'b'))).toEqual([0.00005, 0.0005, 0.005]);
    expect(() => bucketsOf({ start: 1e-6, factor: 1, count: 3 }, 'buckets')).toThrow('buckets: factor 1 must be above 1');
  });
});

describe('config files', () => {
  it('reads defaults, targets, globs and settings', () => {
    const c = parseConfigText([
      'listen: 127.0.0.1:9500', 'interval: 200ms', 'size: 100', 'rescan: 5s', 'lab: true',
      'buckets: { start: 1us, factor: 4, count: 10 }',
      'targets:', '  - { netns: ns1, address: 10.0.0.2 }', '  - { netns: pid:7, address: fd00::1, interval: 1s, size: 1400 }',
      'netns:', '  - { glob: "cni-*", address: 10.244.0.1 }',
    ].join('\n'), 'c.yml');
    expect(c.listen).toEqual({ host: '127.0.0.1', port: 9500 });
    expect(c.targets).toEqual([
      { netns: 'ns1', address: '10.0.0.2', intervalS: 0.2, size: 100 },
      { netns: 'pid:7', address: 'fd00::1', intervalS: 1, size: 1400 },
    ]);
    expect(c.rules).toEqual([{ glob: 'cni-*', address: '10.244.0.1', intervalS: 0.2, size: 100 }]);
    expect([c.rescanS, c.lab, c.buckets]).toEqual([5, true, { start: 1e-6, factor: 4, count: 10 }]);
    expect(parseConfigText('', 'empty.yml')).toEqual({});
  });
  it('names the mistake in one line', () => {
    const bad: [string, string][] = [
      ['targets: [ { netns: ns1, adress: 10.0.0.1 } ]', 'c.yml: targets[0]: unknown key "adress"'],
      ['intervall: 1s', 'c.yml: unknown key "intervall"'],
      ['targets: { netns: ns1 }', 'c.yml: targets: expected a list of mappings'],
      ['targets: [ { netns: ns1 } ]', 'c.yml: targets[0]: netns and address are required'],
      ['netns: [ { glob: "a/b", address: 10.0.0.1 } ]', 'c.yml: netns[0]: glob "a/b" must match names in /run/netns'],
      ['- a\n- b', 'c.yml: expected a mapping of settings at the top'],
      ['size: "big"', 'c.yml: size: expected an integer'],
    ];
    for (const [text, msg] of bad) {
      let err: Error | undefined;
      try {
        parseConfigText(text, 'c.yml');
      } catch (e) {
        err = e as Error;
      }
      expect(err?.message, text).toContain(msg);
      expect(err?.message.includes('\n'), text).toBe(false);
    }
    expect(() => parseConfigText('targets: [ {', 'c.yml')).toThrow(/^c\.yml: /);
  });
});
