// The netlink transport: a socket opened inside a given namespace, requests matched to
// their acks by sequence number, dumps read to NLMSG_DONE. It knows no message family;
// rtnl.ts speaks rtnetlink over it.
//
// Two layers, so that request and dump logic can be tested without root: NlEndpoint is
// "send a buffer, receive a datagram" (NetlinkSocket is the kernel one; a test can
// script a fake kernel), and NetlinkConn does sequence numbers, acks, batches and dumps.
import { EINTR } from '../sys/errno.js';
import { AF_NETLINK, MSG_PEEK, MSG_TRUNC, SOCK_CLOEXEC, SOCK_RAW, bind, close, getsockname, recvSoft, send, setsockopt, socket } from '../sys/libc.js';
import { SysError } from '../sys/errors.js';
import { withNetns, type NetnsRef } from '../ns/netns.js';
import { NETLINK_OPT, NETLINK_ROUTE, NLMSG, NLM_F, SOL_NETLINK } from './consts.js';
import { NetlinkError, badMessage } from './errors.js';
import { NlWriter } from './nlattr.js';
import { parseAck, parseDone, splitMessages, type NlMessage } from './nlmsg.js';

/** Receive buffers start at 32 KiB (a kernel dump skb is at most that) and grow on demand. */
export const RECV_MIN = 32 * 1024;
/** A dump interrupted by a concurrent change (NLM_F_DUMP_INTR) is retried this many times. */
export const DUMP_RETRIES = 10;

/** What NetlinkConn needs from a socket; a test can supply a scripted kernel. */
export interface NlEndpoint {
  /** Our port id (nlmsg_pid of every reply meant for us). */
  readonly portId: number;
  /** Send one buffer; it may hold several messages, processed by the kernel in order. */
  send(data: Uint8Array): void;
  /** Receive one datagram. The view is valid until the next recv. */
  recv(): Buffer;
  close(): void;
}

/** struct sockaddr_nl { __kernel_sa_family_t nl_family; unsigned short nl_pad; __u32 nl_pid; __u32 nl_groups; }; */
const SOCKADDR_NL = { size: 12, family: 0, pad: 2, pid: 4, groups: 8 } as const;

/** A NETLINK_ROUTE (or other protocol) socket, created inside `ns`, with extended acks on. */
export class NetlinkSocket implements NlEndpoint, Disposable {
  readonly fd: number;
  readonly portId: number;
  #buf: Buffer = Buffer.allocUnsafeSlow(RECV_MIN);
  #closed = false;

  private constructor(fd: number, portId: number) {
    this.fd = fd;
    this.portId = portId;
  }

