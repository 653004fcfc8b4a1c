// Bounds-checked big-endian reads over a captured frame. Every read names the protocol
// that is being printed, so a short frame ends the line with tcpdump's ` [|proto]`.
import { Truncated } from './errors.js';

export class Bytes {
  /** `end` is one past the last captured byte (caplen), never past `b.length`. */
  constructor(
    readonly b: Uint8Array,
    readonly end: number,
  ) {}
  has(off: number, n: number): boolean {
    return off >= 0 && n >= 0 && off + n <= this.end;
  }
  need(off: number, n: number, proto: string): void {
    if (!this.has(off, n)) throw new Truncated(proto);
  }
  u8(off: number, proto: string): number {
    this.need(off, 1, proto);
    return this.b[off];
  }
  u16(off: number, proto: string): number {
    this.need(off, 2, proto);
    return (this.b[off] << 8) | this.b[off + 1];
  }
  u32(off: number, proto: string): number {
    this.need(off, 4, proto);
    return ((this.b[off] << 24) | (this.b[off + 1] << 16) | (this.b[off + 2] << 8) | this.b[off + 3]) >>> 0;
  }
}

const hex2 = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** `aa:bb:cc:dd:ee:ff` (any length, as tcpdump's linkaddr_string). */
export function macString(b: Uint8Array, off: number, len = 6): string {
  let s = '';
  for (let i = 0; i < len; i++) s += (i ? ':' : '') + hex2[b[off + i]];
  return s;
}

// Address text as inet_ntop writes it: the link layer's one implementation.
export { formatIPv4 as ip4String, formatIPv6 as ip6String } from '../inet/addr.js';

/** RFC 1071 ones'-complement sum over b[off, off+len), added to `init`; not folded. */
export function sum16(b: Uint8Array, off: number, len: number, init = 0): number {
  let s = init;
  const end = off + len;
  let i = off;
  for (; i + 1 < end; i += 2) s += (b[i] << 8) | b[i + 1];
  if (i < end) s += b[i] << 8;
  return s;
}

export function fold(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

/** The checksum over the data is right when the folded sum is 0xffff (result 0). */
export function cksumResult(s: number): number {
  return ~fold(s) & 0xffff;
}

/** tcpdump's in_cksum_shouldbe: the value the checksum field should have held. */
export function cksumShouldBe(sum: number, computed: number): number {
  let s = sum + computed;
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  return s & 0xffff;
}

export const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

/** tcpdump's nd_printn: printable ASCII as is, others as M-x / ^x. */
export function printable(b: Uint8Array, off: number, len: number): string {
  let s = '';
  for (let i = off; i < off + len; i++) {
    let c = b[i];
    if (c > 0x7f) {
      s += 'M-';
      c &= 0x7f;
    }
    if (c < 0x20 || c === 0x7f) s += '^' + String.fromCharCode(c ^ 0x40);
    else s += String.fromCharCode(c);
  }
  return s;
}
