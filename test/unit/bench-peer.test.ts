import { describe, expect, it } from 'vitest';
import { msTextToUs, parsePingStatistics, pingArgs } from '../../src/measure/bench/peer.js';

// Recorded from iputils ping 20221126 on a lab veth here (`ping -n -q ...`).
const INTERVAL = `PING 10.201.0.2 (10.201.0.2) 56(84) bytes of data.

--- 10.201.0.2 ping statistics ---
5 packets transmitted, 5 received, 0% packet loss, time 63ms
rtt min/avg/max/mdev = 0.015/0.065/0.237/0.085 ms
`;
const FLOOD = `PING 10.201.0.2 (10.201.0.2) 56(84) bytes of data.

--- 10.201.0.2 ping statistics ---
2000 packets transmitted, 2000 received, 0% packet loss, time 14ms
rtt min/avg/max/mdev = 0.003/0.003/0.062/0.001 ms, ipg/ewma 0.006/0.004 ms
`;
const TINY = `PING 10.201.0.2 (10.201.0.2) 8(36) bytes of data.

--- 10.201.0.2 ping statistics ---
3 packets transmitted, 3 received, 0% packet loss, time 32ms

`;
const NOBODY = `PING 10.201.0.9 (10.201.0.9) 56(84) bytes of data.

--- 10.201.0.9 ping statistics ---
2 packets transmitted, 0 received, 100% packet loss, time 1004ms

`;

describe("reading iputils ping's statistics", () => {
  it('interval and flood runs, RTT figures back to whole µs', () => {
    expect(parsePingStatistics(INTERVAL)).toEqual({
      tool: 'ping', transmitted: 5, received: 5, duplicates: 0, timeMs: 63, rtt: { minUs: 15, avgUs: 65, maxUs: 237, mdevUs: 85 },
    });
    expect(parsePingStatistics(FLOOD, ['ping', '-f'])).toEqual({
      tool: 'ping', argv: ['ping', '-f'], transmitted: 2000, received: 2000, duplicates: 0, timeMs: 14, rtt: { minUs: 3, avgUs: 3, maxUs: 62, mdevUs: 1 },
    });
  });
  it('no rtt line for tiny payloads or no reply', () => {
    expect(parsePingStatistics(TINY).rtt).toBeUndefined();
    expect(parsePingStatistics(NOBODY)).toEqual({ tool: 'ping', transmitted: 2, received: 0, duplicates: 0, timeMs: 1004 });
  });
  it('duplicates, corrupted and errors, and fractional loss', () => {
    const t = '10 packets transmitted, 9 received, +2 duplicates, +1 corrupted, +1 errors, 10% packet loss, time 9ms\nrtt min/avg/max/mdev = 1.000/12.345/100.999/0.000 ms, pipe 2\n';
    expect(parsePingStatistics(t)).toMatchObject({ transmitted: 10, received: 9, duplicates: 2, rtt: { minUs: 1000, avgUs: 12345, maxUs: 100999, mdevUs: 0 } });
    expect(parsePingStatistics('3 packets transmitted, 2 received, 33.3333% packet loss, time 2ms\n').received).toBe(2);
  });
  it('refuses text without statistics', () => {
    expect(() => parsePingStatistics('ping: connect: Network is unreachable\n')).toThrow(/no statistics line/);
    expect(() => msTextToUs('1.5')).toThrow(/cannot read/);
  });
  it('builds the arguments of a row', () => {
    expect(pingArgs({ ns: 'a', destination: '10.0.0.2', count: 100, size: 1472, flood: true, intervalMs: 2 })).toEqual(['-n', '-q', '-c', '100', '-s', '1472', '-W', '2', '-f', '10.0.0.2']);
    expect(pingArgs({ ns: 'a', destination: '10.0.0.2', count: 100, size: 56, flood: true, preload: 32, intervalMs: 2 })).toEqual(['-n', '-q', '-c', '100', '-s', '56', '-W', '2', '-f', '-l', '32', '10.0.0.2']);
    expect(pingArgs({ ns: 'a', destination: '10.0.0.2', count: 5, size: 56, flood: false, preload: 32, intervalMs: 2, timeoutS: 1 })).toEqual(['-n', '-q', '-c', '5', '-s', '56', '-W', '1', '-i', '0.002', '10.0.0.2']);
  });
});
