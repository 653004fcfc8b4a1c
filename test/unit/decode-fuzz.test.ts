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

describe('printer fuzz', () => {
  it('every fixture frame cut at every length prints without throwing', () => {
    for (const f of frames) {
      for (let cut = 0; cut <= f.length; cut++) {
        for (const o of allOpts) {
          const s = printAny(f.subarray(0, cut), o, f.length);
          expect(typeof s).toBe('string');
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
          expect(typeof printAny(data, opts, len)).toBe('string');
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
