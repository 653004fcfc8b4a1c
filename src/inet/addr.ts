// Addresses as bytes and as text, the way glibc's inet_pton/inet_ntop and iproute2's
// ll_addr_n2a write them (ip prints what these return, so the formatter must too).
import { isIPv4, isIPv6 } from 'node:net';
import { AF_INET, AF_INET6 } from '../sys/libc.js';

/** Dotted quad to 4 bytes, or null. */
export function parseIPv4(s: string): Uint8Array | null {
  if (!isIPv4(s)) return null;
  return Uint8Array.from(s.split('.').map(Number));
}

/** IPv6 text (with `::` and an optional trailing dotted quad) to 16 bytes, or null. */
export function parseIPv6(s: string): Uint8Array | null {
  if (!isIPv6(s) || s.includes('%')) return null;
  let text = s;
  const lastColon = text.lastIndexOf(':');
  if (text.indexOf('.', lastColon) >= 0) {
    const v4 = parseIPv4(text.slice(lastColon + 1));
    if (!v4) return null;
    text = `${text.slice(0, lastColon + 1)}${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (h: string) => (h === '' ? [] : h.split(':').map((g) => (/^[0-9a-fA-F]{1,4}$/.test(g) ? parseInt(g, 16) : -1)));
  const head = groups(halves[0]);
  let words = head;
  if (halves.length === 2) {
    const tail = groups(halves[1]);
    const fill = 8 - head.length - tail.length;
    if (fill < 1) return null;
    words = [...head, ...new Array<number>(fill).fill(0), ...tail];
  }
  if (words.length !== 8 || words.some((w) => w < 0)) return null;
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

/** Does address `a` lie in the prefix `net/len` (both of one family: 4 or 16 bytes)? */
export function inPrefix(a: ArrayLike<number>, net: ArrayLike<number>, len: number): boolean {
  if (a.length !== net.length) return false;
  for (let i = 0; i < a.length && len > 0; i++, len -= 8) {
    const mask = len >= 8 ? 0xff : (0xff << (8 - len)) & 0xff;
    if ((a[i] & mask) !== (net[i] & mask)) return false;
  }
  return true;
}

/** The 4 or 16 bytes of a numeric IPv4 or IPv6 address, or null when it is neither. */
export function parseInet(s: string): Uint8Array | null {
  return s.includes(':') ? parseIPv6(s) : parseIPv4(s);
}

/** Four bytes at `at` as dotted-quad text, as inet_ntop writes them. */
export function formatIPv4(b: Uint8Array, at = 0): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

/**
 * glibc inet_ntop6: the longest run (first of equals) of two or more zero words becomes
 * `::`; hex words without leading zeros; `::a.b.c.d` and `::ffff:a.b.c.d` for the
 * IPv4-compatible and IPv4-mapped forms.
 */
export function formatIPv6(b: Uint8Array, at = 0): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((b[at + 2 * i] << 8) | b[at + 2 * i + 1]);
  let best = { base: -1, len: 0 };
  let cur = { base: -1, len: 0 };
  for (let i = 0; i < 8; i++) {
    if (words[i] === 0) {
      if (cur.base === -1) cur = { base: i, len: 1 };
      else cur.len++;
    } else if (cur.base !== -1) {
      if (best.base === -1 || cur.len > best.len) best = cur;
      cur = { base: -1, len: 0 };
    }
  }
  if (cur.base !== -1 && (best.base === -1 || cur.len > best.len)) best = cur;
  if (best.base !== -1 && best.len < 2) best = { base: -1, len: 0 };
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (best.base !== -1 && i >= best.base && i < best.base + best.len) {
      if (i === best.base) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    if (i === 6 && best.base === 0 && (best.len === 6 || (best.len === 5 && words[5] === 0xffff))) {
      out += formatIPv4(b, at + 12);
      break;
    }
    out += words[i].toString(16);
  }
  if (best.base !== -1 && best.base + best.len === 8) out += ':';
  return out;
}

/** inet_ntop for AF_INET/AF_INET6 payloads; other lengths as colon hex. */
export function formatInet(family: number, b: Uint8Array): string {
  if (family === AF_INET && b.length >= 4) return formatIPv4(b);
  if (family === AF_INET6 && b.length >= 16) return formatIPv6(b);
  return formatHex(b);
}

/** `aa:bb:cc` (lower-case, two digits a byte). */
export function formatHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');
}

// ARPHRD types whose link-layer addresses are IP addresses (iproute2 ll_addr_n2a)
const ARPHRD_TUNNEL = 768;
const ARPHRD_TUNNEL6 = 769;
const ARPHRD_SIT = 776;
const ARPHRD_IPGRE = 778;
const ARPHRD_IP6GRE = 823;

/** iproute2 ll_addr_n2a: a link-layer address as ip prints it. */
export function formatLinkAddr(b: Uint8Array, arphrd: number): string {
  if (b.length === 4 && (arphrd === ARPHRD_TUNNEL || arphrd === ARPHRD_SIT || arphrd === ARPHRD_IPGRE)) return formatIPv4(b);
  if (b.length === 16 && (arphrd === ARPHRD_TUNNEL6 || arphrd === ARPHRD_IP6GRE)) return formatIPv6(b);
  return formatHex(b);
}

/** `aa:bb:cc:dd:ee:ff` (also `-` separated) to 6 bytes, or null. */
export function parseMac(s: string): Uint8Array | null {
  const m = /^([0-9a-fA-F]{1,2})([:-])([0-9a-fA-F]{1,2})\2([0-9a-fA-F]{1,2})\2([0-9a-fA-F]{1,2})\2([0-9a-fA-F]{1,2})\2([0-9a-fA-F]{1,2})$/.exec(s);
  if (!m) return null;
  return Uint8Array.from([m[1], m[3], m[4], m[5], m[6], m[7]].map((h) => parseInt(h, 16)));
}
