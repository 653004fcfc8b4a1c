// tcpdump's forms for broken and unusual IP headers, on frames made by hand: a frame cut in
// the IPv4 or IPv6 header ([|ip], [|ip6]), a total length beyond the frame ("truncated-ip -
// N bytes missing!", the payload then printed with the claimed length), a total length
// shorter than the header (bad-len), a header length under 20 (bad-hlen), the wrong version,
// a frame cut in the ICMP header, and the IPv6 routing header (RT6: types 0, 2 and 4 with
// their addresses, an unknown type, an odd length, the final destination in the checksum's
// pseudo-header), and MLD: v1 query, report and done, v2 queries (with sources; the floating
// point codes of the response delay and the querier's interval). Judged by the installed
// tcpdump on the same file, in each printing mode.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checksum } from '../../src/inet/checksum.js';

const VPING = fileURLToPath(new URL('../../dist/bin/vping.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'vping-forms-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const hasTcpdump = spawnSync('tcpdump', ['--version']).status === 0;
if (!hasTcpdump && process.env.CI === 'true') throw new Error('tcpdump is missing: scripts/install-test-deps.sh installs it');

/** A pcap of Ethernet frames: [bytes, original length]. */
function pcap(name: string, frames: [Buffer, number][]): string {
  const parts: Buffer[] = [Buffer.alloc(24)];
  parts[0].writeUInt32LE(0xa1b2c3d4, 0);
  parts[0].writeUInt16LE(2, 4);
  parts[0].writeUInt16LE(4, 6);
  parts[0].writeUInt32LE(262144, 16);
  parts[0].writeUInt32LE(1, 20);
  frames.forEach(([f, orig], i) => {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(1700000000 + i, 0);
    h.writeUInt32LE(f.length, 8);
    h.writeUInt32LE(orig, 12);
    parts.push(h, f);
  });
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat(parts));
  return path;
}

const eth = (type: number) => Buffer.concat([Buffer.from('020000000002020000000001', 'hex'), Buffer.from([type >> 8, type & 0xff])]);
const echo = (type: number) => Buffer.concat([Buffer.from([type, 0, 0, 0, 0, 1, 0, 1]), Buffer.from('xxxxxxxx')]);

function ip4(payload: Buffer, o: { tot?: number; ihl?: number } = {}): Buffer {
  const h = Buffer.from([0x40 | (o.ihl ?? 5), 0, 0, 0, 0, 1, 0, 0, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
  h.writeUInt16BE(o.tot ?? 20 + payload.length, 2);
  h.writeUInt16BE(checksum(h), 10);
  return Buffer.concat([h, payload]);
}

const a6 = (n: number) => Buffer.concat([Buffer.alloc(15), Buffer.from([n])]);
function ip6(payload: Buffer, o: { plen?: number; nxt?: number; ver?: number } = {}): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32BE(((o.ver ?? 6) << 28) >>> 0, 0);
  h.writeUInt16BE(o.plen ?? payload.length, 4);
  h[6] = o.nxt ?? 58;
  h[7] = 64;
  return Buffer.concat([h, a6(1), a6(2), payload]);
}

const full4 = Buffer.concat([eth(0x0800), ip4(echo(8))]);
const full6 = Buffer.concat([eth(0x86dd), ip6(echo(128))]);
const frame = (b: Buffer): [Buffer, number] => [b, b.length];
const rt = (bytes: number[], ...addrs: Buffer[]) => Buffer.concat([Buffer.from(bytes), ...addrs]);
const withRt = (h: Buffer, next: Buffer) => frame(Buffer.concat([eth(0x86dd), ip6(Buffer.concat([h, next]), { nxt: 43 })]));

const files: Record<string, [Buffer, number][]> = {
  'ipv4.pcap': [
    [full4.subarray(0, 14 + 10), full4.length],
    frame(Buffer.concat([eth(0x0800), ip4(echo(8), { tot: 200 })])),
    frame(Buffer.concat([eth(0x0800), ip4(echo(8), { tot: 10 })])),
    frame(Buffer.concat([eth(0x0800), ip4(echo(8), { ihl: 3 })])),
    [full4.subarray(0, 14 + 24), full4.length],
  ],
  'ipv6.pcap': [
    [full6.subarray(0, 14 + 20), full6.length],
    frame(Buffer.concat([eth(0x86dd), ip6(echo(128), { plen: 100 })])),
    frame(Buffer.concat([eth(0x86dd), ip6(echo(128), { ver: 4 })])),
    [full6.subarray(0, 14 + 44), full6.length],
    withRt(rt([58, 2, 0, 1, 0, 0, 0, 0], a6(3)), echo(128)),
    withRt(rt([58, 4, 0, 2, 0, 0, 0, 7], a6(3), a6(4)), echo(128)),
    withRt(rt([58, 2, 2, 1, 0, 0, 0, 0], a6(9)), echo(128)),
    withRt(rt([58, 2, 4, 0, 0, 0, 0, 0], a6(5)), echo(128)),
    withRt(rt([58, 4, 4, 1, 1, 0x80, 0x12, 0x34], a6(5), a6(6)), Buffer.from([3, 0xe8, 0, 0, 0, 0, 0, 0])),
    withRt(rt([58, 0, 3, 0, 0, 0, 0, 0]), echo(128)),
    withRt(rt([58, 1, 0, 1, 0, 0, 0, 0], Buffer.alloc(8)), echo(128)),
  ],
};

// MLD from fe80::1 to ff02::1, hop limit 1, behind a hop-by-hop header with router alert
function mld(body: Buffer): [Buffer, number] {
  const h = Buffer.alloc(8);
  h.writeUInt32BE((6 << 28) >>> 0, 0);
  const hbh = Buffer.from([58, 0, 5, 2, 0, 0, 1, 0]);
  h.writeUInt16BE(hbh.length + body.length, 4);
  h[6] = 0;
  h[7] = 1;
  const src = Buffer.from('fe800000000000000000000000000001', 'hex');
  const dst = Buffer.from('ff020000000000000000000000000001', 'hex');
  return frame(Buffer.concat([Buffer.from('333300000001020000000001', 'hex'), Buffer.from([0x86, 0xdd]), h, src, dst, hbh, body]));
}
const mldHdr = (type: number, delay: number) => {
  const h = Buffer.from([type, 0, 0, 0, 0, 0, 0, 0]);
  h.writeUInt16BE(delay, 4);
  return h;
};
const group = (hex: string) => Buffer.from(hex.padEnd(32, '0'), 'hex');
files['mld.pcap'] = [
  mld(Buffer.concat([mldHdr(130, 10000), Buffer.alloc(16)])),
  mld(Buffer.concat([mldHdr(131, 0), group('ff02000000000000000000000000000c')])),
  mld(Buffer.concat([mldHdr(132, 0), group('ff02000000000000000000000000000c')])),
  mld(Buffer.concat([mldHdr(130, 10000), Buffer.alloc(16), Buffer.from([0x02, 125, 0, 0])])),
  mld(Buffer.concat([mldHdr(130, 1000), group('ff020000000000000000000000000005'), Buffer.from([0x0a, 125, 0, 2]), group('20010db8000000000000000000000001'), group('20010db8000000000000000000000002')])),
  mld(Buffer.concat([mldHdr(130, 40000), Buffer.alloc(16), Buffer.from([0x02, 200, 0, 0])])),
  mld(Buffer.concat([mldHdr(130, 1000), Buffer.alloc(16), Buffer.from([0x02, 125, 0, 3])])),
  mld(Buffer.concat([mldHdr(130, 1000), Buffer.alloc(10)])),
];

describe.skipIf(!hasTcpdump)('broken and unusual IP headers, as tcpdump prints them', () => {
  for (const [name, frames] of Object.entries(files)) {
    for (const flags of [[], ['-v'], ['-vv'], ['-e'], ['-X']]) {
      it(`${name} ${flags.join(' ') || '(default)'}`, () => {
        const path = pcap(name, frames);
        const want = spawnSync('tcpdump', ['-n', ...flags, '-r', path], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
        const got = spawnSync(process.execPath, [VPING, 'capture', ...flags, '-r', path], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
        expect(got.status).toBe(0);
        expect(got.stdout.split('\n')).toEqual(want.stdout.split('\n'));
      });
    }
  }
});
