// The trace prober: one echo at a time from a raw ICMP socket opened inside the source
// namespace, with CLOCK_REALTIME read just before sendto and just after the reply is read —
// the clock the AF_PACKET rings stamp frames with, so the user's instants and the four
// capture points share one time line. (The ICMP engine reports RTTs, not absolute instants,
// so trace sends its own echoes; it reuses the engine's codec, checksum and payload layout.)
import { randomBytes } from 'node:crypto';
import { VpingError } from '../../sys/errors.js';
import {
  CLOCK_REALTIME, MSG_DONTWAIT, POLLIN, SOCK_CLOEXEC, SOCK_RAW, clockNs, close, pollSoft, recvSoft, sendto, setsockopt, socket,
} from '../../sys/libc.js';
import { withNetns } from '../../ns/netns.js';
import { checksum } from '../../icmp/checksum.js';
import { Kind, ParsedPacket, familyFor, type IcmpFamily } from '../../icmp/family.js';
import { ICMP_HDR, POLLFD } from '../../icmp/layout.js';
import { IcmpParseError } from '../../icmp/errors.js';
import { TAG_OFFSET, TAG_SIZE, hex, type Probe } from './match.js';

export interface EchoProber {
  readonly id: number;
  /** The run's tag (hex), or null when the payload is too short to carry it. */
  readonly tag: string | null;
  /** Send echo `seq` and wait up to timeoutMs for its reply. */
  echo(seq: number, timeoutMs: number): Probe;
  close(): void;
  [Symbol.dispose](): void;
}

export interface ProberOptions {
  /** Namespace to send from. */
  ns: string;
  family: 4 | 6;
  /** Numeric destination address. */
  destination: string;
  /** ICMP payload bytes. */
  size: number;
  /** 16-bit echo id (default random). */
  id?: number;
}

export function openProber(o: ProberOptions): EchoProber {
  const fam: IcmpFamily = familyFor(o.family);
  const dest = fam.sockaddr(fam.addrBytes(o.destination));
  const id = o.id ?? randomBytes(2).readUInt16BE();
  const tagBytes = randomBytes(TAG_SIZE);
  const tag = o.size >= TAG_OFFSET + TAG_SIZE ? hex(tagBytes) : null;
  const fd = withNetns(o.ns, () => socket(fam.af, SOCK_RAW | SOCK_CLOEXEC, fam.proto, `socket(raw ICMP in ${o.ns})`));
  let closed = false;
  const closeFd = (): void => {
    if (closed) return;
    closed = true;
    close(fd);
  };
  try {
    const f = fam.filter();
    setsockopt(fd, f.level, f.name, f.value, 'setsockopt(ICMP filter)');
  } catch (e) {
    closeFd();
    throw e;
  }
  const out = Buffer.alloc(ICMP_HDR.size + o.size);
  // Payload as the engine lays it out: 8 bytes of time (left 0: trace times from the outside),
  // the run's tag at 8, then ping's fill pattern (byte i = i).
  for (let i = ICMP_HDR.size; i < out.length; i++) out[i] = (i - ICMP_HDR.size) & 0xff;
  for (let i = 0; i < 8 && ICMP_HDR.size + i < out.length; i++) out[ICMP_HDR.size + i] = 0;
  if (tag) tagBytes.copy(out, ICMP_HDR.size + TAG_OFFSET);
  const inBuf = Buffer.alloc(65536 + 128);
  const pfd = Buffer.alloc(POLLFD.size);
  pfd.writeInt32LE(fd, POLLFD.fd);
  pfd.writeInt16LE(POLLIN, POLLFD.events);
  const parsed = new ParsedPacket();

  const ours = (n: number, seq: number): boolean => {
    try {
      if (fam.parseReply(inBuf, n, parsed) !== Kind.ECHO_REPLY) return false;
    } catch (e) {
      if (e instanceof IcmpParseError) return false;
      throw e;
    }
    if (parsed.id !== id || parsed.seq !== (seq & 0xffff)) return false;
    if (!tag) return true;
    if (parsed.dataLen < TAG_OFFSET + TAG_SIZE) return false;
    return hex(inBuf.subarray(parsed.dataOff + TAG_OFFSET, parsed.dataOff + TAG_OFFSET + TAG_SIZE)) === tag;
  };

  const prober: EchoProber = {
    id,
    tag,
    echo(seq: number, timeoutMs: number): Probe {
      if (closed) throw new VpingError('EBADF', 'the trace prober is closed');
      fam.buildEcho(out, 0, id, seq & 0xffff);
      if (fam.userChecksum) out.writeUInt16BE(checksum(out, 0, out.length), ICMP_HDR.checksum);
      const sendNs = clockNs(CLOCK_REALTIME);
      sendto(fd, out, out.length, 0, dest, `sendto(${o.destination})`);
      const deadline = sendNs + BigInt(Math.round(timeoutMs * 1e6));
      for (;;) {
        const now = clockNs(CLOCK_REALTIME);
        if (now >= deadline) return { seq, sendNs, recvNs: null };
        pfd.writeInt16LE(0, POLLFD.revents);
        const r = pollSoft(pfd, 1, Math.max(1, Math.ceil(Number(deadline - now) / 1e6)));
        if (r <= 0) continue;
        for (;;) {
          const n = recvSoft(fd, inBuf, inBuf.length, MSG_DONTWAIT);
          if (n < 0) break;
          const recvNs = clockNs(CLOCK_REALTIME);
          if (ours(n, seq)) return { seq, sendNs, recvNs };
        }
      }
    },
    close: closeFd,
    [Symbol.dispose]: closeFd,
  };
  return prober;
}
