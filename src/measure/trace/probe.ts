// The trace prober: one echo at a time from a raw ICMP socket opened inside the source
// namespace, with CLOCK_REALTIME read just before sendto and just after the reply is read —
// the clock the AF_PACKET rings stamp frames with, so the user's instants and the four
// capture points share one time line. (The ICMP engine reports RTTs, not absolute instants,
// so trace sends its own echoes; it reuses the engine's codec, checksum and payload layout.)
// The kernel's TX_SCHED stamp (SO_TIMESTAMPING, on the error queue) marks where the request
// entered the qdisc: it splits the user → tap1 out stretch into the stack and the queue.
import { randomBytes } from 'node:crypto';
import { VpingError } from '../../sys/errors.js';
import {
  CLOCK_REALTIME, MSG_DONTWAIT, MSG_ERRQUEUE, POLLIN, SOCK_CLOEXEC, SOCK_RAW, SOL_SOCKET, SO_TIMESTAMPING, addressOf, clockNs, close, pinned,
  pollSoft, recvSoft, recvmsgSoft, sendto, setsockopt, socket,
} from '../../sys/libc.js';
import { withNetns } from '../../ns/netns.js';
import { checksum } from '../../inet/checksum.js';
import { Kind, ParsedPacket, familyFor, type IcmpFamily } from '../../icmp/family.js';
import { ICMP_HDR } from '../../icmp/layout.js';
import { IOVEC, IPPROTO_IP, IPPROTO_IPV6, IPV6_RECVERR, IP_RECVERR, MMSGHDR, POLLFD, SCM_TIMESTAMPING, SCM_TSTAMP, SOCK_EE, SOF_TIMESTAMPING, SO_EE_ORIGIN } from '../../sys/socket.js';
import { IcmpParseError } from '../../icmp/errors.js';
import { CmsgCursor } from '../../sys/cmsg.js';
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
    // a TX_SCHED stamp per send, keyed by its OPT_ID counter (0, 1, … in send order)
    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING,
      SOF_TIMESTAMPING.TX_SCHED | SOF_TIMESTAMPING.SOFTWARE | SOF_TIMESTAMPING.OPT_ID | SOF_TIMESTAMPING.OPT_TSONLY,
      'setsockopt(SO_TIMESTAMPING)');
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
  // struct msghdr for the error queue: one small iovec, room for the stamp and the extended error
  const eqData = pinned(64);
  const eqCtl = pinned(256);
  const eqIov = pinned(IOVEC.size);
  eqIov.writeBigUInt64LE(addressOf(eqData), IOVEC.base);
  eqIov.writeBigUInt64LE(BigInt(eqData.length), IOVEC.len);
  const eqMsg = pinned(MMSGHDR.size);
  const cursor = new CmsgCursor();
  let sent = 0;

  /** The TX_SCHED stamp of send number `key` (0-based), read off the error queue; null if none. */
  const schedStamp = (key: number): bigint | null => {
    let found: bigint | null = null;
    for (;;) {
      eqMsg.fill(0);
      eqMsg.writeBigUInt64LE(addressOf(eqIov), MMSGHDR.iov);
      eqMsg.writeBigUInt64LE(1n, MMSGHDR.iovlen);
      eqMsg.writeBigUInt64LE(addressOf(eqCtl), MMSGHDR.control);
      eqMsg.writeBigUInt64LE(BigInt(eqCtl.length), MMSGHDR.controllen);
      if (recvmsgSoft(fd, eqMsg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) return found;
      const clen = Number(eqMsg.readBigUInt64LE(MMSGHDR.controllen));
      let ts: bigint | null = null;
      let sched = false;
      let k = -1;
      const m = cursor.start(eqCtl, 0, clen);
      while (m.next()) {
        const d = m.data;
        if (m.level === SOL_SOCKET && m.type === SCM_TIMESTAMPING) ts = eqCtl.readBigInt64LE(d) * 1_000_000_000n + eqCtl.readBigInt64LE(d + 8);
        else if ((m.level === IPPROTO_IP && m.type === IP_RECVERR) || (m.level === IPPROTO_IPV6 && m.type === IPV6_RECVERR)) {
          if (eqCtl[d + SOCK_EE.origin] === SO_EE_ORIGIN.TIMESTAMPING && eqCtl.readUInt32LE(d + SOCK_EE.info) === SCM_TSTAMP.SCHED) {
            sched = true;
            k = eqCtl.readUInt32LE(d + SOCK_EE.data);
          }
        }
      }
      if (sched && k === key && ts !== null) found = ts;
    }
  };

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
      // the stamp is taken inside sendto (the request enters the qdisc there): read it now, so
      // the error queue is empty again and poll does not keep reporting POLLERR
      const schedNs = schedStamp(sent++);
      const deadline = sendNs + BigInt(Math.round(timeoutMs * 1e6));
      for (;;) {
        const now = clockNs(CLOCK_REALTIME);
        if (now >= deadline) return { seq, sendNs, schedNs, recvNs: null };
        pfd.writeInt16LE(0, POLLFD.revents);
        const r = pollSoft(pfd, 1, Math.max(1, Math.ceil(Number(deadline - now) / 1e6)));
        if (r <= 0) continue;
        for (;;) {
          const n = recvSoft(fd, inBuf, inBuf.length, MSG_DONTWAIT);
          if (n < 0) break;
          const recvNs = clockNs(CLOCK_REALTIME);
          if (ours(n, seq)) return { seq, sendNs, schedNs, recvNs };
        }
      }
    },
    close: closeFd,
    [Symbol.dispose]: closeFd,
  };
  return prober;
}
