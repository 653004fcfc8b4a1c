// DNS on port 53, as tcpdump 4.99.3's print-domain.c prints it: a query as
// `ID[+%] [Nq] [Na] [Nn] [Nau] TYPE? NAME. (LEN)`, a response as
// `ID[ op][ rcode][*][-][|][$] [Nq] AN/NS/AR RR, RR… (LEN)` with each answer's type and data
// (A, AAAA, NS, CNAME, PTR, DNAME, MX, TXT, SRV, OPT; SOA under -v; others by type alone); -v
// puts the owner name before each answer, -vv prints the question of a response and the other
// sections, -vvv the TTLs. Names follow compression pointers, each pointing before the last
// (`<BAD PTR>` otherwise), and a fault ends the line as tcpdump ends it: ` [|domain]`.
import { ip4String, ip6String } from './bytes.js';
import type { Ctx } from './context.js';

const HDR = 12;

const TYPES = new Map<number, string>([
  [1, 'A'], [2, 'NS'], [3, 'MD'], [4, 'MF'], [5, 'CNAME'], [6, 'SOA'], [7, 'MB'], [8, 'MG'], [9, 'MR'], [10, 'NULL'],
  [11, 'WKS'], [12, 'PTR'], [13, 'HINFO'], [14, 'MINFO'], [15, 'MX'], [16, 'TXT'], [17, 'RP'], [18, 'AFSDB'], [19, 'X25'],
  [20, 'ISDN'], [21, 'RT'], [22, 'NSAP'], [23, 'NSAP_PTR'], [24, 'SIG'], [25, 'KEY'], [26, 'PX'], [27, 'GPOS'], [28, 'AAAA'],
  [29, 'LOC'], [30, 'NXT'], [31, 'EID'], [32, 'NIMLOC'], [33, 'SRV'], [34, 'ATMA'], [35, 'NAPTR'], [36, 'KX'], [37, 'CERT'],
  [38, 'A6'], [39, 'DNAME'], [40, 'SINK'], [41, 'OPT'], [42, 'APL'], [43, 'DS'], [44, 'SSHFP'], [45, 'IPSECKEY'], [46, 'RRSIG'],
  [47, 'NSEC'], [48, 'DNSKEY'], [49, 'DHCID'], [50, 'NSEC3'], [51, 'NSEC3PARAM'], [52, 'TLSA'], [53, 'SMIMEA'], [55, 'HIP'],
  [56, 'NINFO'], [57, 'RKEY'], [58, 'TALINK'], [59, 'CDS'], [60, 'CDNSKEY'], [61, 'OPENPGPKEY'], [62, 'CSYNC'], [63, 'ZONEMD'],
  [64, 'SVCB'], [65, 'HTTPS'], [99, 'SPF'], [100, 'UINFO'], [101, 'UID'], [102, 'GID'], [103, 'UNSPEC'], [104, 'NID'],
  [105, 'L32'], [106, 'L64'], [107, 'LP'], [108, 'EUI48'], [109, 'EUI64'], [249, 'TKEY'], [250, 'TSIG'], [251, 'IXFR'],
  [252, 'AXFR'], [253, 'MAILB'], [254, 'MAILA'], [255, 'ANY'], [256, 'URI'], [257, 'CAA'], [258, 'AVC'], [259, 'DOA'],
  [260, 'AMTRELAY'], [32768, 'TA'], [32769, 'DLV'],
]);
const CLASSES = new Map<number, string>([[1, 'IN'], [3, 'CHAOS'], [4, 'HS'], [255, 'ANY']]);
const OPS = ['', ' inv_q', ' stat', ' op3', ' notify', ' update', ' op6', ' op7', ' op8', ' updateA', ' updateD', ' updateDA', ' updateM', ' updateMA', ' zoneInit', ' zoneRef'];
const RCODES = ['', ' FormErr', ' ServFail', ' NXDomain', ' NotImp', ' Refused', ' YXDomain', ' YXRRSet', ' NXRRSet', ' NotAuth', ' NotZone', ' Resp11', ' Resp12', ' Resp13', ' Resp14', ' NoChange', ' BadVers', ' Resp17', ' Resp18', ' Resp19', ' Resp20', ' Resp21', ' Resp22', ' BadCookie'];

const typeName = (t: number): string => TYPES.get(t) ?? `Type${t}`;
const className = (c: number): string => CLASSES.get(c) ?? `(Class ${c})`;

/** The message ends the line here (a name or record cut off, a bad pointer), after `printed`. */
class Cut extends Error {
  constructor(readonly printed = '') {
    super('cut');
  }
}

/** One byte of a label or string as tcpdump's fn_print_char: `M-` above ASCII, `^X` for controls. */
function printChar(c: number): string {
  let s = '';
  if (c > 0x7f) {
    c &= 0x7f;
    s = 'M-';
  }
  if (c < 0x20 || c === 0x7f) return `${s}^${String.fromCharCode(c ^ 0x40)}`;
  return s + String.fromCharCode(c);
}

