// ICMPv6, as tcpdump's print-icmp6.c prints it (-n): echo, neighbour discovery (with
// options under -v), destination unreachable, packet too big, time exceeded, MLDv2.
import { ip6String, macString } from './bytes.js';
import type { Ctx, IpInfo } from './context.js';
import { hexOnly } from './hexdump.js';
import { cksumShouldBe, transportCksum } from './ip.js';

// struct icmp6_hdr: type u8 @0, code u8 @1, cksum u16 @2, data @4 (id u16 @4, seq u16 @6)
const ICMP6 = { TYPE: 0, CODE: 1, CKSUM: 2, ID: 4, SEQ: 6, DATA: 8 } as const;

// icmp6_type_values
const typeNames = new Map<number, string>([
  [1, 'destination unreachable'],
  [2, 'packet too big'],
  [3, 'time exceeded in-transit'],
  [4, 'parameter problem'],
  [128, 'echo request'],
  [129, 'echo reply'],
  [130, 'multicast listener query'],
  [131, 'multicast listener report'],
  [132, 'multicast listener done'],
  [133, 'router solicitation'],
  [134, 'router advertisement'],
  [135, 'neighbor solicitation'],
  [136, 'neighbor advertisement'],
  [137, 'redirect'],
  [138, 'router renumbering'],
  [139, 'who-are-you request'],
  [140, 'who-are-you reply'],
  [141, 'inverse neighbor solicitation'],
  [142, 'inverse neighbor advertisement'],
  [143, 'multicast listener report v2'],
  [144, 'ha discovery request'],
  [145, 'ha discovery reply'],
  [146, 'mobile router solicitation'],
  [147, 'mobile router advertisement'],
  [148, 'certification path solicitation'],
  [149, 'certification path advertisement'],
  [151, 'multicast router advertisement'],
  [152, 'multicast router solicitation'],
  [153, 'multicast router termination'],
]);
// icmp6_dst_unreach_code_values (the leading space of "unreachable prohibited" is tcpdump's)
const unreachCodes = new Map<number, string>([
  [0, 'unreachable route'],
  [1, ' unreachable prohibited'],
  [2, 'beyond scope'],
  [3, 'unreachable address'],
  [4, 'unreachable port'],
]);
// icmp6_opt_values
const ndOptNames = new Map<number, string>([
  [1, 'source link-address'],
  [2, 'destination link-address'],
  [3, 'prefix info'],
  [4, 'redirected header'],
  [5, 'mtu'],
  [7, 'advertisement interval'],
  [8, 'homeagent information'],
  [24, 'route info'],
  [25, 'rdnss'],
  [31, 'dnssl'],
]);
// mldv2report2str
const mldRecTypes = new Map<number, string>([
  [1, 'is_in'],
  [2, 'is_ex'],
  [3, 'to_in'],
  [4, 'to_ex'],
  [5, 'allow'],
  [6, 'block'],
]);

/** icmp6_opt_print: one `\n\t  name option (t), length L (n): value` per option. */
function ndOptions(ctx: Ctx, off: number, len: number): void {
  const { bytes, b } = ctx;
  while (len > 0) {
    if (!bytes.has(off, 2)) throw new Truncated6();
    const t = b[off];
    const n = b[off + 1];
    const ol = n * 8;
    if (ol === 0 || ol > len) {
      ctx.p(' [|icmp6]');
      return;
    }
    ctx.p(`\n\t  ${ndOptNames.get(t) ?? 'unknown'} option (${t}), length ${ol} (${n}): `);
    bytes.need(off, ol, 'icmp6');
    if ((t === 1 || t === 2) && ol >= 8) ctx.p(macString(b, off + 2, ol - 2));
    else if (t === 5 && ol === 8) ctx.p(` ${(((b[off + 4] << 24) | (b[off + 5] << 16) | (b[off + 6] << 8) | b[off + 7]) >>> 0)}`);
    else ctx.p(hexOnly(b, off + 2, ol - 2, '\n\t  '));
    off += ol;
    len -= ol;
  }
}
class Truncated6 {}

/** get_upperlayer: the quoted packet's transport header, skipping extension headers. */
function quotedUpper(ctx: Ctx, q: number): { proto: number; off: number } | null {
  const { bytes, b } = ctx;
  if (!bytes.has(q, 40)) return null;
  let nh = b[q + 6];
  let cp = q + 40;
  for (let i = 0; i < 8; i++) {
    if (nh === 6 || nh === 17) return bytes.has(cp, 4) ? { proto: nh, off: cp } : null;
    if (nh === 0 || nh === 60 || nh === 43) {
      if (!bytes.has(cp, 2)) return null;
      nh = b[cp];
      cp += (b[cp + 1] + 1) * 8;
    } else if (nh === 44) {
      if (!bytes.has(cp, 8)) return null;
      if (((b[cp + 2] << 8) | b[cp + 3]) & 0xfff8) return null;
      nh = b[cp];
      cp += 8;
    } else return { proto: nh, off: cp };
  }
  return null;
}

