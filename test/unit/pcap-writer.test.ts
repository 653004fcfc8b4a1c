// The writers against bytes built by a separate, naive encoder (arrays of numbers, no
// shared code), and the reader on what the writers wrote.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nsHalves, PcapngWriter, PcapWriter } from '../../src/pcap/writer.js';
import { openCapture } from '../../src/pcap/reader.js';

const dir = mkdtempSync(join(tmpdir(), 'vping-pcap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// ---- naive encoder ----
const u8 = (n: number) => [n & 0xff];
const u16 = (n: number) => [n & 0xff, (n >> 8) & 0xff];
const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const u64 = (n: bigint) => [...u32(Number(n & 0xffffffffn)), ...u32(Number(n >> 32n))];
const bytes = (s: string) => [...Buffer.from(s)];
const padTo4 = (a: number[]) => [...a, ...new Array((4 - (a.length % 4)) % 4).fill(0)];
const opt = (code: number, v: number[]) => [...u16(code), ...u16(v.length), ...padTo4(v)];
function block(type: number, body: number[]): number[] {
  const total = 12 + body.length;
  return [...u32(type), ...u32(total), ...body, ...u32(total)];
}
const frameA = Array.from({ length: 61 }, (_, i) => (i * 7) & 0xff); // odd length: padding
const frameB = Array.from({ length: 64 }, (_, i) => 255 - i);

describe('pcap writer', () => {
  for (const nano of [false, true]) {
    it(`writes the ${nano ? 'ns' : 'µs'} header and records byte for byte`, () => {
      const path = join(dir, `a${nano}.pcap`);
      const w = new PcapWriter(path, { nano, linktype: 1, snaplen: 262144 });
      w.packet(0, 1700000000, 123456789, Uint8Array.from([0, 0, ...frameA]), 2, frameA.length, 70, 1);
      w.packet(0, 1700000001, 999, Uint8Array.from(frameB), 0, frameB.length, 64, 2);
      w.close();
      const want = [
        ...u32(nano ? 0xa1b23c4d : 0xa1b2c3d4), ...u16(2), ...u16(4), ...u32(0), ...u32(0), ...u32(262144), ...u32(1),
        ...u32(1700000000), ...u32(nano ? 123456789 : 123456), ...u32(61), ...u32(70), ...frameA,
        ...u32(1700000001), ...u32(nano ? 999 : 0), ...u32(64), ...u32(64), ...frameB,
      ];
      expect([...readFileSync(path)]).toEqual(want);
    });
  }
});

describe('pcapng writer', () => {
  it('writes SHB, one IDB per interface (if_name, if_tsresol 9), EPBs with epb_flags, ISBs', () => {
    const path = join(dir, 'b.pcapng');
    const w = new PcapngWriter(path, [
      { name: 'ns1:tap1', linktype: 1, snaplen: 262144 },
      { name: 'ns2:tap2', linktype: 1, snaplen: 262144 },
    ]);
    w.statsFrom(() => [
      { recv: 2, drop: 0, delivered: 1, startNs: { sec: 1, nsec: 2 }, endNs: { sec: 3, nsec: 4 } },
      { recv: 5, drop: 1, delivered: 1, endNs: { sec: 3, nsec: 4 } },
    ]);
    w.packet(0, 1700000000, 123456789, Uint8Array.from(frameA), 0, frameA.length, 61, 2);
    w.packet(1, 1700000000, 123456999, Uint8Array.from(frameB), 0, frameB.length, 1514, 1);
    w.close();
    const ts = (s: number, ns: number) => {
      const t = BigInt(s) * 1_000_000_000n + BigInt(ns);
      return [...u32(Number(t >> 32n)), ...u32(Number(t & 0xffffffffn))];
    };
    const want = [
      ...block(0x0a0d0d0a, [...u32(0x1a2b3c4d), ...u16(1), ...u16(0), ...u32(0xffffffff), ...u32(0xffffffff), ...opt(4, bytes('vping')), ...opt(3, bytes('Linux')), ...u32(0)]),
      ...block(1, [...u16(1), ...u16(0), ...u32(262144), ...opt(2, bytes('ns1:tap1')), ...opt(9, [9]), ...u32(0)]),
      ...block(1, [...u16(1), ...u16(0), ...u32(262144), ...opt(2, bytes('ns2:tap2')), ...opt(9, [9]), ...u32(0)]),
      ...block(6, [...u32(0), ...ts(1700000000, 123456789), ...u32(61), ...u32(61), ...padTo4(frameA), ...opt(2, u32(2)), ...u32(0)]),
      ...block(6, [...u32(1), ...ts(1700000000, 123456999), ...u32(64), ...u32(1514), ...frameB, ...opt(2, u32(1)), ...u32(0)]),
      ...block(5, [...u32(0), ...ts(3, 4), ...opt(2, ts(1, 2)), ...opt(3, ts(3, 4)), ...opt(4, u64(2n)), ...opt(5, u64(0n)), ...opt(8, u64(1n)), ...u32(0)]),
      ...block(5, [...u32(1), ...ts(3, 4), ...opt(3, ts(3, 4)), ...opt(4, u64(5n)), ...opt(5, u64(1n)), ...opt(8, u64(1n)), ...u32(0)]),
    ];
    expect([...readFileSync(path)]).toEqual(want);
    void u8;
    // and the reader gives the same back
    const f = openCapture(readFileSync(path));
    const recs = [...f.records()];
    expect(f.interfaces.map((i) => i.name)).toEqual(['ns1:tap1', 'ns2:tap2']);
    expect(recs.map((r) => [r.ifId, r.tsNs, r.len, r.dir, [...r.data]])).toEqual([
      [0, 1700000000123456789n, 61, 'out', frameA],
      [1, 1700000000123456999n, 1514, 'in', frameB],
    ]);
    expect(f.interfaces[1].stats).toEqual({ recv: 5n, drop: 1n, delivered: 1n });
  });

  it('splits ns timestamps exactly without BigInt', () => {
    const out = new Uint32Array(2);
    for (const [s, ns] of [[0, 0], [1, 999999999], [4294967295, 999999999], [1700000000, 123456789], [65535, 1], [65536, 0]]) {
      nsHalves(s, ns, out);
      const t = BigInt(s) * 1_000_000_000n + BigInt(ns);
      expect([out[0], out[1]]).toEqual([Number(t >> 32n), Number(t & 0xffffffffn)]);
    }
  });

  it('refuses a path it cannot write, leaving nothing behind', () => {
    expect(() => new PcapWriter(join(dir, 'no/such/dir/x.pcap'), { linktype: 1, snaplen: 100 })).toThrow(/ENOENT|no such file/i);
  });
});
