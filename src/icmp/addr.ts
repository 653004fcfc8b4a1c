// Numeric IPv4/IPv6 addresses <-> bytes and sockaddr structs (no name resolution here).
import { isIPv4, isIPv6 } from 'node:net';
import { UsageError } from '../sys/errors.js';
import { AF_INET, AF_INET6 } from '../sys/libc.js';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../inet/addr.js';
import { SOCKADDR_IN, SOCKADDR_IN6 } from '../sys/socket.js';

/** A numeric IPv4 destination as 4 bytes; anything else is a UsageError. */
export function ipv4Bytes(s: string): Uint8Array {
  const b = parseIPv4(s);
  if (!b) throw new UsageError(`not an IPv4 address: ${s}`);
  return b;
}

/** A numeric IPv6 destination as 16 bytes; a zone (`%tap1`) is allowed and left to the caller. */
export function ipv6Bytes(s: string): Uint8Array {
  const zone = s.indexOf('%');
  const b = parseIPv6(zone >= 0 ? s.slice(0, zone) : s);
  if (!b) throw new UsageError(`not an IPv6 address: ${s}`);
  return b;
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
  if (fam === AF_INET) return formatIPv4(b, off + SOCKADDR_IN.addr);
  if (fam === AF_INET6) return formatIPv6(b, off + SOCKADDR_IN6.addr);
  return '?';
}

export const familyOf = (s: string): 4 | 6 | 0 => (isIPv4(s) ? 4 : isIPv6(s.split('%')[0]) ? 6 : 0);
