// What iputils prints for ICMP errors (ping.c pr_icmph, ping6_common.c print_icmp), so that
// "From X icmp_seq=N <text>" reads the same as ping's.
import { ICMP, ICMPV6 } from './layout.js';

const UNREACH_V4: Record<number, string> = {
  0: 'Destination Net Unreachable',
  1: 'Destination Host Unreachable',
  2: 'Destination Protocol Unreachable',
  3: 'Destination Port Unreachable',
  5: 'Source Route Failed',
  6: 'Destination Net Unknown',
  7: 'Destination Host Unknown',
  8: 'Source Host Isolated',
  9: 'Destination Net Prohibited',
  10: 'Destination Host Prohibited',
  11: 'Destination Net Unreachable for Type of Service',
  12: 'Destination Host Unreachable for Type of Service',
  13: 'Packet filtered',
  14: 'Precedence Violation',
  15: 'Precedence Cutoff',
};

/** iputils' text for an ICMPv4 error/notice (type, code, and the 32-bit info word). */
export function icmp4Text(type: number, code: number, info: number): string {
  switch (type) {
    case ICMP.DEST_UNREACH:
      if (code === 4) return `Frag needed and DF set (mtu = ${info & 0xffff})`;
      return UNREACH_V4[code] ?? `Dest Unreachable, Bad Code: ${code}`;
    case ICMP.SOURCE_QUENCH:
      return 'Source Quench';
    case ICMP.REDIRECT:
      return ['Redirect Network', 'Redirect Host', 'Redirect Type of Service and Network', 'Redirect Type of Service and Host'][code] ?? `Redirect, Bad Code: ${code}`;
    case ICMP.TIME_EXCEEDED:
      return code === 0 ? 'Time to live exceeded' : code === 1 ? 'Frag reassembly time exceeded' : `Time exceeded, Bad Code: ${code}`;
    case ICMP.PARAMETERPROB:
      return `Parameter problem: pointer = ${info >>> 24}`;
    default:
      return `Bad ICMP type: ${type}`;
  }
}

const UNREACH_V6: Record<number, string> = {
  0: 'No route',
  1: 'Administratively prohibited',
  2: 'Beyond scope of source address',
  3: 'Address unreachable',
  4: 'Port unreachable',
  5: 'Source address failed ingress/egress policy',
  6: 'Reject route to destination',
};

/** iputils' text for an ICMPv6 error. */
export function icmp6Text(type: number, code: number, info: number): string {
  switch (type) {
    case ICMPV6.DEST_UNREACH:
      return `Destination unreachable: ${UNREACH_V6[code] ?? `Unknown code ${code}`}`;
    case ICMPV6.PKT_TOOBIG:
      return `Packet too big: mtu=${info >>> 0}`;
    case ICMPV6.TIME_EXCEED:
      return `Time exceeded: ${code === 0 ? 'Hop limit' : code === 1 ? 'Defragmentation failure' : `code ${code}`}`;
    case ICMPV6.PARAMPROB:
      return `Parameter problem: ${['Wrong header field ', 'Unknown header ', 'Unknown option '][code] ?? `code ${code} `}at ${info >>> 0}`;
    default:
      return `unknown icmp type: ${type}`;
  }
}
