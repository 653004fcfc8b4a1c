// Linux "cooked" captures (LINKTYPE_LINUX_SLL, what `tcpdump -i any` wrote before 4.99, and
// LINKTYPE_LINUX_SLL2, what it writes now) and BSD loopback (LINKTYPE_NULL, LINKTYPE_LOOP), as
// tcpdump's print-sll.c and print-null.c print them (-n), so that files other tools wrote read
// as tcpdump reads them.
import { macString } from './bytes.js';
import type { Ctx } from './context.js';
import { ethertypeName, ethertypePrint } from './ether.js';
import { hexAndAscii } from './hexdump.js';
import { ipPrint } from './ip.js';
import { ip6Print } from './ip6.js';

/** sll_pkttype_values */
const PKTTYPE = new Map<number, string>([[0, 'In'], [1, 'B'], [2, 'M'], [3, 'P'], [4, 'Out']]);
const pkttype = (v: number): string => PKTTYPE.get(v) ?? '?';
const tHex = (t: number): string => `0x${t.toString(16).padStart(4, '0')}`;
/** MAX_ETHERNET_LENGTH_VAL: a protocol field up to this is a length, not an ethertype */
const MAX_LENGTH_VAL = 1500;
const SLL_HDR_LEN = 16;
const SLL2_HDR_LEN = 20;

/** The protocol part of sll_print / sll2_print: `ethertype IPv4 (0x0800), length N: `. */
function protoText(ctx: Ctx, proto: number, length: number): void {
  if (proto <= MAX_LENGTH_VAL) ctx.p(proto === 1 ? '802.3' : proto === 4 ? '802.2' : `ethertype Unknown (${tHex(proto)})`);
  else ctx.p(`ethertype ${ethertypeName(proto)} (${tHex(proto)})`);
  ctx.p(`, length ${length}: `);
}

/** The payload after a cooked header: the network printers, or (unknown) the header and a dump. */
function payload(ctx: Ctx, proto: number, off: number, length: number, header: () => void): void {
  if (proto > MAX_LENGTH_VAL && ethertypePrint(ctx, proto, off, length)) return;
  if (!ctx.e) header();
  if (!ctx.opts.hex) ctx.p(hexAndAscii(ctx.b, off, ctx.bytes.end - off));
}

/**
 * LINKTYPE_LINUX_SLL: sll_pkttype u16, sll_hatype u16, sll_halen u16, sll_addr[8],
 * sll_protocol u16 (16 bytes). Returns the header length (-X dumps from after it).
 */
export function sllPrint(ctx: Ctx, off: number, length: number): number {
  const { bytes } = ctx;
  if (bytes.end - off < SLL_HDR_LEN) {
    ctx.p(' [|sll]');
    // as tcpdump after its truncation longjmp: no link header was taken, -X dumps it all
    return 0;
  }
  const proto = bytes.u16(off + 14, 'sll');
  const header = (len: number) => () => {
    ctx.p(`${pkttype(bytes.u16(off, 'sll')).padStart(3)} `);
    if (bytes.u16(off + 4, 'sll') === 6) ctx.p(`${macString(ctx.b, off + 6)} `);
    protoText(ctx, proto, len);
  };
  if (ctx.e) header(length)();
  payload(ctx, proto, off + SLL_HDR_LEN, length - SLL_HDR_LEN, header(length));
  return SLL_HDR_LEN;
}

/**
 * LINKTYPE_LINUX_SLL2: protocol u16, reserved u16, if_index u32, hatype u16, pkttype u8,
 * halen u8, addr[8] (20 bytes). tcpdump names the interface by its index on the machine that
 * reads the file (`ifName`, "?" when there is none), and the direction, before the rest.
 */
export function sll2Print(ctx: Ctx, off: number, length: number, ifName: (index: number) => string | null): number {
  const { bytes } = ctx;
  if (bytes.end - off < SLL2_HDR_LEN) {
    ctx.p(' [|sll2]');
    // as tcpdump after its truncation longjmp: no link header was taken, -X dumps it all
    return 0;
  }
  const index = bytes.u32(off + 4, 'sll2');
  const dir = pkttype(bytes.u8(off + 10, 'sll2'));
  ctx.p(`${(ifName(index) ?? '?').padEnd(5)} ${dir.padEnd(3)} `);
  const proto = bytes.u16(off, 'sll2');
  const header = (len: number) => () => {
    ctx.p(`ifindex ${index} `);
    if (bytes.u8(off + 11, 'sll2') === 6) ctx.p(`${macString(ctx.b, off + 12)} `);
    protoText(ctx, proto, len);
  };
  if (ctx.e) header(length)();
  payload(ctx, proto, off + SLL2_HDR_LEN, length - SLL2_HDR_LEN, header(length));
  return SLL2_HDR_LEN;
}

/** bsd_af_values */
const BSD_AF = new Map<number, string>([[2, 'IPv4'], [7, 'OSI'], [16, 'Appletalk'], [23, 'IPX'], [24, 'IPv6'], [28, 'IPv6'], [30, 'IPv6']]);

/**
 * LINKTYPE_NULL (a 4-byte address family in the writer's byte order) and LINKTYPE_LOOP (in
 * network order): BSD loopback. `bigEndian` is LOOP's order; NULL's is guessed as tcpdump
 * does (a value with its high half set was written the other way round).
 */
export function nullPrint(ctx: Ctx, off: number, length: number, bigEndian: boolean): number {
  const { bytes } = ctx;
  if (bytes.end - off < 4) {
    ctx.p(' [|null]');
    // as tcpdump after its truncation longjmp: no link header was taken, -X dumps it all
    return 0;
  }
  const b = ctx.b;
  let family = bigEndian
    ? ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0
    : (b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) | (b[off + 3] << 24)) >>> 0;
  if (!bigEndian && (family & 0xffff0000) !== 0) family = ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0;
  const header = (len: number) => () => ctx.p(`AF ${BSD_AF.get(family) ?? 'Unknown'} (${family}), length ${len}: `);
  if (ctx.e) header(length)();
  const rest = length - 4;
  if (family === 2) ipPrint(ctx, off + 4, rest);
  else if (family === 24 || family === 28 || family === 30) ip6Print(ctx, off + 4, rest);
  else {
    if (!ctx.e) header(length)();
    if (!ctx.opts.hex) ctx.p(hexAndAscii(b, off + 4, bytes.end - off - 4));
  }
  return 4;
}