  /**
   * Open, inside `ns` (a NetNs, a name, or null for the calling thread's namespace):
   * socket, NETLINK_EXT_ACK and NETLINK_GET_STRICT_CHK, bind with pid 0, and read the
   * port id the kernel assigned. A failed step closes the socket.
   */
  static open(ns: NetnsRef = null, protocol = NETLINK_ROUTE): NetlinkSocket {
    const fd = withNetns(ns, () => socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol, 'netlink'));
    try {
      setsockopt(fd, SOL_NETLINK, NETLINK_OPT.EXT_ACK, 1, 'setsockopt(NETLINK_EXT_ACK)');
      setsockopt(fd, SOL_NETLINK, NETLINK_OPT.GET_STRICT_CHK, 1, 'setsockopt(NETLINK_GET_STRICT_CHK)');
      const sa = Buffer.alloc(SOCKADDR_NL.size);
      sa.writeUInt16LE(AF_NETLINK, SOCKADDR_NL.family);
      bind(fd, sa, 'bind(netlink)');
      const got = getsockname(fd, SOCKADDR_NL.size);
      if (got.length < SOCKADDR_NL.size) throw badMessage(`getsockname returned ${got.length} bytes`);
      return new NetlinkSocket(fd, got.readUInt32LE(SOCKADDR_NL.pid));
    } catch (e) {
      close(fd);
      throw e;
    }
  }

  send(data: Uint8Array): void {
    send(this.fd, data, data.length, 0, 'send(netlink)');
  }

  recv(): Buffer {
    for (;;) {
      // MSG_PEEK|MSG_TRUNC returns the datagram's real length without consuming it.
      const want = recvSoft(this.fd, this.#buf, this.#buf.length, MSG_PEEK | MSG_TRUNC);
      if (want === -EINTR) continue;
      if (want < 0) throw new SysError('recv(netlink)', -want);
      if (want > this.#buf.length) this.#buf = Buffer.allocUnsafeSlow(Math.max(want, this.#buf.length * 2));
      const n = recvSoft(this.fd, this.#buf, this.#buf.length, 0);
      if (n === -EINTR) continue;
      if (n < 0) throw new SysError('recv(netlink)', -n);
      return this.#buf.subarray(0, n);
    }
  }

  close(): void {
    if (!this.#closed) {
      this.#closed = true;
      close(this.fd);
    }
  }
  [Symbol.dispose](): void {
    this.close();
  }
}

/** A request in flight: its sequence number and how to name it in an error. */
export interface Pending {
  seq: number;
  /** ip's words for it: `link set tap1 up`. */
  op: string;
  /** Turn the kernel's error into a clearer one (e.g. ENODEV into `Cannot find device "x"`). */
  explain?: (e: NetlinkError) => NetlinkError;
}

/** Sequence numbers, acks, batches and dumps over one endpoint. */
export class NetlinkConn implements Disposable {
  readonly ep: NlEndpoint;
  /** A reusable writer for requests; `begin()` resets it. */
  readonly w = new NlWriter(4096);
  #seq: number;

  constructor(ep: NlEndpoint, firstSeq = (Date.now() & 0x7fffffff) >>> 0) {
    this.ep = ep;
    this.#seq = firstSeq;
  }

  nextSeq(): number {
    this.#seq = (this.#seq + 1) >>> 0;
    if (this.#seq === 0) this.#seq = 1;
    return this.#seq;
  }

  /** Empty the shared writer for a new request or batch. */
  begin(): NlWriter {
    return this.w.reset();
  }

  /**
   * Send what is in the writer (one or several messages, each with NLM_F_ACK) and wait
   * for every ack. Returns one entry per pending request: null on success, the error
   * otherwise. The kernel goes on after a failed message, so later ones still answer.
   */
  sendBatch(pending: Pending[]): (NetlinkError | null)[] {
    this.ep.send(this.w.bytes());
    return this.collectAcks(pending);
  }

  /** Like sendBatch, but throw the first error. */
  exec(pending: Pending[]): void {
    const errs = this.sendBatch(pending);
    const first = errs.find((e) => e !== null);
    if (first) throw first;
  }

  collectAcks(pending: Pending[]): (NetlinkError | null)[] {
    const bySeq = new Map<number, number>();
    pending.forEach((p, i) => bySeq.set(p.seq, i));
    const out: (NetlinkError | null)[] = pending.map(() => null);
    let left = pending.length;
    while (left > 0) {
      for (const m of splitMessages(this.ep.recv())) {
        if (m.pid !== this.ep.portId) continue;
        const i = bySeq.get(m.seq);
        if (i === undefined || m.type !== NLMSG.ERROR) continue;
        bySeq.delete(m.seq);
        left--;
        const ack = parseAck(m);
        if (ack.errno !== 0) out[i] = new NetlinkError({ op: pending[i].op, errno: ack.errno, kernelMessage: ack.message, offset: ack.offset, seq: m.seq });
      }
    }
    // Explanations may ask the kernel more questions: only once every ack is in.
    return out.map((e, i) => (e && pending[i].explain ? pending[i].explain(e) : e));
  }

  #error(p: Pending, errno: number, message: string | null, offset: number | null): NetlinkError {
    const e = new NetlinkError({ op: p.op, errno, kernelMessage: message, offset, seq: p.seq });
    return p.explain ? p.explain(e) : e;
  }

  /**
   * A request answered by one message (a GET without NLM_F_DUMP): `build` writes it with
   * the given seq and no NLM_F_ACK; `decode` reads the answer while its bytes are valid.
   */
  query<T>(p: Omit<Pending, 'seq'>, build: (w: NlWriter, seq: number) => void, decode: (m: NlMessage) => T): T {
    const seq = this.nextSeq();
    build(this.begin(), seq);
    this.ep.send(this.w.bytes());
    for (;;) {
      for (const m of splitMessages(this.ep.recv())) {
        if (m.pid !== this.ep.portId || m.seq !== seq) continue;
        if (m.type === NLMSG.ERROR) {
          const ack = parseAck(m);
          if (ack.errno !== 0) throw this.#error({ ...p, seq }, ack.errno, ack.message, ack.offset);
          continue;
        }
        return decode(m);
      }
    }
  }

  /**
   * A dump: `build` writes the request (NLM_F_REQUEST|NLM_F_DUMP) with the given seq;
   * every answer message is passed to `decode` while its bytes are valid, until
   * NLMSG_DONE. If any part came with NLM_F_DUMP_INTR (the table changed meanwhile), the
   * whole dump is done again, up to DUMP_RETRIES times.
   */
  dump<T>(op: string, build: (w: NlWriter, seq: number) => void, decode: (m: NlMessage) => T | undefined): T[] {
    for (let attempt = 0; attempt <= DUMP_RETRIES; attempt++) {
      const seq = this.nextSeq();
      build(this.begin(), seq);
      this.ep.send(this.w.bytes());
      const out: T[] = [];
      let interrupted = false;
      let done = false;
      while (!done) {
        for (const m of splitMessages(this.ep.recv())) {
          if (m.pid !== this.ep.portId || m.seq !== seq) continue;
          if (m.flags & NLM_F.DUMP_INTR) interrupted = true;
          if (m.type === NLMSG.DONE) {
            const d = parseDone(m);
            if (d.errno !== 0) throw new NetlinkError({ op, errno: d.errno, kernelMessage: d.message, seq });
            done = true;
            break;
          }
          if (m.type === NLMSG.ERROR) {
            const ack = parseAck(m);
            if (ack.errno !== 0) throw new NetlinkError({ op, errno: ack.errno, kernelMessage: ack.message, offset: ack.offset, seq });
            continue;
          }
          if (m.type === NLMSG.NOOP || m.type === NLMSG.OVERRUN) continue;
          const v = decode(m);
          if (v !== undefined) out.push(v);
        }
      }
      if (!interrupted) return out;
    }
    throw new NetlinkError({ op, errno: EINTR, message: `${op}: the dump was interrupted by concurrent changes ${DUMP_RETRIES + 1} times in a row` });
  }

  close(): void {
    this.ep.close();
  }
  [Symbol.dispose](): void {
    this.close();
  }
}
