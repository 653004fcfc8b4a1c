// tcpdump's print-ascii.c: hex_and_ascii_print (-X, -XX, the default dump of an unknown
// ethertype) and hex_print (ND option bodies).

const HEXSTUFF_PER_LINE = 40; // 8 shorts × " xxxx"
const graph = (c: number): string => (c >= 0x21 && c <= 0x7e ? String.fromCharCode(c) : '.');
const h2 = (c: number): string => (c < 16 ? '0' : '') + c.toString(16);

/** `ident0x0000:  4500 0054 …  E..T..` lines, 16 bytes each (hex_and_ascii_print_with_offset). */
export function hexAndAscii(b: Uint8Array, off: number, len: number, ident = '\n\t'): string {
  let out = '';
  let hex = '';
  let asc = '';
  let o = 0;
  let i = 0;
  for (; i + 1 < len; i += 2) {
    const s1 = b[off + i];
    const s2 = b[off + i + 1];
    hex += ' ' + h2(s1) + h2(s2);
    asc += graph(s1) + graph(s2);
    if (hex.length >= HEXSTUFF_PER_LINE) {
      out += `${ident}0x${o.toString(16).padStart(4, '0')}: ${hex.padEnd(HEXSTUFF_PER_LINE)}  ${asc}`;
      hex = '';
      asc = '';
      o += 16;
    }
  }
  if (i < len) {
    const s1 = b[off + i];
    hex += ' ' + h2(s1);
    asc += graph(s1);
  }
  if (hex.length > 0) out += `${ident}0x${o.toString(16).padStart(4, '0')}: ${hex.padEnd(HEXSTUFF_PER_LINE)}  ${asc}`;
  return out;
}

/** `ident0x0000:  ed86 b9b0 56d9` (hex_print_with_offset: hex only, 16 bytes a line). */
export function hexOnly(b: Uint8Array, off: number, len: number, ident: string): string {
  let out = '';
  let i = 0;
  for (; i + 1 < len; i += 2) {
    if (i % 16 === 0) out += `${ident}0x${i.toString(16).padStart(4, '0')}: `;
    out += ' ' + h2(b[off + i]) + h2(b[off + i + 1]);
  }
  if (i < len) {
    if (i % 16 === 0) out += `${ident}0x${i.toString(16).padStart(4, '0')}: `;
    out += ' ' + h2(b[off + i]);
  }
  return out;
}