export function icmp6Print(ctx: Ctx, off: number, length: number, ip: IpInfo): void {
  const { bytes, b } = ctx;
  const type = bytes.u8(off + ICMP6.TYPE, 'icmp6');
  const code = bytes.u8(off + ICMP6.CODE, 'icmp6');
  if (ctx.v && !ip.fragmented && bytes.has(off, length)) {
    const sum = transportCksum(ctx, ip, 58, off, length);
    const s = bytes.u16(off + ICMP6.CKSUM, 'icmp6');
    if (sum !== 0) ctx.p(`[bad icmp6 cksum 0x${s.toString(16).padStart(4, '0')} -> 0x${cksumShouldBe(s, sum).toString(16).padStart(4, '0')}!] `);
    else ctx.p('[icmp6 sum ok] ');
  }
  ctx.p(`ICMP6, ${typeNames.get(type) ?? `unknown icmp6 type (${type})`}`);
  if (ctx.v && (type === 133 || type === 134 || type === 135 || type === 136 || type === 137 || type === 145 || type === 147)) ctx.p(`, length ${length}`);
  const q = off + 8;
  try {
    switch (type) {
      case 1: {
        ctx.p(`, ${unreachCodes.get(code) ?? `unknown unreach code (${code})`}`);
        if (code === 0 || code === 1 || code === 3) {
          bytes.need(q, 40, 'icmp6');
          ctx.p(` ${ip6String(b, q + 24)}`);
        } else if (code === 2) {
          bytes.need(q, 40, 'icmp6');
          ctx.p(` ${ip6String(b, q + 24)}, source address ${ip6String(b, q + 8)}`);
        } else if (code === 4) {
          const up = quotedUpper(ctx, q);
          if (!up) {
            ctx.p(' [|icmp6]');
            return;
          }
          const dport = bytes.u16(up.off + 2, 'icmp6');
          const dst = ip6String(b, q + 24);
          if (up.proto === 6) ctx.p(`, ${dst} tcp port ${dport}`);
          else if (up.proto === 17) ctx.p(`, ${dst} udp port ${dport}`);
          else ctx.p(`, ${dst} protocol ${up.proto} port ${dport} unreachable`);
        }
        break;
      }
      case 2:
        ctx.p(`, mtu ${bytes.u32(off + 4, 'icmp6')}`);
        break;
      case 3:
        // only "in-transit" reads the quoted header (its destination)
        if (code === 0) {
          bytes.need(q + 24, 16, 'icmp6');
          ctx.p(` for ${ip6String(b, q + 24)}`);
        }
        else if (code === 1) ctx.p(' (reassembly)');
        else ctx.p(`, unknown code (${code})`);
        break;
      case 4:
        bytes.need(q, 40, 'icmp6');
        if (code === 0) ctx.p(`, errorneous - octet ${bytes.u32(off + 4, 'icmp6')}`);
        else if (code === 1) ctx.p(`, next header - octet ${bytes.u32(off + 4, 'icmp6')}`);
        else if (code === 2) ctx.p(`, option - octet ${bytes.u32(off + 4, 'icmp6')}`);
        else ctx.p(`, code-#${code}`);
        break;
      case 128:
      case 129:
        ctx.p(`, id ${bytes.u16(off + ICMP6.ID, 'icmp6')}, seq ${bytes.u16(off + ICMP6.SEQ, 'icmp6')}`);
        break;
      case 133:
        if (ctx.v) ndOptions(ctx, off + 8, length - 8);
        break;
      case 135:
        bytes.need(off + 8, 16, 'icmp6');
        ctx.p(`, who has ${ip6String(b, off + 8)}`);
        if (ctx.v) ndOptions(ctx, off + 24, length - 24);
        break;
      case 136: {
        bytes.need(off + 8, 16, 'icmp6');
        ctx.p(`, tgt is ${ip6String(b, off + 8)}`);
        if (ctx.v) {
          const f = bytes.u32(off + 4, 'icmp6');
          const names: string[] = [];
          if (f & 0x80000000) names.push('router');
          if (f & 0x40000000) names.push('solicited');
          if (f & 0x20000000) names.push('override');
          ctx.p(`, Flags [${names.length ? names.join(', ') : 'none'}]`);
          ndOptions(ctx, off + 24, length - 24);
        }
        break;
      }
      case 143: {
        if (length < 8) {
          ctx.p(` [invalid len ${length}]`);
          return;
        }
        const n = bytes.u16(off + 6, 'icmp6');
        ctx.p(`, ${n} group record(s)`);
        if (ctx.v) {
          let g = 8;
          for (let i = 0; i < n; i++) {
            if (length < g + 20) {
              ctx.p(' [invalid number of groups]');
              return;
            }
            bytes.need(off + g, 20, 'icmp6');
            ctx.p(` [gaddr ${ip6String(b, off + g + 4)}`);
            const rt = b[off + g];
            ctx.p(` ${mldRecTypes.get(rt) ?? ` [v2-report-#${rt}]`}`);
            const ns = (b[off + g + 2] << 8) | b[off + g + 3];
            if (length < g + 20 + ns * 16) {
              ctx.p(` [invalid number of sources ${ns}]`);
              return;
            }
            if (ctx.v === 1) ctx.p(`, ${ns} source(s)`);
            else {
              ctx.p(' {');
              for (let j = 0; j < ns; j++) {
                bytes.need(off + g + 20 + j * 16, 16, 'icmp6');
                ctx.p(` ${ip6String(b, off + g + 20 + j * 16)}`);
              }
              ctx.p(' }');
            }
            ctx.p(']');
            g += 20 + ns * 16;
          }
        }
        break;
      }
      case 130:
        // a query's version is its length: 24 is MLDv1, 28 and more MLDv2
        if (length === 24) mld6Print(ctx, off);
        else if (length >= 28) {
          ctx.p(' v2');
          mldv2QueryPrint(ctx, off, length);
        } else ctx.p(` unknown-version (len ${length}) `);
        break;
      case 131:
      case 132:
        mld6Print(ctx, off);
        break;
      case 134:
      case 137:
        break;
      default:
        ctx.p(`, length ${length}`);
        return;
    }
  } catch (e) {
    if (e instanceof Truncated6) {
      ctx.p(' [|icmp6]');
      return;
    }
    throw e;
  }
  if (!ctx.v) ctx.p(`, length ${length}`);
}

/** MLDv1 (query, report, done) as tcpdump's mld6_print: nothing when the address is cut off. */
function mld6Print(ctx: Ctx, off: number): void {
  if (!ctx.bytes.has(off, 24)) return;
  ctx.p(`max resp delay: ${ctx.bytes.u16(off + 4, 'icmp6')} addr: ${ip6String(ctx.b, off + 8)}`);
}

/** An MLDv2 query as tcpdump's mldv2_query_print: the group; -v the timers, -vv the sources. */
function mldv2QueryPrint(ctx: Ctx, off: number, len: number): void {
  const { bytes, b } = ctx;
  const mrc = bytes.u16(off + 4, 'icmp6');
  // codes from 32768 on are floating point: mantissa 12 bits, exponent 3 (RFC 3810 5.1.3)
  const mrt = mrc < 32768 ? mrc : ((mrc & 0x0fff) | 0x1000) * 2 ** (((mrc & 0x7000) >> 12) + 3);
  if (ctx.v) ctx.p(` [max resp delay=${mrt}]`);
  bytes.need(off + 8, 16, 'icmp6');
  ctx.p(` [gaddr ${ip6String(b, off + 8)}`);
  if (ctx.v) {
    const f = bytes.u8(off + 24, 'icmp6');
    if (f & 0x08) ctx.p(' sflag');
    if (f & 0x07) ctx.p(` robustness=${f & 0x07}`);
    const c = bytes.u8(off + 25, 'icmp6');
    ctx.p(` qqi=${c < 128 ? c : ((c & 0x0f) | 0x10) * 2 ** (((c & 0x70) >> 4) + 3)}`);
  }
  const nsrcs = bytes.u16(off + 26, 'icmp6');
  if (nsrcs > 0) {
    if (len < 28 + nsrcs * 16) ctx.p(' [invalid number of sources]');
    else if (ctx.v > 1) {
      ctx.p(' {');
      for (let i = 0; i < nsrcs; i++) {
        bytes.need(off + 28 + i * 16, 16, 'icmp6');
        ctx.p(` ${ip6String(b, off + 28 + i * 16)}`);
      }
      ctx.p(' }');
    } else ctx.p(`, ${nsrcs} source(s)`);
  }
  ctx.p(']');
}
