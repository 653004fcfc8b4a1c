// UDP, as tcpdump's print-udp.c prints it (-n): DNS on port 53 (dns.ts), and for ports it has
// no dissector for `src.port > dst.port: UDP, length N`. (tcpdump decodes DHCP, NTP, mDNS…
// on their well-known ports too; vping prints those as plain UDP.)
import { ip4String, ip6String } from './bytes.js';
import type { Ctx, IpInfo } from './context.js';
import { cksumShouldBe, transportCksum } from './ip.js';
import { dnsPrint } from './dns.js';

// struct udphdr: sport u16 @0, dport u16 @2, ulen u16 @4, sum u16 @6
const UDP = { SPORT: 0, DPORT: 2, ULEN: 4, SUM: 6, HDRLEN: 8 } as const;

export function addrPort(ctx: Ctx, ip: IpInfo, sport: number, dport: number): string {
  const a = ip.version === 4 ? ip4String : ip6String;
  return `${a(ctx.b, ip.src)}.${sport} > ${a(ctx.b, ip.dst)}.${dport}: `;
}

export function udpPrint(ctx: Ctx, off: number, length: number, ip: IpInfo): void {
  const { bytes } = ctx;
  if (length < UDP.HDRLEN) {
    ctx.p(`${ip.version === 4 ? ip4String(ctx.b, ip.src) : ip6String(ctx.b, ip.src)} > ${ip.version === 4 ? ip4String(ctx.b, ip.dst) : ip6String(ctx.b, ip.dst)}: `);
    ctx.p(`undersized-udp ${length}`);
    return;
  }
  const sport = bytes.u16(off + UDP.SPORT, 'udp');
  const dport = bytes.u16(off + UDP.DPORT, 'udp');
  let ulen = bytes.u16(off + UDP.ULEN, 'udp');
  if (ulen === 0 && length > 65535) ulen = length;
  if (ulen < UDP.HDRLEN) {
    ctx.p(addrPort(ctx, ip, sport, dport));
    ctx.p(`truncated-udplength ${ulen}`);
    return;
  }
  ulen -= UDP.HDRLEN;
  length -= UDP.HDRLEN;
  if (ulen < length) length = ulen;
  ctx.p(addrPort(ctx, ip, sport, dport));
  const whole = ulen + UDP.HDRLEN;
  // -v checksums: IPv6 always, IPv4 from -vv (tcpdump's rule)
  if (ctx.v && !ip.fragmented && (ip.version === 6 || ctx.v > 1)) {
    const udpSum = bytes.u16(off + UDP.SUM, 'udp');
    if (udpSum === 0 && ip.version === 4) ctx.p('[no cksum] ');
    else if (bytes.has(off, whole)) {
      const sum = transportCksum(ctx, ip, 17, off, whole);
      if (sum !== 0) ctx.p(`[bad udp cksum 0x${udpSum.toString(16).padStart(4, '0')} -> 0x${cksumShouldBe(udpSum, sum).toString(16).padStart(4, '0')}!] `);
      else ctx.p('[udp sum ok] ');
    }
  }
  if (sport === 53 || dport === 53) {
    dnsPrint(ctx, off + UDP.HDRLEN, length);
    return;
  }
  ctx.p(`UDP, length ${ulen}`);
}
