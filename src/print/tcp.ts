// TCP, as tcpdump's print-tcp.c prints it (-n): flags, sequence numbers relative to the
// conversation's first segment (unless -S), ack, window, options, length.
import { ip4String, ip6String, printable } from './bytes.js';
import type { Ctx, IpInfo } from './context.js';
import { cksumShouldBe, transportCksum } from './ip.js';

// struct tcphdr: sport u16 @0, dport u16 @2, seq u32 @4, ack u32 @8, off/x2 u8 @12,
// flags u8 @13, win u16 @14, sum u16 @16, urp u16 @18
const TCP = { SPORT: 0, DPORT: 2, SEQ: 4, ACK: 8, OFF: 12, FLAGS: 13, WIN: 14, SUM: 16, URP: 18, HDRLEN: 20 } as const;
// #define TH_FIN 0x01 … TH_CWR 0x80, and tcp_flag_values order
const TH = { FIN: 0x01, SYN: 0x02, RST: 0x04, PUSH: 0x08, ACK: 0x10, URG: 0x20, ECE: 0x40, CWR: 0x80 } as const;
const flagLetters: [number, string][] = [
  [TH.FIN, 'F'],
  [TH.SYN, 'S'],
  [TH.RST, 'R'],
  [TH.PUSH, 'P'],
  [TH.ACK, '.'],
  [TH.URG, 'U'],
  [TH.ECE, 'E'],
  [TH.CWR, 'W'],
];
// tcp_option_values
const optNames = new Map<number, string>([
  [0, 'eol'],
  [1, 'nop'],
  [2, 'mss'],
  [3, 'wscale'],
  [4, 'sackOK'],
  [5, 'sack'],
  [6, 'echo'],
  [7, 'echoreply'],
  [8, 'TS'],
  [11, 'cc'],
  [12, 'ccnew'],
  [13, 'ccecho'],
  [19, 'md5'],
  [27, 'qs'],
  [28, 'uto'],
  [29, 'tcp-ao'],
  [30, 'mptcp'],
  [34, 'tfo'],
  [253, 'exp'],
  [254, 'exp'],
]);
const MAX_RST_DATA_LEN = 30;

const u32 = (n: number): number => n >>> 0;

export function flagString(f: number): string {
  let s = '';
  for (const [bit, l] of flagLetters) if (f & bit) s += l;
  return s || 'none';
}

export function tcpPrint(ctx: Ctx, off: number, length: number, ip: IpInfo): void {
  const { bytes, b } = ctx;
  const a = ip.version === 4 ? ip4String : ip6String;
  const sport = bytes.u16(off + TCP.SPORT, 'tcp');
  const dport = bytes.u16(off + TCP.DPORT, 'tcp');
  ctx.p(`${a(b, ip.src)}.${sport} > ${a(b, ip.dst)}.${dport}: `);
  const hlen = (bytes.u8(off + TCP.OFF, 'tcp') >> 4) * 4;
  if (hlen < TCP.HDRLEN) {
    ctx.p(`tcp ${length} [bad hdr length ${hlen} - too short, < 20]`);
    return;
  }
  let seq = bytes.u32(off + TCP.SEQ, 'tcp');
  let ack = bytes.u32(off + TCP.ACK, 'tcp');
  const flags = bytes.u8(off + TCP.FLAGS, 'tcp');
  const win = bytes.u16(off + TCP.WIN, 'tcp');
  const urp = bytes.u16(off + TCP.URP, 'tcp');
  ctx.p(`Flags [${flagString(flags)}]`);
  if (hlen > length) {
    ctx.p(` [bad hdr length ${hlen} - too long, > ${length}]`);
    return;
  }
  let rev = false;
  let thseq = 0;
  let thack = 0;
  if (!ctx.opts.absoluteSeq && flags & TH.ACK) {
    // One table entry for both directions, in tcpdump's collating order.
    const alen = ip.version === 4 ? 4 : 16;
    if (sport > dport) rev = true;
    else if (sport === dport) {
      for (let i = 0; i < alen; i++) {
        const d = b[ip.src + i] - b[ip.dst + i];
        if (d !== 0) {
          rev = d > 0;
          break;
        }
      }
    }
    const s = a(b, rev ? ip.dst : ip.src);
    const d = a(b, rev ? ip.src : ip.dst);
    const key = `${s}|${d}|${rev ? `${dport}:${sport}` : `${sport}:${dport}`}`;
    const th = ctx.tcpSeq.get(key);
    if (!th || flags & TH.SYN) {
      ctx.tcpSeq.set(key, rev ? { ack: seq, seq: u32(ack - 1) } : { seq, ack: u32(ack - 1) });
      const t = ctx.tcpSeq.get(key)!;
      thseq = t.seq;
      thack = t.ack;
    } else {
      if (rev) {
        seq = u32(seq - th.ack);
        ack = u32(ack - th.seq);
      } else {
        seq = u32(seq - th.seq);
        ack = u32(ack - th.ack);
      }
      thseq = th.seq;
      thack = th.ack;
    }
  }
  const segLen = length;
  if (ctx.v && !ip.fragmented && bytes.has(off, segLen)) {
    const sum = transportCksum(ctx, ip, 6, off, segLen);
    const tcpSum = bytes.u16(off + TCP.SUM, 'tcp');
    const h = (n: number) => `0x${n.toString(16).padStart(4, '0')}`;
    ctx.p(`, cksum ${h(tcpSum)}`);
    ctx.p(sum !== 0 ? ` (incorrect -> ${h(cksumShouldBe(tcpSum, sum))})` : ' (correct)');
  }
  length -= hlen;
  if (ctx.v > 1 || length > 0 || flags & (TH.SYN | TH.FIN | TH.RST)) {
    ctx.p(`, seq ${seq}`);
    if (length > 0) ctx.p(`:${u32(seq + length)}`);
  }
  if (flags & TH.ACK) ctx.p(`, ack ${ack}`);
  ctx.p(`, win ${win}`);
  if (flags & TH.URG) ctx.p(`, urg ${urp}`);
  if (hlen > TCP.HDRLEN && !tcpOptions(ctx, off, hlen, rev, thseq, thack)) return;
  ctx.p(`, length ${length}`);
  if (length <= 0) return;
  if (flags & TH.RST && ctx.v) {
    let n = length;
    ctx.p(' [RST');
    if (n > MAX_RST_DATA_LEN) {
      n = MAX_RST_DATA_LEN;
      ctx.p('+');
    }
    ctx.p(' ');
    const avail = Math.max(0, Math.min(n, bytes.end - (off + hlen)));
    ctx.p(printable(b, off + hlen, avail));
    ctx.p(']');
    return;
  }
  if (HTTP_PORTS.has(sport) || HTTP_PORTS.has(dport)) {
    ctx.p(': ');
    httpPrint(ctx, off + hlen, Math.min(length, bytes.end - (off + hlen)), length);
  }
}

