// Checksum against a simple byte-at-a-time RFC 1071 implementation; the reply parser against
// packets built by a separate, naive encoder; and fuzzing: the parser throws only IcmpParseError.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checksum, csumUpdate16, csumVerifies } from '../../src/inet/checksum.js';
import { inet, inet6, Kind, ParsedPacket } from '../../src/icmp/family.js';
import { IcmpParseError } from '../../src/icmp/errors.js';
import { ipv6Bytes } from '../../src/icmp/addr.js';
import { formatIPv6 as formatIpv6 } from '../../src/inet/addr.js';

/** RFC 1071 §4.1, the obvious way: 16-bit big-endian words, odd byte padded. */
function naiveChecksum(b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < b.length; i += 2) sum += (b[i] << 8) | (i + 1 < b.length ? b[i + 1] : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

describe('internet checksum', () => {
  it('RFC 1071 §3 example bytes', () => {
    const b = Uint8Array.from([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);
    // sum 0x2ddf0 → fold 0xddf2 → checksum 0x220d
    expect(checksum(b)).toBe(0x220d);
  });
  it('a real echo request (ping 127.0.0.1 header bytes, checksum field from the wire)', () => {
    const b = Buffer.from('0800f7fd0001000100', 'hex').subarray(0, 8);
    b.writeUInt16BE(0, 2);
    expect(checksum(b)).toBe(0xf7fd);
  });
  it('matches the naive implementation for any bytes, offsets and odd lengths', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat(7), (data, pre) => {
      const buf = new Uint8Array(pre + data.length + 5);
      buf.set(data, pre);
      expect(checksum(buf, pre, data.length)).toBe(naiveChecksum(data));
    }), { numRuns: 500 });
  });
  it('a packet with its checksum filled in verifies', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 8, maxLength: 600 }), (data) => {
      const b = Uint8Array.from(data);
      b[2] = 0; b[3] = 0;
      const c = checksum(b);
      b[2] = c >> 8; b[3] = c & 0xff;
      expect(csumVerifies(b, 0, b.length)).toBe(true);
    }), { numRuns: 300 });
  });
  it('RFC 1624 incremental update equals a full recomputation', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 8, maxLength: 200 }), fc.nat(65535), fc.nat(90), (data, w, at) => {
      const b = Uint8Array.from(data.length % 2 ? [...data, 0] : data);
      const i = (at * 2) % b.length;
      const before = naiveChecksum(b);
      const old = (b[i] << 8) | b[i + 1];
      b[i] = w >> 8; b[i + 1] = w & 0xff;
      const after = naiveChecksum(b);
      // ones'-complement has two zeros; both encode the same sum
      const inc = csumUpdate16(before, old, w);
      expect(inc === after || (inc ^ after) === 0xffff && (inc === 0 || inc === 0xffff)).toBe(true);
    }), { numRuns: 500 });
  });
});

/** A separate encoder: IPv4 header + ICMP message, checksum by the naive function. */
function ipv4Packet(icmp: Uint8Array, opts: { ttl?: number; ihl?: number } = {}): Uint8Array {
  const ihl = opts.ihl ?? 5;
  const p = new Uint8Array(ihl * 4 + icmp.length);
  p[0] = 0x40 | ihl;
  p[2] = p.length >> 8; p[3] = p.length & 0xff;
  p[8] = opts.ttl ?? 64;
  p[9] = 1;
  p.set([10, 0, 0, 2], 12);
  p.set([10, 0, 0, 1], 16);
  p.set(icmp, ihl * 4);
  return p;
}
function icmpMsg(type: number, code: number, id: number, seq: number, data: Uint8Array): Uint8Array {
  const m = new Uint8Array(8 + data.length);
  m[0] = type; m[1] = code; m[4] = id >> 8; m[5] = id & 0xff; m[6] = seq >> 8; m[7] = seq & 0xff;
  m.set(data, 8);
  const c = naiveChecksum(m);
  m[2] = c >> 8; m[3] = c & 0xff;
  return m;
}

