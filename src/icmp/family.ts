// The family strategy (iputils' ping_func_set_st): what differs between ICMP over IPv4 and
// ICMPv6 — socket, echo layout, reply parsing, filter, texts — behind one interface, so
// the engine's loop is written once.
import { IcmpParseError } from './errors.js';
import { csumPartial, csumVerifies } from '../inet/checksum.js';
import { formatIPv4, formatIPv6 } from '../inet/addr.js';
import { ipv4Bytes, ipv6Bytes, sockaddrIn, sockaddrIn6 } from './addr.js';
import { ICMP, ICMPV6, ICMP_FILTER, ICMP6_FILTER, ICMP_HDR, IP6_HDR, IP_HDR, IPPROTO_ICMP, IPPROTO_ICMPV6, MAX_DATALEN_V4, MAX_DATALEN_V6, SOL_RAW } from './layout.js';
import { IP_TTL, IPPROTO_IP, IPPROTO_IPV6, IPV6_UNICAST_HOPS } from '../sys/socket.js';
import { icmp4Text, icmp6Text } from './texts.js';

/** What a received packet is. */
export const Kind = { ECHO_REPLY: 1, ERROR: 2, OTHER: 3 } as const;
export type KindValue = (typeof Kind)[keyof typeof Kind];

/**
 * One parse result, reused for every packet (no allocation per packet): offsets point into
 * the buffer that was parsed.
 */
export class ParsedPacket {
  kind: KindValue = Kind.OTHER;
  type = 0;
  code = 0;
  /** echo id and seq (of the reply, or of the original echo quoted in an error). */
  id = 0;
  seq = 0;
  /** IPv4 TTL from the header; -1 when the family carries it elsewhere (IPv6 cmsg). */
  ttl = -1;
  /** the ICMP message inside the buffer */
  icmpOff = 0;
  icmpLen = 0;
  /** echo payload (reply) or the quoted original echo's payload (error) */
  dataOff = 0;
  dataLen = 0;
  csumOk = true;
  /** for errors: the 32-bit word after the ICMP checksum (gateway, mtu, pointer) */
  info = 0;
  /** for errors: where the quoted original destination address sits in the buffer */
  origDstOff = 0;
}

export interface IcmpFamily {
  readonly name: 'inet' | 'inet-dgram' | 'inet6';
  readonly af: number;
  readonly proto: number;
  readonly echoType: number;
  readonly addrLen: 4 | 16;
  /** bytes the IP header adds to the header line's total (ping: datalen+8+20; IPv6 prints none) */
  readonly ipOverhead: number;
  readonly maxDatalen: number;
  /** the ICMP checksum is ours to compute (IPv4) or the kernel's (ICMPv6 raw sockets) */
  readonly userChecksum: boolean;
  readonly ttlOpt: { level: number; name: number };
  addrBytes(text: string): Uint8Array;
  formatAddr(b: Uint8Array, off?: number): string;
  sockaddr(addr: Uint8Array): Buffer;
  /** Write an echo request header (checksum 0) at `off`. */
  buildEcho(buf: Uint8Array, off: number, id: number, seq: number): void;
  /** Parse a received packet (IPv4: starts with the IP header; ICMPv6: with the ICMP header). */
  parseReply(buf: Uint8Array, len: number, out: ParsedPacket): KindValue;
  /** setsockopt(level, name, value) passing only echo replies and errors to the socket. */
  filter(): { level: number; name: number; value: Buffer };
  errorText(type: number, code: number, info: number): string;
}

const be16 = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];
const be32 = (b: Uint8Array, o: number) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;

function writeEcho(buf: Uint8Array, off: number, type: number, id: number, seq: number): void {
  buf[off + ICMP_HDR.type] = type;
  buf[off + ICMP_HDR.code] = 0;
  buf[off + ICMP_HDR.checksum] = 0;
  buf[off + ICMP_HDR.checksum + 1] = 0;
  buf[off + ICMP_HDR.id] = id >> 8;
  buf[off + ICMP_HDR.id + 1] = id & 0xff;
  buf[off + ICMP_HDR.seq] = seq >> 8;
  buf[off + ICMP_HDR.seq + 1] = seq & 0xff;
}