/** The ports tcpdump reads HTTP on (HTTP_PORT, HTTP_PORT_ALT). */
const HTTP_PORTS = new Set([80, 8080]);
// tcpdump's httpcmds: a first token among these (or a 3-digit second token) is a request or response
const HTTP_METHODS = new Set(['GET', 'PUT', 'COPY', 'HEAD', 'LOCK', 'MOVE', 'POLL', 'POST', 'BCOPY', 'BMOVE', 'MKCOL', 'TRACE', 'LABEL', 'MERGE',
  'DELETE', 'SEARCH', 'UNLOCK', 'REPORT', 'UPDATE', 'NOTIFY', 'BDELETE', 'CONNECT', 'OPTIONS', 'CHECKIN', 'PROPFIND', 'CHECKOUT', 'CCM_POST',
  'SUBSCRIBE', 'PROPPATCH', 'BPROPFIND', 'BPROPPATCH', 'UNCHECKOUT', 'MKACTIVITY', 'MKWORKSPACE', 'UNSUBSCRIBE', 'RPC_CONNECT',
  'VERSION-CONTROL', 'BASELINE-CONTROL']);

/**
 * tcpdump's txtproto_print for HTTP: `HTTP`, then for a request or response its first line
 * (`: GET / HTTP/1.1`), or under -v every text line on its own (`, length: N` first). A line
 * that is not printable text stops it; one cut off by the capture ends in ` [|http]`.
 */
function httpPrint(ctx: Ctx, off: number, avail: number, len: number): void {
  const b = ctx.b;
  const tokens: string[] = [];
  // the first two tokens (tcpdump's fetch_token: printable, up to a space; 128 at most)
  let i = 0;
  for (let t = 0; t < 2 && i < avail; t++) {
    let tok = '';
    while (i < avail && b[off + i] !== 0x20 && b[off + i] !== 0x0d && b[off + i] !== 0x0a) {
      if (b[off + i] < 0x21 || b[off + i] > 0x7e) return ctx.p('HTTP');
      tok += String.fromCharCode(b[off + i++]);
    }
    if (tok.length > 128) break;
    tokens.push(tok);
    while (i < avail && b[off + i] === 0x20) i++;
  }
  const isReq = tokens.length > 0 && HTTP_METHODS.has(tokens[0].toUpperCase());
  const isResp = tokens.length > 1 && /^\d{3}$/.test(tokens[1]);
  ctx.p('HTTP');
  if (!isReq && !isResp) return;
  if (ctx.v) {
    ctx.p(`, length: ${len}`);
    for (let at = 0; at < len;) {
      const next = txtLine(ctx, '\n\t', off, at, avail, len);
      if (next === 0) break;
      at = next;
    }
  } else txtLine(ctx, ': ', off, 0, avail, len);
}