/** A view of one DNS message inside the frame: offsets are relative to its start. */
class Msg {
  constructor(readonly b: Uint8Array, readonly base: number, readonly end: number) {}
  has(o: number, n: number): boolean {
    return o >= 0 && this.base + o + n <= this.end;
  }
  u8(o: number): number {
    if (!this.has(o, 1)) throw new Cut();
    return this.b[this.base + o];
  }
  u16(o: number): number {
    return (this.u8(o) << 8) | this.u8(o + 1);
  }
  u32(o: number): number {
    return this.u16(o) * 65536 + this.u16(o + 2);
  }
  /** The offset just past the name at o (a pointer ends it), as ns_nskip. */
  skipName(o: number): number {
    for (;;) {
      const l = this.u8(o);
      if ((l & 0xc0) === 0xc0) return o + 2;
      if ((l & 0xc0) !== 0) throw new Cut(); // EDNS0 extended labels: tcpdump stops too
      o += 1 + l;
      if (l === 0) return o;
    }
  }
  /**
   * The name at o as tcpdump's fqdn_print writes it (`a.b.`, `.` for the root), and where it
   * ends. Each pointer must point before the last one followed (`<BAD PTR>` otherwise); what
   * was printed before a fault goes with the Cut.
   */
  name(o: number): { text: string; next: number } {
    let text = '';
    let next = -1;
    let max = o;
    for (;;) {
      if (!this.has(o, 1)) throw new Cut(text);
      const l = this.b[this.base + o];
      if ((l & 0xc0) === 0xc0) {
        if (!this.has(o + 1, 1)) throw new Cut(text);
        if (next < 0) next = o + 2;
        const to = ((l & 0x3f) << 8) | this.b[this.base + o + 1];
        if (to >= max) throw new Cut(`${text}<BAD PTR>`);
        max = to;
        o = to;
        continue;
      }
      if ((l & 0xc0) !== 0) throw new Cut(text);
      if (l === 0) {
        if (next < 0) next = o + 1;
        return { text: text || '.', next };
      }
      if (!this.has(o + 1, l)) throw new Cut(text);
      for (let i = 0; i < l; i++) text += printChar(this.b[this.base + o + 1 + i]);
      text += '.';
      o += 1 + l;
    }
  }
}

/** ` TYPE[ CLASS]? NAME`, as ns_qprint; returns the offset past the question. */
function question(ctx: Ctx, m: Msg, o: number): number {
  const after = m.skipName(o);
  if (!m.has(after, 4)) throw new Cut();
  ctx.p(` ${typeName(m.u16(after))}`);
  const cls = m.u16(after + 2);
  if (cls !== 1) ctx.p(` ${className(cls)}`);
  ctx.p('? ');
  ctx.p(m.name(o).text);
  return after + 4;
}

/** `[ NAME] TYPE DATA`, as ns_rprint; returns the offset past the record. */
function record(ctx: Ctx, m: Msg, o: number): number {
  let p: number;
  if (ctx.v) {
    const n = m.name(o);
    ctx.p(` ${n.text}`);
    p = n.next;
  } else p = m.skipName(o);
  if (!m.has(p, 10)) throw new Cut();
  const typ = m.u16(p);
  const cls = m.u16(p + 2);
  if (cls !== 1 && typ !== 41) ctx.p(` ${className(cls)}`);
  let optFlags = 0;
  if (typ === 41) optFlags = m.u16(p + 6);
  else if (ctx.v > 2) ctx.p(` [${relts(m.u32(p + 4))}]`);
  const len = m.u16(p + 8);
  const d = p + 10;
  const end = d + len;
  ctx.p(` ${typeName(typ)}`);
  if (!m.has(d, len)) throw new Cut();
  switch (typ) {
    case 1:
      ctx.p(` ${ip4String(m.b, m.base + d)}`);
      break;
    case 2:
    case 5:
    case 12:
    case 39:
      ctx.p(` ${m.name(d).text}`);
      break;
    case 6:
      if (ctx.v) {
        const mname = m.name(d);
        const rname = m.name(mname.next);
        ctx.p(` ${mname.text} ${rname.text}`);
        for (let i = 0; i < 5; i++) ctx.p(` ${m.u32(rname.next + 4 * i)}`);
      }
      break;
    case 15:
      ctx.p(` ${m.name(d + 2).text} ${m.u16(d)}`);
      break;
    case 16:
      for (let q = d; q < end;) {
        const l = m.u8(q);
        if (!m.has(q + 1, l)) throw new Cut();
        let s = '';
        for (let i = 0; i < l; i++) s += printChar(m.b[m.base + q + 1 + i]);
        ctx.p(` "${s}"`);
        q += 1 + l;
      }
      break;
    case 33:
      ctx.p(` ${m.name(d + 6).text}:${m.u16(d + 4)} ${m.u16(d)} ${m.u16(d + 2)}`);
      break;
    case 28:
      ctx.p(` ${ip6String(m.b, m.base + d)}`);
      break;
    case 41:
      ctx.p(` UDPsize=${cls}`);
      if (optFlags & 0x8000) ctx.p(' DO');
      break;
    default:
      break;
  }
  return end;
}

