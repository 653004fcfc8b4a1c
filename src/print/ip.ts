// IPv4, as tcpdump's print-ip.c prints it (-n), and the transport demultiplexer that
// IPv4 and IPv6 share (ip_demux_print).
import { csumFinish, cksumShouldBe, ip4String, csumPartial } from './bytes.js';
import type { Ctx, IpInfo } from './context.js';
import { icmpPrint } from './icmp.js';
import { icmp6Print } from './icmp6.js';
import { tcpPrint } from './tcp.js';
import { udpPrint } from './udp.js';

// struct ip: vhl u8 @0, tos u8 @1, len u16 @2, id u16 @4, off u16 @6, ttl u8 @8, p u8 @9,
// sum u16 @10, src @12, dst @16; options up to hl*4.
export const IP = { VHL: 0, TOS: 1, LEN: 2, ID: 4, OFF: 6, TTL: 8, P: 9, SUM: 10, SRC: 12, DST: 16, HDRLEN: 20 } as const;
// #define IP_RF 0x8000, IP_DF 0x4000, IP_MF 0x2000, IP_OFFMASK 0x1fff
const IP_RF = 0x8000;
const IP_DF = 0x4000;
const IP_MF = 0x2000;
const IP_OFFMASK = 0x1fff;

// #define IPPROTO_*
export const IPPROTO = { HOPOPTS: 0, ICMP: 1, TCP: 6, UDP: 17, ROUTING: 43, FRAGMENT: 44, ICMPV6: 58, NONE: 59, DSTOPTS: 60, SCTP: 132, DCCP: 33 } as const;

// ipproto_values
const protoNames = new Map<number, string>([
  [0, 'Options'],
  [1, 'ICMP'],
  [2, 'IGMP'],
  [4, 'IPIP'],
  [6, 'TCP'],
  [8, 'EGP'],
  [9, 'IGRP'],
  [17, 'UDP'],
  [33, 'DCCP'],
  [41, 'IPv6'],
  [43, 'Routing'],
  [44, 'frag'],
  [46, 'RSVP'],
  [47, 'GRE'],
  [50, 'ESP'],
  [51, 'AH'],
  [58, 'ICMPv6'],
  [59, 'none'],
  [60, 'Destination'],
  [88, 'EIGRP'],
  [89, 'OSPF'],
  [103, 'PIM'],
  [112, 'VRRP'],
  [132, 'SCTP'],
  [135, 'Mobility'],
  [137, 'MPLS'],
]);
export const protoName = (p: number): string => protoNames.get(p) ?? 'unknown';

// ip_option_values
const optNames = new Map<number, string>([
  [0, 'EOL'],
  [1, 'NOP'],
  [7, 'RR'],
  [68, 'TS'],
  [130, 'SECURITY'],
  [131, 'LSRR'],
  [137, 'SSRR'],
  [148, 'RA'],
]);

/** ip_optprint: "NOP,NOP,EOL" …; returns false when an option is malformed. */
function ipOptions(ctx: Ctx, off: number, len: number): boolean {
  const { b } = ctx;
  let sep = '';
  while (len > 0) {
    const opt = b[off];
    ctx.p(sep + (optNames.get(opt) ?? `unknown (${opt})`));
    sep = ',';
    if (opt === 0 || opt === 1) {
      off++;
      len--;
      continue;
    }
    if (len < 2) return false;
    const olen = b[off + 1];
    if (olen < 2 || olen > len) {
      ctx.p(` [bad length ${olen}]`);
      return false;
    }
    if (opt === 148 && olen === 4) {
      const v = (b[off + 2] << 8) | b[off + 3];
      if (v !== 0) ctx.p(` value ${v}`);
    } else if (opt !== 148) {
      ctx.p(` {${olen}}`);
    }
    off += olen;
    len -= olen;
  }
  return true;
}

/** The pseudo-header sum for TCP/UDP/ICMPv6 checksums (IPv4 and IPv6). */
export function pseudoSum(ctx: Ctx, ip: IpInfo, proto: number, len: number): number {
  const alen = ip.version === 4 ? 4 : 16;
  let s = csumPartial(ctx.b, ip.src, alen) + csumPartial(ctx.b, ip.cksumDst ?? ip.dst, alen);
  s += proto;
  s += ip.version === 4 ? len : Math.floor(len / 0x10000) + (len & 0xffff);
  return s;
}

/** cksum of a transport segment at off/len with its pseudo-header; 0 means correct. */
export function transportCksum(ctx: Ctx, ip: IpInfo, proto: number, off: number, len: number): number {
  return csumFinish(csumPartial(ctx.b, off, len, pseudoSum(ctx, ip, proto, len)));
}

export { cksumShouldBe };

