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

export function ip4String(b: Uint8Array, off: number): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

/** inet_ntop(AF_INET6): longest run (≥ 2) of zero words as `::`, embedded IPv4 forms. */
export function ip6String(b: Uint8Array, off: number): string {
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push((b[off + 2 * i] << 8) | b[off + 2 * i + 1]);
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) best = -1;
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (best >= 0 && i >= best && i < best + bestLen) {
      if (i === best) s += ':';
      continue;
    }
    if (i !== 0) s += ':';
    // ::a.b.c.d and ::ffff:a.b.c.d
    if (i === 6 && best === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff))) {
      s += ip4String(b, off + 12);
      break;
    }
    s += w[i].toString(16);
  }
  if (best >= 0 && best + bestLen === 8) s += ':';
  return s;
}

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
