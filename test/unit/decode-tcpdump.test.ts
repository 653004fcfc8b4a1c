// vping's printer against the real tcpdump: traffic.pcap was written by `tcpdump -w`
// and each n*.txt is what `TZ=UTC tcpdump -n -r traffic.pcap <mode>` printed (see
// test/fixtures/capture/traffic.cmd and make-fixtures.sh). Every line must match.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/pcap/reader.js';
import { Printer, type PrinterOptions } from '../../src/print/printer.js';
import { tsModeOfCount } from '../../src/print/time.js';

process.env.TZ = 'UTC';
const dir = fileURLToPath(new URL('../fixtures/capture/', import.meta.url));
const pcap = readFileSync(dir + 'traffic.pcap');

function printAll(opts: PrinterOptions): string[] {
  const f = openCapture(pcap);
  const p = new Printer({ ...opts, linktype: f.interfaces[0].linktype });
  const out: string[] = [];
  for (const r of f.records()) out.push(...p.format({ tsNs: r.tsNs, data: r.data, len: r.len }).split('\n'));
  return out;
}
const expected = (name: string): string[] => readFileSync(dir + name, 'utf8').replace(/\n$/, '').split('\n');

const modes: [string, PrinterOptions][] = [
  ['n.txt', {}],
  ['n_e.txt', { link: true }],
  ['n_X.txt', { hex: 1 }],
  ['n_XX.txt', { hex: 2 }],
  ['n_tt.txt', { ts: tsModeOfCount(2) }],
  ['n_ttt.txt', { ts: tsModeOfCount(3) }],
  ['n_tttt.txt', { ts: tsModeOfCount(4) }],
  ['n_ttttt.txt', { ts: tsModeOfCount(5) }],
  ['n_nano.txt', { nano: true }],
  ['n_v.txt', { verbose: 1 }],
  ['n_e_v_X.txt', { link: true, verbose: 1, hex: 1 }],
];

describe('printer vs tcpdump -n -r (recorded on this machine)', () => {
  for (const [file, opts] of modes) {
    it(`${file}: every line as tcpdump printed it`, () => {
      const got = printAll(opts);
      const want = expected(file);
      for (let i = 0; i < Math.max(got.length, want.length); i++) expect(got[i], `line ${i + 1}`).toBe(want[i]);
    });
  }
});