/** ip_demux_print: the transport after the IPv4 header (or after IPv6's extension headers). */
export function ipDemux(ctx: Ctx, proto: number, off: number, len: number, ip: IpInfo): void {
  switch (proto) {
    case IPPROTO.TCP:
      tcpPrint(ctx, off, len, ip);
      return;
    case IPPROTO.UDP:
      udpPrint(ctx, off, len, ip);
      return;
    case IPPROTO.ICMP:
      icmpPrint(ctx, off, len, ip);
      return;
    case IPPROTO.ICMPV6:
      icmp6Print(ctx, off, len, ip);
      return;
    default:
      ctx.p(` ip-proto-${proto} ${len}`);
  }
}

/** `IP [(-v fields)] src > dst: payload`; `length` is what the link layer saw. */
export function ipPrint(ctx: Ctx, off: number, length: number): void {
  const { bytes, b } = ctx;
  if (!ctx.e) ctx.p('IP ');
  // tcpdump 4.99 checks the whole fixed header first: a frame cut inside it prints nothing more
  if (!bytes.has(off, IP.HDRLEN)) {
    ctx.p(' [|ip]');
    return;
  }
  const vhl = b[off];
  if (vhl >> 4 !== 4) {
    ctx.p(`IP${vhl >> 4} `);
    if (vhl >> 4 === 6) ctx.p(', wrong link-layer encapsulation');
    ctx.p(' [|ip]');
    return;
  }
  if (length < IP.HDRLEN) {
    ctx.p(`truncated-ip ${length}`);
    return;
  }
  const hlen = (vhl & 0xf) * 4;
  if (hlen < IP.HDRLEN) {
    ctx.p(`bad-hlen ${hlen}`);
    return;
  }
  // tcpdump 4.99.3 (the one Debian 12 installs): a total length beyond the frame is said, and
  // the payload is then printed with the length the header claims (4.99.4 prints it as
  // "[total length N > length M] (invalid)" instead, and stops after -v's fields)
  const len = bytes.u16(off + IP.LEN, 'ip');
  if (len > length) ctx.p(`truncated-ip - ${len - length} bytes missing! `);
  if (len < hlen) {
    ctx.p(`bad-len ${len}`);
    return;
  }
  const offField = bytes.u16(off + IP.OFF, 'ip');
  const proto = bytes.u8(off + IP.P, 'ip');
  const tos = bytes.u8(off + IP.TOS, 'ip');
  const ttl = bytes.u8(off + IP.TTL, 'ip');
  if (ctx.v) {
    ctx.p(`(tos 0x${tos.toString(16)}`);
    const ecn = tos & 3;
    if (ecn === 1) ctx.p(',ECT(1)');
    else if (ecn === 2) ctx.p(',ECT(0)');
    else if (ecn === 3) ctx.p(',CE');
    if (ttl >= 1) ctx.p(`, ttl ${ttl}`);
    const fl: string[] = [];
    if (offField & IP_MF) fl.push('+');
    if (offField & IP_DF) fl.push('DF');
    if (offField & IP_RF) fl.push('rsvd');
    ctx.p(`, id ${bytes.u16(off + IP.ID, 'ip')}, offset ${(offField & IP_OFFMASK) * 8}, flags [${fl.length ? fl.join(', ') : 'none'}], proto ${protoName(proto)} (${proto})`);
    ctx.p(`, length ${bytes.u16(off + IP.LEN, 'ip')}`);
    if (hlen > IP.HDRLEN) {
      ctx.p(', options (');
      bytes.need(off + IP.HDRLEN, hlen - IP.HDRLEN, 'ip');
      if (!ipOptions(ctx, off + IP.HDRLEN, hlen - IP.HDRLEN)) {
        ctx.p(' [truncated-option]');
        ctx.p(' [|ip]');
        return;
      }
      ctx.p(')');
    }
    if (bytes.has(off, hlen)) {
      const sum = csumFinish(csumPartial(b, off, hlen));
      if (sum !== 0) {
        const ipSum = bytes.u16(off + IP.SUM, 'ip');
        ctx.p(`, bad cksum ${ipSum.toString(16)} (->${cksumShouldBe(ipSum, sum).toString(16)})!`);
      }
    }
    ctx.p(')\n    ');
  }
  bytes.need(off, IP.HDRLEN, 'ip');
  const info: IpInfo = { version: 4, hdr: off, src: off + IP.SRC, dst: off + IP.DST, fragmented: (offField & (IP_MF | IP_OFFMASK)) !== 0 };
  const srcDst = `${ip4String(b, off + IP.SRC)} > ${ip4String(b, off + IP.DST)}:`;
  if ((offField & IP_OFFMASK) === 0) {
    if (proto !== IPPROTO.TCP && proto !== IPPROTO.UDP && proto !== IPPROTO.SCTP && proto !== IPPROTO.DCCP) ctx.p(srcDst + ' ');
    ipDemux(ctx, proto, off + hlen, len - hlen, info);
  } else {
    ctx.p(`${srcDst} ip-proto-${proto}`);
  }
}