export const inet: IcmpFamily = {
  name: 'inet',
  af: 2,
  proto: IPPROTO_ICMP,
  echoType: ICMP.ECHO,
  addrLen: 4,
  ipOverhead: 20,
  maxDatalen: MAX_DATALEN_V4,
  userChecksum: true,
  ttlOpt: { level: IPPROTO_IP, name: IP_TTL },
  addrBytes: ipv4Bytes,
  formatAddr: formatIPv4,
  sockaddr: (a) => sockaddrIn(a),
  buildEcho: (buf, off, id, seq) => writeEcho(buf, off, ICMP.ECHO, id, seq),
  parseReply(buf, len, out) {
    if (len > buf.length) throw new IcmpParseError(`length ${len} beyond the buffer (${buf.length})`);
    if (len < IP_HDR.minSize) throw new IcmpParseError(`IPv4 packet of ${len} bytes is shorter than an IP header`);
    const vi = buf[IP_HDR.verIhl];
    if (vi >> 4 !== 4) throw new IcmpParseError(`IP version ${vi >> 4}, expected 4`);
    const hl = (vi & 0x0f) * 4;
    if (hl < IP_HDR.minSize) throw new IcmpParseError(`IP header length ${hl} < 20`);
    if (len < hl + ICMP_HDR.size) throw new IcmpParseError(`packet too short (${len} bytes from ${hl}-byte IP header + 8)`);
    out.ttl = buf[IP_HDR.ttl];
    return parseIcmp4(buf, hl, len, out);
  },
  filter() {
    // block everything but echo reply and the errors that quote our echo
    const pass = [ICMP.ECHOREPLY, ICMP.DEST_UNREACH, ICMP.SOURCE_QUENCH, ICMP.REDIRECT, ICMP.TIME_EXCEEDED, ICMP.PARAMETERPROB];
    let mask = 0xffffffff;
    for (const t of pass) mask &= ~(1 << t);
    const value = Buffer.alloc(4);
    value.writeUInt32LE(mask >>> 0);
    return { level: SOL_RAW, name: ICMP_FILTER, value };
  },
  errorText: icmp4Text,
};

/**
 * IPv4 through an ICMP datagram socket (unprivileged ping, net.ipv4.ping_group_range): the
 * kernel hands over the ICMP message without its IP header (the TTL comes in an IP_TTL
 * control message), owns the echo id (the socket's bound "port") and writes the checksum.
 */
export const inetDgram: IcmpFamily = {
  ...inet,
  name: 'inet-dgram',
  parseReply(buf, len, out) {
    if (len > buf.length) throw new IcmpParseError(`length ${len} beyond the buffer (${buf.length})`);
    if (len < ICMP_HDR.size) throw new IcmpParseError(`ICMP message of ${len} bytes is shorter than its header`);
    out.ttl = -1;
    return parseIcmp4(buf, 0, len, out);
  },
};

/** The ICMP message at hl..len of an IPv4 reply (hl: 0 from a datagram socket, the IP header's length from a raw one). */
function parseIcmp4(buf: Uint8Array, hl: number, len: number, out: ParsedPacket): KindValue {
    out.icmpOff = hl;
    out.icmpLen = len - hl;
    out.type = buf[hl];
    out.code = buf[hl + 1];
    out.csumOk = csumVerifies(buf, hl, len - hl);
    out.info = be32(buf, hl + 4);
    if (out.type === ICMP.ECHOREPLY) {
      out.id = be16(buf, hl + ICMP_HDR.id);
      out.seq = be16(buf, hl + ICMP_HDR.seq);
      out.dataOff = hl + ICMP_HDR.size;
      out.dataLen = len - out.dataOff;
      return (out.kind = Kind.ECHO_REPLY);
    }
    if (
      out.type === ICMP.DEST_UNREACH || out.type === ICMP.TIME_EXCEEDED || out.type === ICMP.PARAMETERPROB ||
      out.type === ICMP.SOURCE_QUENCH || out.type === ICMP.REDIRECT
    ) {
      const ip2 = hl + ICMP_HDR.size;
      if (len < ip2 + IP_HDR.minSize) throw new IcmpParseError('ICMP error too short for the quoted IP header');
      const vi2 = buf[ip2];
      const hl2 = (vi2 & 0x0f) * 4;
      if (vi2 >> 4 !== 4 || hl2 < IP_HDR.minSize) throw new IcmpParseError('ICMP error quotes a bad IP header');
      if (len < ip2 + hl2 + ICMP_HDR.size) throw new IcmpParseError('ICMP error too short for the quoted ICMP header');
      out.origDstOff = ip2 + IP_HDR.daddr;
      const q = ip2 + hl2;
      if (buf[ip2 + IP_HDR.protocol] !== IPPROTO_ICMP || buf[q] !== ICMP.ECHO) return (out.kind = Kind.OTHER);
      return quotedEcho(buf, q, len, out);
    }
    return (out.kind = Kind.OTHER);
}