/**
 * tcpdump's print_txt_line: the line from `at` to CRLF or LF after `prefix`; 0 when it is not
 * text, or the payload (`len`) ends without a line end (the line then printed, and ` [|http]`).
 * A line that runs past what was captured (`avail`) prints only ` [|http]`, as tcpdump's
 * bounds check ends it there.
 */
function txtLine(ctx: Ctx, prefix: string, off: number, at: number, avail: number, len: number): number {
  const b = ctx.b;
  // latin1 over the bytes, not String.fromCharCode(...bytes): a 64 KB line would overflow the call's arguments
  const text = (to: number) => Buffer.from(b.buffer, b.byteOffset + off + at, to - at).toString('latin1');
  for (let i = at; i < len; i++) {
    if (i >= avail) {
      ctx.p(' [|http]');
      return 0;
    }
    const c = b[off + i];
    if (c === 0x0a) {
      ctx.p(prefix + text(i));
      return i + 1;
    }
    if (c === 0x0d) {
      if (i + 1 >= len) return 0;
      if (i + 1 >= avail) {
        ctx.p(' [|http]');
        return 0;
      }
      if (b[off + i + 1] === 0x0a) {
        ctx.p(prefix + text(i));
        return i + 2;
      }
      return 0;
    }
    if ((c < 0x20 || c > 0x7e) && c !== 0x09) return 0;
  }
  ctx.p(`${prefix}${text(len)} [|http]`);
  return 0;
}

/**
 * The options between the fixed header and `hlen`, as tcpdump prints them (`, options [...]`);
 * SACK blocks relative to the connection's first sequence numbers as the header's are. False
 * when a malformed option ended the line (`[bad opt]`), as tcpdump stops there.
 */
function tcpOptions(ctx: Ctx, off: number, hlen: number, rev: boolean, thseq: number, thack: number): boolean {
  const { bytes } = ctx;
  ctx.p(', options [');
  let cp = off + TCP.HDRLEN;
  let left = hlen - TCP.HDRLEN;
  let ch = '';
  while (left > 0) {
    ctx.p(ch);
    const opt = bytes.u8(cp++, 'tcp');
    let len: number;
    if (opt === 0 || opt === 1) len = 1;
    else {
      len = bytes.u8(cp++, 'tcp');
      if (len < 2 || len > left) {
        ctx.p(ch ? '[bad opt]]' : '[bad opt]');
        return false;
      }
      --left;
    }
    --left;
    let datalen = 0;
    ctx.p(optNames.get(opt) ?? `unknown-${opt}`);
    const lencheck = (n: number): boolean => {
      if (n > left) {
        ctx.p(ch ? '[bad opt]]' : '[bad opt]');
        return false;
      }
      return true;
    };
    switch (opt) {
      case 2:
        datalen = 2;
        if (!lencheck(datalen)) return false;
        ctx.p(` ${bytes.u16(cp, 'tcp')}`);
        break;
      case 3:
        datalen = 1;
        if (!lencheck(datalen)) return false;
        ctx.p(` ${bytes.u8(cp, 'tcp')}`);
        break;
      case 5:
        datalen = len - 2;
        if (datalen % 8 !== 0) ctx.p(' invalid sack');
        else {
          ctx.p(` ${datalen / 8} `);
          for (let i = 0; i < datalen; i += 8) {
            if (!lencheck(i + 8)) return false;
            let s = bytes.u32(cp + i, 'tcp');
            let e = bytes.u32(cp + i + 4, 'tcp');
            if (rev) {
              s = u32(s - thseq);
              e = u32(e - thseq);
            } else {
              s = u32(s - thack);
              e = u32(e - thack);
            }
            ctx.p(`{${s}:${e}}`);
          }
        }
        break;
      case 8:
        datalen = 8;
        if (!lencheck(datalen)) return false;
        ctx.p(` val ${bytes.u32(cp, 'tcp')} ecr ${bytes.u32(cp + 4, 'tcp')}`);
        break;
      case 0:
      case 1:
      case 4:
        break;
      default:
        datalen = len - 2;
        for (let i = 0; i < datalen; i++) {
          if (!lencheck(i + 1)) return false;
          ctx.p(bytes.u8(cp + i, 'tcp').toString(16).padStart(2, '0'));
        }
    }
    cp += datalen;
    left -= datalen;
    let seen = datalen + 1;
    if (opt !== 0 && opt !== 1) seen++;
    if (seen !== len) ctx.p(`[len ${len}]`);
    ch = ',';
    if (opt === 0) break;
  }
  ctx.p(']');
  return true;
}
