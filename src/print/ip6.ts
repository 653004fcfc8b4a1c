// IPv6 and its extension headers (hop-by-hop, destination, routing, fragment), as
// tcpdump's print-ip6.c / print-ip6opts.c / print-frag6.c print them (-n).
import { ip6String } from './bytes.js';
import type { Ctx, IpInfo } from './context.js';
import { IPPROTO, ipDemux, protoName } from './ip.js';

// struct ip6_hdr: flow u32 @0 (version 4 bits, class 8, label 20), plen u16 @4, nxt u8 @6,
// hlim u8 @7, src @8, dst @24
const IP6 = { FLOW: 0, PLEN: 4, NXT: 6, HLIM: 7, SRC: 8, DST: 24, HDRLEN: 40 } as const;

/** hbhopt_print / dstopt_print with -v: `(rtalert: 0x0000) (padn) `. */
function optsPrint(ctx: Ctx, off: number, len: number): void {
  const { b } = ctx;
  let i = 0;
  while (i < len) {
    const t = b[off + i];
    if (t === 0) {
      ctx.p('(pad1)');
      i++;
      continue;
    }
    if (i + 1 >= len) {
      ctx.p('[trunc]');
      return;
    }
    const ol = b[off + i + 1] + 2;
    if (i + ol > len) {
      ctx.p('[trunc]');
      return;
    }
    if (t === 1) ctx.p('(padn)');
    else if (t === 5 && ol === 4) ctx.p(`(rtalert: 0x${((b[off + i + 2] << 8) | b[off + i + 3]).toString(16).padStart(4, '0')}) `);
    else if (t === 0xc2 && ol === 6) ctx.p(`(jumbo: ${((b[off + i + 2] << 24) | (b[off + i + 3] << 16) | (b[off + i + 4] << 8) | b[off + i + 5]) >>> 0}) `);
    else ctx.p(`(opt_type 0x${t.toString(16).padStart(2, '0')}: len=${ol - 2})`);
    i += ol;
  }
}

export function ip6Print(ctx: Ctx, off: number, length: number): void {
  const { bytes, b } = ctx;
  // tcpdump 4.99.3 checks the whole fixed header before it prints its name
  if (!bytes.has(off, IP6.HDRLEN)) {
    ctx.p(' [|ip6]');
    return;
  }
  if (!ctx.e) ctx.p('IP6 ');
  if (b[off] >> 4 !== 6) {
    ctx.p(`version error: ${b[off] >> 4} != 6`);
    return;
  }
  if (length < IP6.HDRLEN) {
    ctx.p(`truncated-ip6 ${length}`);
    return;
  }
  const flow = bytes.u32(off + IP6.FLOW, 'ip6');
  const plen = bytes.u16(off + IP6.PLEN, 'ip6');
  let nh = bytes.u8(off + IP6.NXT, 'ip6');
  const hlim = bytes.u8(off + IP6.HLIM, 'ip6');
  bytes.need(off, IP6.HDRLEN, 'ip6');
  const payloadLen = plen;
  let len: number;
  if (payloadLen !== 0) {
    len = payloadLen + IP6.HDRLEN;
    if (length < len) ctx.p(`truncated-ip6 - ${len - length} bytes missing!`);
  } else len = length;
  if (ctx.v) {
    ctx.p('(');
    if (flow & 0x0ff00000) ctx.p(`class 0x${((flow >>> 20) & 0xff).toString(16).padStart(2, '0')}, `);
    if (flow & 0x000fffff) ctx.p(`flowlabel 0x${(flow & 0xfffff).toString(16).padStart(5, '0')}, `);
    ctx.p(`hlim ${hlim}, next-header ${protoName(nh)} (${nh}) payload length: ${payloadLen}) `);
  }
  // as tcpdump 4.99.3: past a "bytes missing" the payload keeps the length its header claims
  const info: IpInfo = { version: 6, hdr: off, src: off + IP6.SRC, dst: off + IP6.DST, fragmented: false };
  let cp = off + IP6.HDRLEN;
  let left = len - IP6.HDRLEN;
  let first = true;
  while (true) {
    if (first) {
      if (nh !== IPPROTO.TCP && nh !== IPPROTO.UDP && nh !== IPPROTO.DCCP && nh !== IPPROTO.SCTP) {
        ctx.p(`${ip6String(b, off + IP6.SRC)} > ${ip6String(b, off + IP6.DST)}: `);
      }
      first = false;
    }
    switch (nh) {
      case IPPROTO.HOPOPTS:
      case IPPROTO.DSTOPTS: {
        const hl = (bytes.u8(cp + 1, nh === 0 ? 'hbhopt' : 'dstopt') + 1) * 8;
        bytes.need(cp, hl, nh === 0 ? 'hbhopt' : 'dstopt');
        ctx.p(nh === 0 ? 'HBH ' : 'DSTOPT ');
        if (ctx.v) optsPrint(ctx, cp + 2, hl - 2);
        if (ctx.v && !ctx.s.endsWith(' ')) ctx.p(' ');
        nh = b[cp];
        cp += hl;
        left -= hl;
        continue;
      }
      case IPPROTO.FRAGMENT: {
        bytes.need(cp, 8, 'frag6');
        const offlg = (b[cp + 2] << 8) | b[cp + 3];
        const id = bytes.u32(cp + 4, 'frag6');
        const fo = offlg & 0xfff8;
        if (ctx.v) ctx.p(`frag (0x${id.toString(16).padStart(8, '0')}:${fo}|${left - 8})`);
        else ctx.p(`frag (${fo}|${left - 8})`);
        info.fragmented = true;
        nh = b[cp];
        cp += 8;
        left -= 8;
        if (fo !== 0) {
          ctx.p(' ');
          return;
        }
        ctx.p(' ');
        continue;
      }
      case IPPROTO.ROUTING: {
        const hl = rt6Print(ctx, cp, info);
        if (hl < 0) return;
        nh = b[cp];
        cp += hl;
        left -= hl;
        continue;
      }
      case IPPROTO.NONE:
        ctx.p('no next header');
        return;
      default:
        if (left < 0) {
          ctx.p(' [|ip6]');
          return;
        }
        ipDemux(ctx, nh, cp, left, info);
        return;
    }
  }
}