describe('IPv4 reply parser', () => {
  it('echo reply with IP options (ihl 7): id, seq, ttl, payload offsets, checksum', () => {
    const data = Uint8Array.from({ length: 56 }, (_, i) => i);
    const pkt = ipv4Packet(icmpMsg(0, 0, 0x1234, 7, data), { ttl: 63, ihl: 7 });
    const out = new ParsedPacket();
    expect(inet.parseReply(pkt, pkt.length, out)).toBe(Kind.ECHO_REPLY);
    expect([out.id, out.seq, out.ttl, out.icmpLen, out.dataOff, out.dataLen, out.csumOk]).toEqual([0x1234, 7, 63, 64, 36, 56, true]);
    pkt[40] ^= 0xff;
    inet.parseReply(pkt, pkt.length, out);
    expect(out.csumOk).toBe(false);
  });
  it('destination unreachable quoting our echo: kind, type/code, quoted id/seq, original destination', () => {
    const orig = ipv4Packet(icmpMsg(8, 0, 0xbeef, 3, new Uint8Array(56)));
    orig.set([10, 0, 0, 77], 16);
    const err = ipv4Packet(icmpMsg(3, 1, 0, 0, orig));
    const out = new ParsedPacket();
    expect(inet.parseReply(err, err.length, out)).toBe(Kind.ERROR);
    expect([out.type, out.code, out.id, out.seq]).toEqual([3, 1, 0xbeef, 3]);
    expect(Array.from(err.subarray(out.origDstOff, out.origDstOff + 4))).toEqual([10, 0, 0, 77]);
    expect(inet.errorText(out.type, out.code, out.info)).toBe('Destination Host Unreachable');
    expect(inet.errorText(11, 0, 0)).toBe('Time to live exceeded');
  });
  it('an echo request (someone pinging us) is OTHER, not a reply', () => {
    const pkt = ipv4Packet(icmpMsg(8, 0, 1, 1, new Uint8Array(8)));
    expect(inet.parseReply(pkt, pkt.length, new ParsedPacket())).toBe(Kind.OTHER);
  });
  it('every truncation of a valid reply or error either parses or throws IcmpParseError', () => {
    const orig = ipv4Packet(icmpMsg(8, 0, 9, 9, new Uint8Array(40)));
    for (const pkt of [ipv4Packet(icmpMsg(0, 0, 9, 9, new Uint8Array(56))), ipv4Packet(icmpMsg(11, 0, 0, 0, orig))]) {
      for (let n = 0; n <= pkt.length; n++) {
        try {
          inet.parseReply(pkt.subarray(0, n), n, new ParsedPacket());
        } catch (e) {
          expect(e).toBeInstanceOf(IcmpParseError);
        }
      }
    }
  });
});

describe('fuzz: random and truncated buffers', () => {
  const arb = fc.oneof(
    fc.uint8Array({ maxLength: 200 }),
    // plausible headers with random tails: IPv4 version nibble and ICMP types that recurse
    fc.tuple(fc.integer({ min: 0, max: 15 }), fc.constantFrom(0, 3, 4, 5, 8, 11, 12, 129, 1, 2), fc.uint8Array({ maxLength: 120 }))
      .map(([ihl, type, rest]) => Uint8Array.from([0x40 | ihl, 0, 0, 0, 0, 0, 0, 0, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, type, ...rest])),
  );
  for (const fam of [inet, inet6]) {
    it(`${fam.name}: never throws anything but IcmpParseError, offsets stay in bounds`, () => {
      fc.assert(fc.property(arb, fc.nat(300), (buf, lenSeed) => {
        const len = lenSeed % (buf.length + 1);
        const out = new ParsedPacket();
        try {
          const k = fam.parseReply(buf, len, out);
          if (k !== Kind.OTHER) {
            expect(out.dataOff + out.dataLen).toBeLessThanOrEqual(len);
            expect(out.dataLen).toBeGreaterThanOrEqual(0);
          }
        } catch (e) {
          if (!(e instanceof IcmpParseError)) throw e;
        }
      }), { numRuns: 3000 });
    });
  }
  it('a length beyond the buffer is refused with IcmpParseError', () => {
    expect(() => inet.parseReply(new Uint8Array(10), 50, new ParsedPacket())).toThrow(IcmpParseError);
  });
});

describe('IPv6 text', () => {
  it('round-trips the RFC 5952 forms', () => {
    for (const a of ['::1', 'fd00:99::2', '2001:db8::1:0:0:1', '::', 'fe80::a8c6:63ff:fede:458a', '::ffff:10.0.0.1', '1:2:3:4:5:6:7:8']) {
      expect(formatIpv6(ipv6Bytes(a))).toBe(a);
    }
  });
});
