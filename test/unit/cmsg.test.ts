// The control-message cursor against areas laid out as the kernel lays them out (LP64:
// 16-byte header, payloads padded to 8), including the malformed ends CMSG_NXTHDR stops at.
import { describe, expect, it } from 'vitest';
import { CmsgCursor, timespecNsSince } from '../../src/sys/cmsg.js';

/** Control messages [level, type, payload] laid out one after another. */
function area(msgs: [number, number, Buffer][], pad = 0): Buffer {
  const parts: Buffer[] = [];
  for (const [level, type, data] of msgs) {
    const len = 16 + data.length;
    const b = Buffer.alloc((len + 7) & ~7);
    b.writeBigUInt64LE(BigInt(len), 0);
    b.writeInt32LE(level, 8);
    b.writeInt32LE(type, 12);
    data.copy(b, 16);
    parts.push(b);
  }
  return Buffer.concat([Buffer.alloc(pad), ...parts]);
}

const walk = (buf: Buffer, base: number, clen: number): [number, number, number, number][] => {
  const m = new CmsgCursor().start(buf, base, clen);
  const out: [number, number, number, number][] = [];
  while (m.next()) out.push([m.level, m.type, m.len, m.data]);
  return out;
};

describe('CmsgCursor', () => {
  it('walks messages with padded payloads, from an offset inside a larger area', () => {
    const u32 = Buffer.alloc(4);
    u32.writeUInt32LE(64);
    const ts = Buffer.alloc(16);
    const buf = area([[0, 8, u32], [1, 35, ts]], 256);
    // the first payload is 4 bytes: cmsg_len 20, the next header 24 bytes on
    expect(walk(buf, 256, buf.length - 256)).toEqual([[0, 8, 20, 272], [1, 35, 32, 296]]);
    expect(new CmsgCursor().start(buf, 256, 24).next()).toBe(true);
  });

  it('stops where CMSG_NXTHDR stops: a length under the header, past the area, or nothing left', () => {
    const ok = area([[1, 35, Buffer.alloc(16)]]);
    expect(walk(ok, 0, 0)).toEqual([]);
    expect(walk(ok, 0, 31)).toEqual([]);
    const short = Buffer.from(ok);
    short.writeBigUInt64LE(8n, 0);
    expect(walk(short, 0, 32)).toEqual([]);
    const huge = Buffer.from(ok);
    huge.writeBigUInt64LE(1n << 40n, 0);
    expect(walk(huge, 0, 32)).toEqual([]);
    // the kernel's length larger than the buffer itself is clamped, not read past
    expect(walk(ok, 0, 4096)).toEqual([[1, 35, 32, 16]]);
  });

  it('is reused without allocating state from the last walk', () => {
    const m = new CmsgCursor();
    const a = area([[41, 52, Buffer.alloc(4)]]);
    m.start(a, 0, a.length);
    expect(m.next()).toBe(true);
    m.start(a, 0, 0);
    expect(m.next()).toBe(false);
  });
});

describe('timespecNsSince', () => {
  it('reads tv_sec and tv_nsec relative to a base second, exactly', () => {
    const b = Buffer.alloc(16);
    b.writeBigInt64LE(1_800_000_123n, 0);
    b.writeBigInt64LE(999_999_999n, 8);
    expect(timespecNsSince(b, 0, 1_800_000_000)).toBe(123_999_999_999);
    // seconds beyond 2^32 (the high word counts)
    b.writeBigInt64LE(5_000_000_000n, 0);
    b.writeBigInt64LE(1n, 8);
    expect(timespecNsSince(b, 0, 4_999_999_999)).toBe(1_000_000_001);
  });
});
