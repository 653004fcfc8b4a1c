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

// Checksums are src/inet's (one copy for the engine and the printers).
export { csumPartial, csumFinish, cksumShouldBe } from '../inet/checksum.js';

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
