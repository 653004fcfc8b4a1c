// Numeric IPv4/IPv6 addresses <-> bytes and sockaddr structs (no name resolution here).
import { isIPv4, isIPv6 } from 'node:net';
import { UsageError } from '../sys/errors.js';
import { SOCKADDR_IN, SOCKADDR_IN6 } from './layout.js';

const AF_INET = 2;
const AF_INET6 = 10;

export function ipv4Bytes(s: string): Uint8Array {
  if (!isIPv4(s)) throw new UsageError(`not an IPv4 address: ${s}`);
  return Uint8Array.from(s.split('.').map(Number));
}

export function ipv6Bytes(s: string): Uint8Array {
  const zone = s.indexOf('%');
  const a = zone >= 0 ? s.slice(0, zone) : s;
  if (!isIPv6(a)) throw new UsageError(`not an IPv6 address: ${s}`);
  const out = new Uint8Array(16);
  let head = a;
  let tail = '';
  const dbl = a.indexOf('::');
  if (dbl >= 0) {
    head = a.slice(0, dbl);
    tail = a.slice(dbl + 2);
  }
  const words = (part: string): number[] => {
    if (part === '') return [];
    const r: number[] = [];
    for (const g of part.split(':')) {
      if (g.includes('.')) {
        const v4 = ipv4Bytes(g);
        r.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else r.push(parseInt(g, 16));
    }
    return r;
  };
  const h = words(head);
  const t = words(tail);
  const all = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  all.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

export function formatIpv4(b: Uint8Array, off = 0): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

/** RFC 5952 text (longest run of two or more zero words as ::, lower case), as inet_ntop. */
export function formatIpv6(b: Uint8Array, off = 0): string {
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push((b[off + 2 * i] << 8) | b[off + 2 * i + 1]);
  // IPv4-mapped ::ffff:a.b.c.d as inet_ntop prints it
  if (w[0] === 0 && w[1] === 0 && w[2] === 0 && w[3] === 0 && w[4] === 0 && w[5] === 0xffff) {
    return `::ffff:${formatIpv4(b, off + 12)}`;
  }
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]) => ws.map((x) => x.toString(16)).join(':');
  if (bestAt < 0) return hex(w);
  return `${hex(w.slice(0, bestAt))}::${hex(w.slice(bestAt + bestLen))}`;
}

export function sockaddrIn(addr: Uint8Array): Buffer {
  const b = Buffer.alloc(SOCKADDR_IN.size);
  b.writeUInt16LE(AF_INET, SOCKADDR_IN.family);
  b.set(addr, SOCKADDR_IN.addr);
  return b;
}

export function sockaddrIn6(addr: Uint8Array, scopeId = 0): Buffer {
  const b = Buffer.alloc(SOCKADDR_IN6.size);
  b.writeUInt16LE(AF_INET6, SOCKADDR_IN6.family);
  b.set(addr, SOCKADDR_IN6.addr);
  b.writeUInt32LE(scopeId, SOCKADDR_IN6.scopeId);
  return b;
}

/** The address text inside a sockaddr_in / sockaddr_in6 (as the kernel filled msg_name). */
export function formatSockaddr(b: Uint8Array, off = 0): string {
  const fam = b[off] | (b[off + 1] << 8);
  if (fam === AF_INET) return formatIpv4(b, off + SOCKADDR_IN.addr);
  if (fam === AF_INET6) return formatIpv6(b, off + SOCKADDR_IN6.addr);
  return '?';
}

export const familyOf = (s: string): 4 | 6 | 0 => (isIPv4(s) ? 4 : isIPv6(s.split('%')[0]) ? 6 : 0);