/** An ICMP error that quotes one of our echo requests at `q`: its id and sequence, and the rest as data. */
function quotedEcho(buf: Uint8Array, q: number, len: number, out: ParsedPacket): KindValue {
  out.id = be16(buf, q + ICMP_HDR.id);
  out.seq = be16(buf, q + ICMP_HDR.seq);
  out.dataOff = q + ICMP_HDR.size;
  out.dataLen = len - out.dataOff;
  return (out.kind = Kind.ERROR);
}

export const inet6: IcmpFamily = {
  name: 'inet6',
  af: 10,
  proto: IPPROTO_ICMPV6,
  echoType: ICMPV6.ECHO_REQUEST,
  addrLen: 16,
  ipOverhead: 40,
  maxDatalen: MAX_DATALEN_V6,
  userChecksum: false,
  ttlOpt: { level: IPPROTO_IPV6, name: IPV6_UNICAST_HOPS },
  addrBytes: ipv6Bytes,
  formatAddr: formatIPv6,
  sockaddr: (a) => sockaddrIn6(a),
  buildEcho: (buf, off, id, seq) => writeEcho(buf, off, ICMPV6.ECHO_REQUEST, id, seq),
  parseReply(buf, len, out) {
    if (len > buf.length) throw new IcmpParseError(`length ${len} beyond the buffer (${buf.length})`);
    if (len < ICMP_HDR.size) throw new IcmpParseError(`ICMPv6 message of ${len} bytes is shorter than its header`);
    out.ttl = -1;
    out.icmpOff = 0;
    out.icmpLen = len;
    out.type = buf[0];
    out.code = buf[1];
    out.csumOk = true; // the kernel verifies ICMPv6 checksums before a raw socket sees them
    out.info = be32(buf, 4);
    if (out.type === ICMPV6.ECHO_REPLY) {
      out.id = be16(buf, ICMP_HDR.id);
      out.seq = be16(buf, ICMP_HDR.seq);
      out.dataOff = ICMP_HDR.size;
      out.dataLen = len - ICMP_HDR.size;
      return (out.kind = Kind.ECHO_REPLY);
    }
    if (out.type >= ICMPV6.DEST_UNREACH && out.type <= ICMPV6.PARAMPROB) {
      const ip2 = ICMP_HDR.size;
      if (len < ip2 + IP6_HDR.size + ICMP_HDR.size) throw new IcmpParseError('ICMPv6 error too short for the quoted packet');
      if (buf[ip2] >> 4 !== 6) throw new IcmpParseError('ICMPv6 error quotes a non-IPv6 packet');
      out.origDstOff = ip2 + IP6_HDR.daddr;
      const q = ip2 + IP6_HDR.size;
      if (buf[ip2 + IP6_HDR.nexthdr] !== IPPROTO_ICMPV6 || buf[q] !== ICMPV6.ECHO_REQUEST) return (out.kind = Kind.OTHER);
      return quotedEcho(buf, q, len, out);
    }
    return (out.kind = Kind.OTHER);
  },
  filter() {
    // struct icmp6_filter: 256 bits, bit set = blocked (ICMP6_FILTER_SETBLOCKALL then SETPASS)
    const value = Buffer.alloc(32, 0xff);
    for (const t of [ICMPV6.ECHO_REPLY, ICMPV6.DEST_UNREACH, ICMPV6.PKT_TOOBIG, ICMPV6.TIME_EXCEED, ICMPV6.PARAMPROB]) {
      value[t >> 3] &= ~(1 << (t & 7));
    }
    return { level: IPPROTO_ICMPV6, name: ICMP6_FILTER, value };
  },
  errorText: icmp6Text,
};

export const familyFor = (v: 4 | 6): IcmpFamily => (v === 4 ? inet : inet6);

/** The partial checksum of a whole echo template (used once per run). */
export const templatePartial = (buf: Uint8Array, off: number, len: number): number => csumPartial(buf, off, len);
