// The one error type of the netlink layer. Everything the transport, the codecs and the
// requests raise on purpose is a NetlinkError: errno name as the stable `code`, the errno,
// the operation, and what the kernel said in its extended ack.
import { EBADMSG } from '../sys/errno.js';
import { VpingError, errnoName, strerrorText } from '../sys/errors.js';


export interface NetlinkErrorInit {
  /** What was asked, in ip's words: `link add tap1 type veth peer name tap2`. */
  op: string;
  /** Positive errno. */
  errno: number;
  /** The kernel's extended-ack text (NLMSGERR_ATTR_MSG), if any. */
  kernelMessage?: string | null;
  /** Byte offset of the offending attribute in the request (NLMSGERR_ATTR_OFFS). */
  offset?: number | null;
  /** Sequence number of the failed request. */
  seq?: number | null;
  /** A message to show instead of the generated one (e.g. `Cannot find device "x"`). */
  message?: string;
}

export class NetlinkError extends VpingError {
  readonly errno: number;
  readonly op: string;
  readonly kernelMessage: string | null;
  readonly offset: number | null;
  readonly seq: number | null;
  constructor(init: NetlinkErrorInit) {
    const kernelMessage = init.kernelMessage ?? null;
    const text = init.message ?? netlinkErrorText(init.op, init.errno, kernelMessage);
    super(errnoName(init.errno), text);
    this.errno = init.errno;
    this.op = init.op;
    this.kernelMessage = kernelMessage;
    this.offset = init.offset ?? null;
    this.seq = init.seq ?? null;
  }
}

/** `link add tap1 ...: RTNETLINK answers: File exists (kernel: "...")` on one line. */
export function netlinkErrorText(op: string, errno: number, kernelMessage: string | null): string {
  const k = kernelMessage ? ` (kernel: ${kernelMessage})` : '';
  return `${op}: RTNETLINK answers: ${strerrorText(errno)}${k}`;
}

/** A reply that does not parse: every decoder failure is a NetlinkError with code EBADMSG. */
export function badMessage(what: string): NetlinkError {
  return new NetlinkError({ op: 'decode', errno: EBADMSG, message: `malformed netlink message: ${what}` });
}
