// Parsing what users type: `192.168.168.1/24`, `fd00::1/64`, interface names, MACs.
// Bad input is a UsageError with one clear line, found before the kernel is asked.
import { UsageError } from '../sys/errors.js';
import { AF_INET, AF_INET6 } from '../sys/libc.js';
import { IFNAMSIZ } from '../netlink/consts.js';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6, parseMac } from '../inet/addr.js';

/** An address with its prefix length, parsed: family, bytes (network order), canonical text. */
export interface Cidr {
  family: typeof AF_INET | typeof AF_INET6;
  /** 4 or 16 bytes, network order. */
  bytes: Uint8Array;
  prefixlen: number;
  /** Canonical text of the address (no prefix). */
  address: string;
  /** Did the input give a prefix? (`ip addr add 10.0.0.1` means /32.) */
  explicitPrefix: boolean;
}

/**
 * Parse `ADDR[/PREFIX]` as iproute2's get_prefix does for `ip addr add`: IPv4 or IPv6, prefix
 * 0-32 or 0-128, absent prefix = host route length.
 */
export function parseCidr(text: string): Cidr {
  const s = text.trim();
  if (s === '') throw new UsageError('invalid address: empty');
  const slash = s.indexOf('/');
  const addrText = slash < 0 ? s : s.slice(0, slash);
  const prefixText = slash < 0 ? null : s.slice(slash + 1);
  const v4 = parseIPv4(addrText);
  const v6 = v4 ? null : parseIPv6(addrText);
  if (!v4 && !v6) throw new UsageError(`invalid address "${text}": expected IPv4 (a.b.c.d) or IPv6, with an optional /prefix`);
  const max = v4 ? 32 : 128;
  let prefixlen = max;
  if (prefixText !== null) {
    if (!/^\d{1,3}$/.test(prefixText)) throw new UsageError(`invalid prefix length "${prefixText}" in "${text}": expected a number 0-${max}`);
    prefixlen = Number(prefixText);
    if (prefixlen > max) {
      throw new UsageError(`invalid prefix length ${prefixlen} in "${text}": ${v4 ? 'IPv4' : 'IPv6'} allows 0-${max}`);
    }
  }
  const bytes = (v4 ?? v6) as Uint8Array;
  return {
    family: v4 ? AF_INET : AF_INET6,
    bytes,
    prefixlen,
    address: v4 ? formatIPv4(bytes) : formatIPv6(bytes),
    explicitPrefix: prefixText !== null,
  };
}

/** Why an interface name is refused (kernel dev_valid_name, iproute2 check_ifname), or null. */
export function ifNameProblem(name: string): string | null {
  if (name.length === 0) return 'interface name is empty';
  const bytes = Buffer.byteLength(name);
  if (bytes >= IFNAMSIZ) return `interface name "${name}" is ${bytes} bytes (at most ${IFNAMSIZ - 1})`;
  if (name === '.' || name === '..') return `interface name "${name}" is not allowed`;
  if (name.includes('/')) return `interface name "${name}" contains '/'`;
  if (name.includes(':')) return `interface name "${name}" contains ':'`;
  if (/\s/.test(name)) return `interface name "${name}" contains white space`;
  if (name.includes('\0')) return 'interface name contains a NUL byte';
  return null;
}

/** Refuse an interface name the kernel would refuse (empty, over 15 bytes, "/", whitespace, "." or ".."), in one line. */
export function checkIfName(name: string): void {
  const p = ifNameProblem(name);
  if (p) throw new UsageError(`invalid interface name: ${p}`);
}

/** A unicast MAC address; multicast (low bit of the first byte) is refused as the kernel would. */
export function parseMacAddr(text: string): Uint8Array {
  const b = parseMac(text);
  if (!b) throw new UsageError(`invalid MAC address "${text}": expected six hex bytes like 02:00:00:00:00:01`);
  if (b[0] & 1) throw new UsageError(`invalid MAC address "${text}": a multicast address cannot be a link address`);
  return b;
}

/** `16`..`65535`-ish: a positive integer MTU (the kernel checks the device's own bounds). */
export function checkMtu(mtu: number): void {
  if (!Number.isInteger(mtu) || mtu < 1 || mtu > 0xffffffff) throw new UsageError(`invalid mtu ${mtu}: expected a positive integer`);
}
