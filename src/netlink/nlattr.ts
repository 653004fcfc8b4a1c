// Netlink attributes: one growable writer for requests, one bounds-checked reader for
// replies. The writer reserves each header, writes the body, then fills the length in;
// nests are callbacks: `w.nest(IFLA.LINKINFO, (e) => e.str(IFLA_INFO.KIND, 'veth'))`.
// The reader checks every length against its container and keeps attributes it does not
// know as raw bytes (a newer kernel adds attributes; an old decoder must not fail on them).
import { NLATTR, NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_TYPE_MASK, NLMSGHDR } from './consts.js';
import { badMessage } from './errors.js';

/** #define NLA_ALIGNTO 4; #define NLA_ALIGN(len) (((len) + NLA_ALIGNTO - 1) & ~(NLA_ALIGNTO - 1)) */
export const nlaAlign = (len: number): number => (len + 3) & ~3;
/** #define NLMSG_ALIGN(len) (((len) + NLMSG_ALIGNTO - 1) & ~(NLMSG_ALIGNTO - 1)), NLMSG_ALIGNTO 4 */
export const nlmsgAlign = nlaAlign;

/**
 * A growable little-endian buffer for netlink requests. Several messages may be written
 * back to back (a batch the kernel processes in one sendmsg). `bytes()` is a subarray
 * view, valid until the next write or reset.
 */
export class NlWriter {
  #buf: Buffer;
  #len = 0;

  constructor(initialSize = 1024) {
    this.#buf = Buffer.alloc(initialSize);
  }

  get length(): number {
    return this.#len;
  }

  /** Forget the content, keep the memory. */
  reset(): this {
    this.#len = 0;
    return this;
  }

  /** The bytes written so far (a view, not a copy). */
  bytes(): Buffer {
    return this.#buf.subarray(0, this.#len);
  }

  /** Grow if needed and claim n bytes; returns their offset. Read `this.#buf` only after. */
  #reserve(n: number): number {
    const at = this.#len;
    const need = at + n;
    if (need > this.#buf.length) {
      let size = this.#buf.length * 2;
      while (size < need) size *= 2;
      const next = Buffer.alloc(size);
      this.#buf.copy(next, 0, 0, at);
      this.#buf = next;
    }
    this.#len = need;
    return at;
  }

  // ---- raw fields (struct headers) ----
  putU8(v: number): this {
    const at = this.#reserve(1);
    this.#buf.writeUInt8(v, at);
    return this;
  }
  putU16(v: number): this {
    const at = this.#reserve(2);
    this.#buf.writeUInt16LE(v, at);
    return this;
  }
  putU32(v: number): this {
    const at = this.#reserve(4);
    this.#buf.writeUInt32LE(v >>> 0, at);
    return this;
  }
  putI32(v: number): this {
    const at = this.#reserve(4);
    this.#buf.writeInt32LE(v, at);
    return this;
  }
  putBytes(b: Uint8Array): this {
    const at = this.#reserve(b.length);
    this.#buf.set(b, at);
    return this;
  }
  /** n zero bytes (a zeroed struct, or padding). */
  putZeros(n: number): this {
    const at = this.#reserve(n);
    this.#buf.fill(0, at, at + n);
    return this;
  }
  /** Zero-pad to the next multiple of 4. */
  align(): this {
    const pad = nlaAlign(this.#len) - this.#len;
    return pad ? this.putZeros(pad) : this;
  }
  /** Overwrite a u32 already written (a length filled in after the body). */
  patchU32(at: number, v: number): void {
    this.#buf.writeUInt32LE(v >>> 0, at);
  }
  patchU16(at: number, v: number): void {
    this.#buf.writeUInt16LE(v, at);
  }
  /** Write into a struct reserved earlier (e.g. a zeroed ifinfomsg). */
  patch(at: number, fn: (buf: Buffer, at: number) => void): void {
    fn(this.#buf, at);
  }

  // ---- messages ----
  /**
   * Write one message: the nlmsghdr is reserved, `body` writes the family header and
   * attributes, then nlmsg_len is filled in. Returns the offset of the header.
   */
  message(type: number, flags: number, seq: number, body: (w: this) => void, pid = 0): number {
    this.align();
    const at = this.#reserve(NLMSGHDR.size);
    this.#buf.writeUInt32LE(0, at + NLMSGHDR.len);
    this.#buf.writeUInt16LE(type, at + NLMSGHDR.type);
    this.#buf.writeUInt16LE(flags, at + NLMSGHDR.flags);
    this.#buf.writeUInt32LE(seq >>> 0, at + NLMSGHDR.seq);
    this.#buf.writeUInt32LE(pid >>> 0, at + NLMSGHDR.pid);
    body(this);
    this.align();
    this.#buf.writeUInt32LE(this.#len - at, at + NLMSGHDR.len);
    return at;
  }

  // ---- attributes ----
  /** An attribute whose payload `fill` writes; the header length is filled in after. */
  #attr(type: number, fill: () => void): this {
    this.align();
    const at = this.#reserve(NLATTR.size);
    this.#buf.writeUInt16LE(type, at + NLATTR.type);
    fill();
    const len = this.#len - at;
    if (len > 0xffff) throw new RangeError(`netlink attribute ${type & NLA_TYPE_MASK} is ${len} bytes (at most 65535)`);
    this.#buf.writeUInt16LE(len, at + NLATTR.len);
    this.align();
    return this;
  }
  /** Raw payload. */
  binary(type: number, payload: Uint8Array): this {
    return this.#attr(type, () => this.putBytes(payload));
  }
  /** NUL-terminated string, as iproute2's addattr_l(name, strlen(name) + 1). */
  str(type: number, s: string): this {
    return this.#attr(type, () => {
      const n = Buffer.byteLength(s);
      const at = this.#reserve(n + 1);
      this.#buf.write(s, at, 'utf8');
      this.#buf[at + n] = 0;
    });
  }
  u8(type: number, v: number): this {
    return this.#attr(type, () => this.putU8(v));
  }
  u16(type: number, v: number): this {
    return this.#attr(type, () => this.putU16(v));
  }
  u32(type: number, v: number): this {
    return this.#attr(type, () => this.putU32(v));
  }
  s32(type: number, v: number): this {
    return this.#attr(type, () => this.putI32(v));
  }
  /** A zero-length attribute (a flag). */
  flag(type: number): this {
    return this.#attr(type, () => undefined);
  }
  /**
   * A nested attribute. iproute2's addattr_nest() does not set NLA_F_NESTED; neither do we
   * by default, so requests match ip's bytes (pass `markNested` to set it).
   */
  nest(type: number, fn: (w: this) => void, markNested = false): this {
    return this.#attr(markNested ? type | NLA_F_NESTED : type, () => fn(this));
  }
}

