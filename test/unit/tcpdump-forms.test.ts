// tcpdump's forms for broken and unusual IP headers, on frames made by hand: a frame cut in
// the IPv4 or IPv6 header ([|ip], [|ip6]), a total length beyond the frame ("truncated-ip -
// N bytes missing!", the payload then printed with the claimed length), a total length
// shorter than the header (bad-len), a header length under 20 (bad-hlen), the wrong version,
// a frame cut in the ICMP header, and the IPv6 routing header (RT6: types 0, 2 and 4 with
// their addresses, an unknown type, an odd length, the final destination in the checksum's
// pseudo-header), and MLD: v1 query, report and done, v2 queries (with sources; the floating
// point codes of the response delay and the querier's interval). Judged by the installed
// tcpdump on the same file, in each printing mode. And DNS on port 53 at every verbosity:
// queries (flags, several questions, classes, the root, EDNS), responses (A, AAAA, CNAME, NS,
// MX, TXT, SRV, SOA, types by number; rcodes, AA/TC/RA/AD, an OPT record), compression
// pointers, a name cut short, a pointer loop, a message shorter than its header, odd bytes in
// a label. And HTTP on ports 80 and 8080 (a request, a response, binary data, text that is
// neither, a line with no end, a segment cut by the capture).
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

// DNS over UDP/IPv4 (checksums right, so -vv says "udp sum ok")
function udp4(sport: number, dport: number, payload: Buffer, reply = false): [Buffer, number] {
  const [src, dst] = reply ? [[10, 0, 0, 2], [10, 0, 0, 1]] : [[10, 0, 0, 1], [10, 0, 0, 2]];
  const u = Buffer.alloc(8);
  u.writeUInt16BE(sport, 0);
  u.writeUInt16BE(dport, 2);
  u.writeUInt16BE(8 + payload.length, 4);
  const pseudo = Buffer.from([...src, ...dst, 0, 17, 0, 0]);
  pseudo.writeUInt16BE(8 + payload.length, 10);
  u.writeUInt16BE(checksum(Buffer.concat([pseudo, u, payload])), 6);
  const h = Buffer.from([0x45, 0, 0, 0, 0, 1, 0, 0, 64, 17, 0, 0, ...src, ...dst]);
  h.writeUInt16BE(20 + 8 + payload.length, 2);
  h.writeUInt16BE(checksum(h), 10);
  return frame(Buffer.concat([eth(0x0800), h, u, payload]));
}
const dnsName = (n: string): Buffer => (n === '.' ? Buffer.from([0]) : Buffer.concat([...n.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])), Buffer.from([0])]));
const u16s = (...v: number[]): Buffer => Buffer.concat(v.map((x) => Buffer.from([x >> 8, x & 0xff])));
const dnsHdr = (id: number, flags: number, qd: number, an: number, ns: number, ar: number) => u16s(id, flags, qd, an, ns, ar);
const qn = (n: string, t = 1, c = 1) => Buffer.concat([dnsName(n), u16s(t, c)]);
const ptr12 = Buffer.from([0xc0, 12]);
function rr(owner: Buffer, t: number, data: Buffer, o: { c?: number; ttl?: number } = {}): Buffer {
  const f = Buffer.alloc(10);
  f.writeUInt16BE(t, 0);
  f.writeUInt16BE(o.c ?? 1, 2);
  f.writeUInt32BE(o.ttl ?? 300, 4);
  f.writeUInt16BE(data.length, 8);
  return Buffer.concat([owner, f, data]);
}
const opt = (size: number, flags: number) => rr(Buffer.from([0]), 41, Buffer.alloc(0), { c: size, ttl: flags });
const query = (p: Buffer) => udp4(40000, 53, p);
const answer = (p: Buffer) => udp4(53, 40000, p, true);
files['dns.pcap'] = [
  query(Buffer.concat([dnsHdr(4660, 0x0100, 1, 0, 0, 0), qn('example.com')])),
  query(Buffer.concat([dnsHdr(4660, 0x0120, 1, 0, 0, 1), qn('example.com', 28), opt(1232, 0)])),
  answer(Buffer.concat([dnsHdr(4660, 0x8180, 1, 1, 0, 0), qn('example.com'), rr(ptr12, 1, Buffer.from([93, 184, 216, 34]))])),
  answer(Buffer.concat([dnsHdr(7, 0x8580, 1, 2, 0, 1), qn('www.example.com', 28), rr(ptr12, 5, dnsName('example.com')),
    rr(dnsName('example.com'), 28, Buffer.from('20010db8000000000000000000000001', 'hex')), opt(4096, 0x8000)])),
  answer(Buffer.concat([dnsHdr(8, 0x8183, 1, 0, 1, 0), qn('nope.example'), rr(dnsName('example'), 6, Buffer.concat([dnsName('ns.example'), dnsName('root.example'), u16s(0, 1, 0, 2, 0, 3, 0, 4, 0, 5)]))])),
  answer(Buffer.concat([dnsHdr(9, 0x8100, 1, 4, 0, 0), qn('example.org', 255), rr(ptr12, 15, Buffer.concat([u16s(10), dnsName('mx.example.org')])),
    rr(ptr12, 16, Buffer.from('\x05hello\x03a b', 'latin1')), rr(ptr12, 33, Buffer.concat([u16s(1, 2, 5060), dnsName('sip.example.org')])), rr(ptr12, 2, dnsName('ns1.example.org'))])),
  query(Buffer.concat([dnsHdr(10, 0x0100, 2, 0, 0, 0), qn('a.example'), qn('b.example', 12, 3)])),
  query(Buffer.concat([dnsHdr(11, 0x0100, 1, 0, 0, 0), qn('.', 2)])),
  query(Buffer.concat([dnsHdr(12, 0x0100, 1, 0, 0, 0), dnsName('example.com').subarray(0, 5)])),
  query(Buffer.concat([dnsHdr(13, 0x0100, 1, 0, 0, 0), ptr12, u16s(1, 1)])),
  query(Buffer.from([0, 1, 2])),
  answer(Buffer.concat([dnsHdr(14, 0x8182, 1, 0, 0, 0), qn('x.example')])),
  query(Buffer.concat([dnsHdr(15, 0x2900, 1, 0, 0, 0), qn('example.com', 6)])),
  answer(Buffer.concat([dnsHdr(16, 0x8780, 1, 1, 0, 0), qn('e.example'), rr(ptr12, 99, Buffer.from('\x03v=1', 'latin1'))])),
  answer(Buffer.concat([dnsHdr(17, 0x81a0, 1, 1, 0, 0), qn('e.example'), rr(ptr12, 1, Buffer.from([1, 2, 3, 4]), { ttl: 93784 })])),
  query(Buffer.concat([dnsHdr(18, 0x0110, 1, 0, 0, 0), qn('we\\ird.ex\x01\xe9.ample')])),
];

