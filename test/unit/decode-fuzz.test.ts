// The printers fed random, truncated and hostile frames: they never throw, never hang,
// and a short frame ends with tcpdump's ` [|proto]` marker rather than reading past it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/pcap/reader.js';
import { Printer, type PrinterOptions } from '../../src/print/printer.js';

const fixture = readFileSync(fileURLToPath(new URL('../fixtures/capture/traffic.pcap', import.meta.url)));
const frames = [...openCapture(fixture).records()].map((r) => Uint8Array.from(r.data));
const allOpts: PrinterOptions[] = [{}, { verbose: 1 }, { verbose: 2, link: true, hex: 2 }, { linktype: 101 }];

function printAny(data: Uint8Array, opts: PrinterOptions, len = data.length): string {
  return new Printer(opts).format({ tsNs: 0n, data, len });
}

/**
 * What every printed frame must be, whatever its bytes: it starts with the timestamp and holds
 * no JavaScript leftovers (undefined, NaN, [object …]): a printer that read past the frame or
 * formatted a missing field shows here. (It may span lines: -v, -X, an unknown ethertype's dump.)
 */
function expectSane(s: string, _opts: PrinterOptions): void {
  expect(s.startsWith('00:00:00.000000 '), s).toBe(true);
  expect(s, s).not.toMatch(/undefined|NaN|\[object /);
}

describe('printer fuzz', () => {
  it('every fixture frame cut at every length prints without throwing', () => {
    for (const f of frames) {
      for (let cut = 0; cut <= f.length; cut++) {
        for (const o of allOpts) {
          expectSane(printAny(f.subarray(0, cut), o, f.length), o);
        }
      }
    }
  });

  it('a cut IPv4 echo ends with the [|icmp] marker', () => {
    const echo = frames.find((f) => f[12] === 0x08 && f[13] === 0 && f[23] === 1)!;
    expect(printAny(echo.subarray(0, 14 + 20 + 3), {}, echo.length)).toMatch(/ \[\|icmp\]$/);
  });

  it('random frames, and fixture frames with random bytes changed', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.tuple(fc.nat(frames.length - 1), fc.array(fc.tuple(fc.nat(120), fc.integer({ min: 0, max: 255 })), { maxLength: 12 }), fc.nat(200)).map(([i, muts, cut]) => {
            const b = Uint8Array.from(frames[i].subarray(0, cut));
            for (const [o, v] of muts) if (o < b.length) b[o] = v;
            return b;
          }),
        ),
        fc.constantFrom(...allOpts),
        fc.integer({ min: 0, max: 70000 }),
        (data, opts, len) => {
          expectSane(printAny(data, opts, len), opts);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('relative TCP sequence numbers need the SYN seen by the same printer', () => {
    const tcp = frames.filter((f) => f[12] === 0x08 && f[23] === 6 && ((f[34] << 8) | f[35]) !== 1234);
    const p = new Printer({});
    const lines = tcp.map((d) => p.format({ tsNs: 0n, data: d, len: d.length }));
    expect(lines[2]).toMatch(/Flags \[\.\], ack 1, win/);
    // without the handshake, the first ACK-bearing segment seeds the table: absolute no more
    const q = new Printer({ absoluteSeq: true });
    expect(q.format({ tsNs: 0n, data: tcp[2], len: tcp[2].length })).not.toMatch(/ack 1, win/);
  });
});

describe('IPv4 header cut short (found by the sanity check above)', () => {
  it("prints tcpdump 4.99's `IP  [|ip]`, with and without -v, never undefined addresses", () => {
    const eth = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 8, 0];
    const ip = [0x45, 0, 0, 84, 0x87, 0xad, 0x40, 0, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];
    const frame = Uint8Array.from([...eth, ...ip.slice(0, 14)]);
    for (const o of [{}, { verbose: 1 }]) expect(printAny(frame, o, 34)).toBe('00:00:00.000000 IP  [|ip]');
  });
});
