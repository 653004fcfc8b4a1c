// The reader on hand-built and hostile files: every byte order and resolution it claims,
// and nothing but DecodeError (never a crash, never a hang) for lies and truncation.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/pcap/errors.js';
import { openCapture } from '../../src/pcap/reader.js';

const fixture = readFileSync(fileURLToPath(new URL('../fixtures/capture/traffic.pcap', import.meta.url)));

const be32 = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const be16 = (n: number) => [(n >> 8) & 0xff, n & 0xff];
const le32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];

function readAll(buf: Uint8Array): number {
  const f = openCapture(buf);
  let n = 0;
  for (const r of f.records()) n += r.data.length >= 0 ? 1 : 0;
  return n;
}

describe('pcap reader', () => {
  it('reads the tcpdump fixture: every record', () => {
    expect(readAll(fixture)).toBeGreaterThan(50);
  });

  it('reads a big-endian µs pcap', () => {
    const buf = Uint8Array.from([...be32(0xa1b2c3d4), ...be16(2), ...be16(4), ...be32(0), ...be32(0), ...be32(65535), ...be32(1), ...be32(10), ...be32(5), ...be32(2), ...be32(60), 0xaa, 0xbb]);
    const recs = [...openCapture(buf).records()];
    expect(recs.map((r) => [r.tsNs, r.len, [...r.data]])).toEqual([[10_000_005_000n, 60, [0xaa, 0xbb]]]);
  });

  it('a record cut at every offset: the whole ones, then DecodeError', () => {
    // where each record of the whole file ends (pcap: 24-byte header, 16-byte record headers)
    const ends: number[] = [];
    for (let o = 24; o < fixture.length;) {
      o += 16 + new DataView(fixture.buffer, fixture.byteOffset).getUint32(o + 8, true);
      ends.push(o);
    }
    expect(ends.at(-1)).toBe(fixture.length);
    for (let cut = 24; cut < Math.min(fixture.length, 400); cut++) {
      const buf = fixture.subarray(0, cut);
      const f = openCapture(buf);
      let got = 0;
      let threw: unknown = null;
      try {
        for (const _ of f.records()) got++;
      } catch (e) {
        threw = e;
      }
      const whole = ends.filter((e) => e <= cut).length;
      expect(got, `cut at ${cut}`).toBe(whole);
      // a cut between records is a shorter file; a cut inside one is an error
      if (cut === 24 || ends.includes(cut)) expect(threw, `cut at ${cut}`).toBeNull();
      else expect(threw, `cut at ${cut}`).toBeInstanceOf(DecodeError);
    }
  });

  it('caplen larger than the maximum: DecodeError', () => {
    const buf = Uint8Array.from([...le32(0xa1b2c3d4), 2, 0, 4, 0, ...le32(0), ...le32(0), ...le32(64), ...le32(1), ...le32(0), ...le32(0), ...le32(0x7fffffff), ...le32(10)]);
    expect(() => readAll(buf)).toThrow(DecodeError);
  });

  it('pcapng block lengths that lie: DecodeError', () => {
    const shb = [...le32(0x0a0d0d0a), ...le32(28), ...le32(0x1a2b3c4d), 1, 0, 0, 0, ...le32(0xffffffff), ...le32(0xffffffff), ...le32(28)];
    for (const bad of [0, 8, 13, 1 << 30, 28 + 4]) {
      const b = [...shb];
      b.splice(4, 4, ...le32(bad));
      expect(() => readAll(Uint8Array.from(b)), `length ${bad}`).toThrow(DecodeError);
    }
    // an EPB for an interface never described
    const epb = [...le32(6), ...le32(32), ...le32(3), ...le32(0), ...le32(0), ...le32(0), ...le32(0), ...le32(32)];
    expect(() => readAll(Uint8Array.from([...shb, ...epb]))).toThrow(/undeclared interface/);
    // an EPB whose caplen runs past the block
    const idb = [...le32(1), ...le32(20), 1, 0, 0, 0, ...le32(0), ...le32(20)];
    const epb2 = [...le32(6), ...le32(36), ...le32(0), ...le32(0), ...le32(0), ...le32(100), ...le32(100), 1, 2, 3, 4, ...le32(36)];
    expect(() => readAll(Uint8Array.from([...shb, ...idb, ...epb2]))).toThrow(/runs past/);
  });

  it('fuzz: random bytes, mutated and truncated files never crash or hang, only DecodeError', () => {
    const base = fixture.subarray(0, 2000);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.tuple(fc.array(fc.tuple(fc.nat(1999), fc.integer({ min: 0, max: 255 })), { maxLength: 20 }), fc.nat(2000)).map(([muts, cut]) => {
            const b = Uint8Array.from(base.subarray(0, cut));
            for (const [i, v] of muts) if (i < b.length) b[i] = v;
            return b;
          }),
        ),
        (buf) => {
          try {
            readAll(buf);
          } catch (e) {
            if (!(e instanceof DecodeError)) throw e;
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('fuzz: pcapng built from random blocks with random lengths', () => {
    const shb = [...le32(0x0a0d0d0a), ...le32(28), ...le32(0x1a2b3c4d), 1, 0, 0, 0, ...le32(0xffffffff), ...le32(0xffffffff), ...le32(28)];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(1, 2, 3, 5, 6, 0x0a0d0d0a, 99), fc.nat(80), fc.uint8Array({ maxLength: 80 })), { maxLength: 8 }),
        (blocks) => {
          const b: number[] = [...shb];
          for (const [type, len, body] of blocks) b.push(...le32(type), ...le32(len), ...body, ...le32(len));
          try {
            readAll(Uint8Array.from(b));
          } catch (e) {
            if (!(e instanceof DecodeError)) throw e;
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