/** tcpdump's unsigned_relts_print: 1h2m3s, 0s. */
function relts(secs: number): string {
  if (secs === 0) return '0s';
  const units: [number, string][] = [[31536000, 'y'], [604800, 'w'], [86400, 'd'], [3600, 'h'], [60, 'm'], [1, 's']];
  let s = '';
  for (const [n, u] of units) {
    if (secs >= n) {
      s += `${Math.floor(secs / n)}${u}`;
      secs %= n;
    }
  }
  return s;
}

/** `n` records from o, the first after `lead`, the rest after a comma. */
function records(ctx: Ctx, m: Msg, o: number, n: number, lead: string): number {
  for (let i = 0; i < n; i++) {
    ctx.p(i === 0 ? lead : ',');
    o = record(ctx, m, o);
  }
  return o;
}

/** The DNS message at off (length bytes, the UDP payload), after `src.port > dst.port: `. */
export function dnsPrint(ctx: Ctx, off: number, length: number): void {
  if (length < HDR) {
    ctx.p(`domain [length ${length} < ${HDR}] (invalid)`);
    return;
  }
  const m = new Msg(ctx.b, off, Math.min(ctx.bytes.end, off + length));
  try {
    const id = m.u16(0);
    const f1 = m.u8(2);
    const f2 = m.u8(3);
    const qd = m.u16(4);
    const an = m.u16(6);
    const ns = m.u16(8);
    const ar = m.u16(10);
    const opcode = (f1 >> 3) & 0xf;
    if (f1 & 0x80) {
      // a response: the extended rcode from an OPT record among the additional ones
      let rcode = f2 & 0xf;
      rcode = extendedRcode(m, qd, an + ns, ar, rcode);
      const rc = rcode < RCODES.length ? RCODES[rcode] : ` Resp${rcode & 0xfff}`;
      ctx.p(`${id}${OPS[opcode]}${rc}${f1 & 0x04 ? '*' : ''}${f2 & 0x80 ? '' : '-'}${f1 & 0x02 ? '|' : ''}${f2 & 0x20 ? '$' : ''}`);
      if (qd !== 1) ctx.p(` [${qd}q]`);
      let o = HDR;
      for (let i = 0; i < qd; i++) {
        if (i !== 0) ctx.p(',');
        if (ctx.v > 1) {
          ctx.p(' q:');
          o = question(ctx, m, o);
        } else {
          o = m.skipName(o);
          if (!m.has(o, 4)) throw new Cut();
          o += 4;
        }
      }
      ctx.p(` ${an}/${ns}/${ar}`);
      o = records(ctx, m, o, an, '');
      if (ctx.v > 1) {
        o = records(ctx, m, o, ns, ' ns:');
        records(ctx, m, o, ar, ' ar:');
      }
    } else {
      ctx.p(`${id}${OPS[opcode]}${f1 & 0x01 ? '+' : ''}${f2 & 0x10 ? '%' : ''}`);
      const b2 = (f1 << 8) | f2;
      if (b2 & 0x6cf) ctx.p(` [b2&3=0x${b2.toString(16)}]`);
      if (qd !== 1) ctx.p(` [${qd}q]`);
      if (an !== 0) ctx.p(` [${an}a]`);
      if (ns !== 0) ctx.p(` [${ns}n]`);
      if (ar !== 0) ctx.p(` [${ar}au]`);
      let o = HDR;
      for (let i = 0; i < qd; i++) o = question(ctx, m, o);
      if (ctx.v > 1) {
        o = records(ctx, m, o, an, ' an:');
        o = records(ctx, m, o, ns, ' ns:');
        records(ctx, m, o, ar, ' ar:');
      }
    }
    ctx.p(` (${length})`);
  } catch (e) {
    if (!(e instanceof Cut)) throw e;
    ctx.p(`${e.printed} [|domain]`);
  }
}

/** The rcode with the upper bits of an OPT record's extended rcode, where one is found. */
function extendedRcode(m: Msg, qd: number, anns: number, ar: number, rcode: number): number {
  try {
    let o = HDR;
    for (let i = 0; i < qd; i++) o = m.skipName(o) + 4;
    for (let i = 0; i < anns; i++) {
      o = m.skipName(o);
      o += 10 + m.u16(o + 8);
    }
    for (let i = 0; i < ar; i++) {
      o = m.skipName(o);
      if (m.u16(o) === 41) return rcode | (m.u8(o + 4) << 4);
      o += 10 + m.u16(o + 8);
    }
  } catch (e) {
    if (!(e instanceof Cut)) throw e;
  }
  return rcode;
}
