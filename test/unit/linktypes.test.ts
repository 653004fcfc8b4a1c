// Capture files other tools write: Linux cooked captures (LINUX_SLL, LINUX_SLL2: what
// `tcpdump -i any` writes), raw IP (RAW, the old RAW 12, IPV4, IPV6) and BSD loopback (NULL in
// either byte order, LOOP). Each file is made here with vping's writer, frames built by hand
// (ICMP and ICMPv6 echoes, an unknown protocol, a header cut short; not LLC, which vping does
// not decode), and judged by
// `tcpdump -n -r` on the same file with the same flags: the text must be the same.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openWriter } from '../../src/pcap/writer.js';
import { checksum } from '../../src/inet/checksum.js';
import { LINKTYPE } from '../../src/print/printer.js';

const VPING = fileURLToPath(new URL('../../dist/bin/vping.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'vping-linktypes-'));
afterAll(() => {
  if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
});
const hasTcpdump = spawnSync('tcpdump', ['--version']).status === 0;
if (!hasTcpdump && process.env.CI === 'true') throw new Error('tcpdump is missing: scripts/install-test-deps.sh installs it');

function ipv4Echo(seq: number): Uint8Array {
  const icmp = new Uint8Array(8 + 24);
  icmp[0] = 8;
  icmp[4] = 0x12;
  icmp[5] = 0x34;
  icmp[7] = seq;
  for (let i = 8; i < icmp.length; i++) icmp[i] = i;
  const c = checksum(icmp);
  icmp[2] = c >> 8;
  icmp[3] = c & 0xff;
  const ip = new Uint8Array(20 + icmp.length);
  ip.set([0x45, 0, 0, ip.length, 0, seq, 0x40, 0, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
  const h = checksum(ip.subarray(0, 20));
  ip[10] = h >> 8;
  ip[11] = h & 0xff;
  ip.set(icmp, 20);
  return ip;
}

function ipv6Echo(seq: number): Uint8Array {
  const body = new Uint8Array(8 + 16);
  body[0] = 128;
  body[7] = seq;
  const ip = new Uint8Array(40 + body.length);
  ip.set([0x60, 0, 0, 0, 0, body.length, 58, 64]);
  ip.set([0xfd, 0, ...new Array<number>(13).fill(0), 1], 8);
  ip.set([0xfd, 0, ...new Array<number>(13).fill(0), 2], 24);
  // ICMPv6 checksum over the pseudo-header
  const ph = new Uint8Array(40 + body.length);
  ph.set(ip.subarray(8, 40), 0);
  ph[35] = body.length;
  ph[39] = 58;
  ph.set(body, 40);
  const c = checksum(ph);
  body[2] = c >> 8;
  body[3] = c & 0xff;
  ip.set(body, 40);
  return ip;
}

const be16 = (v: number) => [v >> 8, v & 0xff];
const be32 = (v: number) => [v >>> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
const mac = [0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0];

function sll(pkttype: number, proto: number, payload: Uint8Array): Uint8Array {
  return Uint8Array.from([...be16(pkttype), ...be16(1), ...be16(6), ...mac, ...be16(proto), ...payload]);
}
function sll2(ifindex: number, pkttype: number, proto: number, payload: Uint8Array): Uint8Array {
  return Uint8Array.from([...be16(proto), 0, 0, ...be32(ifindex), ...be16(1), pkttype, 6, ...mac, ...payload]);
}
function nullHdr(family: number, little: boolean, payload: Uint8Array): Uint8Array {
  const f = little ? [family & 0xff, (family >> 8) & 0xff, 0, 0] : be32(family);
  return Uint8Array.from([...f, ...payload]);
}

/** Write `frames` as a pcap file of `linktype`. */
function file(name: string, linktype: number, frames: Uint8Array[]): string {
  const path = join(dir, `${name}.pcap`);
  const w = openWriter(path, 'pcap', [{ name, linktype, snaplen: 262144 }]);
  frames.forEach((f, i) => w.packet(0, 1_700_000_000 + i, 1000 * i, f, 0, f.length, f.length, 0));
  w.close();
  return path;
}

const odd = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
const FILES: [string, number, Uint8Array[]][] = [
  ['sll', LINKTYPE.LINUX_SLL, [sll(0, 0x0800, ipv4Echo(1)), sll(4, 0x86dd, ipv6Echo(2)), sll(1, 0x1234, odd), sll(3, 0x1234, odd), sll(0, 0x0800, ipv4Echo(3).subarray(0, 10)), Uint8Array.from([0, 0, 1])]],
  ['sll2', LINKTYPE.LINUX_SLL2, [sll2(1, 0, 0x0800, ipv4Echo(1)), sll2(999_999, 4, 0x86dd, ipv6Echo(2)), sll2(1, 2, 0x1234, odd)]],
  ['raw', LINKTYPE.RAW, [ipv4Echo(1), ipv6Echo(2)]],
  ['raw12', LINKTYPE.RAW_OLD, [ipv4Echo(1)]],
  ['ipv4', LINKTYPE.IPV4, [ipv4Echo(1)]],
  ['ipv6', LINKTYPE.IPV6, [ipv6Echo(2)]],
  ['null', LINKTYPE.NULL, [nullHdr(2, true, ipv4Echo(1)), nullHdr(30, false, ipv6Echo(2)), nullHdr(99, true, odd), Uint8Array.from([2, 0])]],
  ['loop', LINKTYPE.LOOP, [nullHdr(2, false, ipv4Echo(1)), nullHdr(24, false, ipv6Echo(2))]],
];

describe.skipIf(!hasTcpdump)('capture -r reads other link types as tcpdump does', () => {
  for (const [name, linktype, frames] of FILES) {
    it(`${name} (linktype ${linktype})`, () => {
      const path = file(name, linktype, frames);
      for (const flags of [[], ['-e'], ['-X'], ['-v'], ['-e', '-XX']]) {
        const want = execFileSync('tcpdump', ['-n', ...flags, '-r', path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
        const got = execFileSync(process.execPath, [VPING, 'capture', ...flags, '-r', path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
        expect(got, `${name} ${flags.join(' ')}`).toBe(want);
      }
    });
  }
});