/** One decoded attribute: its type (flags masked off) and a view of its payload. */
export interface NlAttr {
  type: number;
  nested: boolean;
  netByteOrder: boolean;
  data: Buffer;
}

/**
 * Split [start, end) of `buf` into attributes. Every header must fit, every length must be
 * at least the header and stay inside the container; padding after the last attribute may
 * be absent. Anything else throws a NetlinkError (EBADMSG).
 */
export function parseAttrs(buf: Buffer, start = 0, end = buf.length): NlAttr[] {
  const out: NlAttr[] = [];
  let at = start;
  while (at < end) {
    if (end - at < NLATTR.size) throw badMessage(`${end - at} stray bytes after the last attribute`);
    const len = buf.readUInt16LE(at + NLATTR.len);
    const rawType = buf.readUInt16LE(at + NLATTR.type);
    if (len < NLATTR.size) throw badMessage(`attribute ${rawType & NLA_TYPE_MASK} has length ${len}`);
    if (at + len > end) throw badMessage(`attribute ${rawType & NLA_TYPE_MASK} (${len} bytes) runs past its container`);
    out.push({
      type: rawType & NLA_TYPE_MASK,
      nested: (rawType & NLA_F_NESTED) !== 0,
      netByteOrder: (rawType & NLA_F_NET_BYTEORDER) !== 0,
      data: buf.subarray(at + NLATTR.size, at + len),
    });
    at += nlaAlign(len);
  }
  return out;
}

/** Attributes by type (the last one wins, as nla_parse and parse_rtattr do), with typed getters. */
export class AttrSet {
  readonly list: NlAttr[];
  readonly #byType = new Map<number, NlAttr>();

  constructor(list: NlAttr[]) {
    this.list = list;
    for (const a of list) this.#byType.set(a.type, a);
  }

  static parse(buf: Buffer, start = 0, end = buf.length): AttrSet {
    return new AttrSet(parseAttrs(buf, start, end));
  }

  has(type: number): boolean {
    return this.#byType.has(type);
  }
  get(type: number): Buffer | undefined {
    return this.#byType.get(type)?.data;
  }
  #fixed(type: number, size: number, what: string): Buffer | undefined {
    const d = this.get(type);
    if (d && d.length < size) throw badMessage(`attribute ${type} is ${d.length} bytes, too short for ${what}`);
    return d;
  }
  u8(type: number): number | undefined {
    return this.#fixed(type, 1, 'u8')?.readUInt8(0);
  }
  u16(type: number): number | undefined {
    return this.#fixed(type, 2, 'u16')?.readUInt16LE(0);
  }
  u32(type: number): number | undefined {
    return this.#fixed(type, 4, 'u32')?.readUInt32LE(0);
  }
  s32(type: number): number | undefined {
    return this.#fixed(type, 4, 's32')?.readInt32LE(0);
  }
  /** A string up to its first NUL (or the end of the payload). */
  str(type: number): string | undefined {
    const d = this.get(type);
    if (!d) return undefined;
    const nul = d.indexOf(0);
    return d.toString('utf8', 0, nul < 0 ? d.length : nul);
  }
  nested(type: number): AttrSet | undefined {
    const d = this.get(type);
    return d ? AttrSet.parse(d) : undefined;
  }
  /** Attributes whose type is not in `known`, kept raw. */
  unknown(known: ReadonlySet<number>): NlAttr[] {
    return this.list.filter((a) => !known.has(a.type));
  }
}