/**
 * The routing header as tcpdump 4.99.3's rt6_print: `RT6 (len=L, type=T, segleft=S, …) `
 * with the addresses of type 0 (deprecated) and 2 (Mobile IPv6) and type 4's segment list
 * (segment routing); any other type, or an odd length for 0/2, is invalid and ends the line.
 * The final destination (the last address of 0/2, the first segment of 4) goes into the
 * pseudo-header of the transport checksum, as tcpdump's ip6_finddst. Returns the header's
 * length, or -1.
 */
function rt6Print(ctx: Ctx, cp: number, info: IpInfo): number {
  const { bytes, b } = ctx;
  ctx.p('RT6');
  let len = bytes.u8(cp + 1, 'rt6');
  const type = bytes.u8(cp + 2, 'rt6');
  ctx.p(` (len=${len}, type=${type}${type === 0 ? ' [Deprecated]' : ''}, segleft=${bytes.u8(cp + 3, 'rt6')}`);
  if (type === 0 || type === 2) {
    const rsv = bytes.u32(cp + 4, 'rt6');
    if (rsv || ctx.v) ctx.p(`, rsv=0x${rsv.toString(16)}`);
    if (len % 2 === 1) {
      ctx.p(` (invalid length ${len}) (invalid)`);
      return -1;
    }
    len >>= 1;
    for (let i = 0; i < len; i++) {
      bytes.need(cp + 8 + 16 * i, 16, 'rt6');
      ctx.p(`, [${i}]${ip6String(b, cp + 8 + 16 * i)}`);
      info.cksumDst = cp + 8 + 16 * i;
    }
  } else if (type === 4) {
    const last = bytes.u8(cp + 4, 'rt6');
    ctx.p(`, last-entry=${last}`);
    const flags = bytes.u8(cp + 5, 'rt6');
    if (flags || ctx.v) ctx.p(`, flags=0x${flags.toString(16)}`);
    ctx.p(`, tag=${bytes.u16(cp + 6, 'rt6').toString(16)}`);
    for (let i = 0; i < last + 1; i++) {
      bytes.need(cp + 8 + 16 * i, 16, 'rt6');
      ctx.p(`, [${i}]${ip6String(b, cp + 8 + 16 * i)}`);
    }
    if (last + 1 > 0) info.cksumDst = cp + 8;
  } else {
    ctx.p(' (unknown type) (invalid)');
    return -1;
  }
  ctx.p(') ');
  return (b[cp + 1] + 1) * 8;
}
