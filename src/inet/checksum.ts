// The internet checksum (RFC 1071) without per-byte work: 32-bit little-endian loads
// summed into a double (exact below 2^53), folded once. The ones'-complement sum is
// byte-order independent (RFC 1071 §2(B)), so summing host-order words and swapping the
// folded 16-bit result gives the network-order checksum.

/** Sum of `buf[off, off+len)` as big-endian 16-bit words, not folded (may exceed 16 bits). */
export function csumPartial(buf: Uint8Array, off: number, len: number, initial = 0): number {
  if (off < 0 || len < 0 || off + len > buf.length) throw new RangeError(`checksum range ${off}+${len} outside ${buf.length} bytes`);
  // one DataView per backing store, reused (hot paths checksum slot views of one buffer)
  if (buf.buffer !== dvBuffer) {
    dvBuffer = buf.buffer;
    dvCache = new DataView(buf.buffer);
  }
  const dv = dvCache;
  let sum = 0;
  const base = buf.byteOffset;
  let i = base + off;
  const end = base + off + len;
  // 32-bit little-endian words: each adds two swapped 16-bit words (fixed below).
  const end4 = end - 3;
  for (; i < end4; i += 4) sum += dv.getUint32(i, true);
  // fold the little-endian accumulation to 16 bits, then swap into big-endian order
  sum = fold32(sum);
  sum = ((sum & 0xff) << 8) | (sum >>> 8);
  if (i + 1 < end) {
    sum += dv.getUint16(i, false);
    i += 2;
  }
  if (i < end) sum += buf[i - base] << 8; // odd final byte is the high half of a padded word
  return sum + initial;
}
let dvBuffer: ArrayBufferLike | null = null;
let dvCache: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

/** Fold a (possibly > 32-bit) sum to 16 bits with end-around carry. */
export function fold32(sum: number): number {
  // sum < 2^53: split into 16-bit pieces with exact arithmetic
  while (sum > 0xffff) {
    const hi = Math.floor(sum / 65536);
    sum = (sum - hi * 65536) + hi;
  }
  return sum;
}

/** The checksum field value (big-endian 16-bit) for the bytes: ~fold(sum). */
export function checksum(buf: Uint8Array, off = 0, len = buf.length - off): number {
  return ~fold32(csumPartial(buf, off, len)) & 0xffff;
}

/** Finish a partial sum into a checksum field value. */
export const csumFinish = (partial: number): number => ~fold32(partial) & 0xffff;

/**
 * RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') — the new checksum when one 16-bit word of the
 * covered data changes from `oldWord` to `newWord`.
 */
export function csumUpdate16(hc: number, oldWord: number, newWord: number): number {
  const sum = (~hc & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff);
  return ~fold32(sum) & 0xffff;
}

/** Does the data (including its checksum field) verify? (sum folds to 0xffff) */
export const csumVerifies = (buf: Uint8Array, off: number, len: number): boolean =>
  fold32(csumPartial(buf, off, len)) === 0xffff;

/** tcpdump's in_cksum_shouldbe: the value a checksum field should have held, from the field
 * and the folded result of verifying over it. */
export function cksumShouldBe(sum: number, computed: number): number {
  let s = sum + computed;
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  return s & 0xffff;
}