// TCP segments (PSH|ACK, checksums right) carrying HTTP
function tcp4(dport: number, seq: number, payload: string | Buffer, reply = false): Buffer {
  const [src, dst] = reply ? [[10, 0, 0, 2], [10, 0, 0, 1]] : [[10, 0, 0, 1], [10, 0, 0, 2]];
  const data = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
  const t = Buffer.alloc(20);
  t.writeUInt16BE(reply ? dport : 40000, 0);
  t.writeUInt16BE(reply ? 40000 : dport, 2);
  t.writeUInt32BE(seq, 4);
  t.writeUInt32BE(seq + 7000, 8);
  t[12] = 5 << 4;
  t[13] = 0x18;
  t.writeUInt16BE(502, 14);
  const pseudo = Buffer.from([...src, ...dst, 0, 6, 0, 0]);
  pseudo.writeUInt16BE(20 + data.length, 10);
  t.writeUInt16BE(checksum(Buffer.concat([pseudo, t, data])), 16);
  const h = Buffer.from([0x45, 0, 0, 0, 0, 1, 0x40, 0, 64, 6, 0, 0, ...src, ...dst]);
  h.writeUInt16BE(40 + data.length, 2);
  h.writeUInt16BE(checksum(h), 10);
  return Buffer.concat([eth(0x0800), h, t, data]);
}
const cutHttp = tcp4(80, 11000, 'GET /long HTTP/1.1\r\nHost: y\r\n\r\n');
files['http.pcap'] = [
  frame(tcp4(80, 1000, 'GET /index.html HTTP/1.1\r\nHost: example\r\nUser-Agent: x\r\n\r\n')),
  frame(tcp4(80, 2000, 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello', true)),
  frame(tcp4(80, 3000, Buffer.from([0, 1, 0x62, 0x69, 0x6e]))),
  frame(tcp4(8080, 5000, 'POST /x HTTP/1.0\r\nA: b')),
  frame(tcp4(80, 7000, 'hello world\r\n')),
  frame(tcp4(80, 9000, 'GET / HTTP/1.1\rX')),
  [cutHttp.subarray(0, cutHttp.length - 8), cutHttp.length],
];

describe.skipIf(!hasTcpdump)('broken and unusual IP headers, as tcpdump prints them', () => {
  for (const [name, frames] of Object.entries(files)) {
    for (const flags of [[], ['-v'], ['-vv'], ['-vvv'], ['-e'], ['-X']]) {
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
