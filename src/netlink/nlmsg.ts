// Netlink message framing: the nlmsghdr, a datagram split into messages, and the ack
// (struct nlmsgerr) with its extended-ack TLVs. Pure functions over bytes; every failure
// to parse is a NetlinkError (EBADMSG).
import { NLMSG, NLMSGERR, NLMSGERR_ATTR, NLMSGHDR, NLM_F } from './consts.js';
import { badMessage } from './errors.js';
import { AttrSet, nlmsgAlign } from './nlattr.js';

/** One message of a datagram; `payload` is a view of the bytes after the header. */
export interface NlMessage {
  type: number;
  flags: number;
  seq: number;
  pid: number;
  payload: Buffer;
}

/**
 * Split a received datagram into messages (NLMSG_OK / NLMSG_NEXT with every bound
 * checked). A header that does not fit or a length that runs past the datagram throws.
 */
export function splitMessages(buf: Buffer, start = 0, end = buf.length): NlMessage[] {
  const out: NlMessage[] = [];
  let at = start;
  while (at < end) {
    if (end - at < NLMSGHDR.size) throw badMessage(`${end - at} bytes cannot hold a netlink header`);
    const len = buf.readUInt32LE(at + NLMSGHDR.len);
    if (len < NLMSGHDR.size) throw badMessage(`message length ${len} is shorter than its header`);
    if (len > end - at) throw badMessage(`message of ${len} bytes truncated to ${end - at}`);
    out.push({
      type: buf.readUInt16LE(at + NLMSGHDR.type),
      flags: buf.readUInt16LE(at + NLMSGHDR.flags),
      seq: buf.readUInt32LE(at + NLMSGHDR.seq),
      pid: buf.readUInt32LE(at + NLMSGHDR.pid),
      payload: buf.subarray(at + NLMSGHDR.size, at + len),
    });
    at += nlmsgAlign(len);
  }
  return out;
}

/** A decoded NLMSG_ERROR: error 0 is an ack; the extended-ack text and offset when given. */
export interface NlAck {
  /** Positive errno, 0 for success. */
  errno: number;
  /** Header of the request it answers. */
  request: { len: number; type: number; flags: number; seq: number; pid: number };
  message: string | null;
  /** Offset of the offending attribute in the request, from its nlmsghdr. */
  offset: number | null;
}

/** struct nlmsgerr, then (unless NLM_F_CAPPED) the echoed request payload, then TLVs (NLM_F_ACK_TLVS). */
export function parseAck(m: NlMessage): NlAck {
  const p = m.payload;
  if (p.length < NLMSGERR.minSize) throw badMessage(`error message of ${p.length} bytes (at least ${NLMSGERR.minSize})`);
  const err = p.readInt32LE(NLMSGERR.error);
  const h = NLMSGERR.msg;
  const request = {
    len: p.readUInt32LE(h + NLMSGHDR.len),
    type: p.readUInt16LE(h + NLMSGHDR.type),
    flags: p.readUInt16LE(h + NLMSGHDR.flags),
    seq: p.readUInt32LE(h + NLMSGHDR.seq),
    pid: p.readUInt32LE(h + NLMSGHDR.pid),
  };
  let message: string | null = null;
  let offset: number | null = null;
  if (m.flags & NLM_F.ACK_TLVS) {
    const echoed = m.flags & NLM_F.CAPPED ? NLMSGHDR.size : nlmsgAlign(request.len);
    const tlvAt = h + echoed;
    if (tlvAt > p.length) throw badMessage(`ack TLVs start at ${tlvAt}, past the message (${p.length})`);
    const tlv = AttrSet.parse(p, tlvAt, p.length);
    message = tlv.str(NLMSGERR_ATTR.MSG) ?? null;
    offset = tlv.u32(NLMSGERR_ATTR.OFFS) ?? null;
  }
  return { errno: err < 0 ? -err : err, request, message, offset };
}

/** NLMSG_DONE carries an int: 0, or -errno when the dump failed; then optional TLVs. */
export function parseDone(m: NlMessage): { errno: number; message: string | null } {
  if (m.payload.length < 4) return { errno: 0, message: null };
  const err = m.payload.readInt32LE(0);
  let message: string | null = null;
  if (m.flags & NLM_F.ACK_TLVS && m.payload.length > 4) {
    message = AttrSet.parse(m.payload, 4, m.payload.length).str(NLMSGERR_ATTR.MSG) ?? null;
  }
  return { errno: err < 0 ? -err : err, message };
}

export const isControl = (type: number): boolean => type === NLMSG.ERROR || type === NLMSG.DONE || type === NLMSG.NOOP || type === NLMSG.OVERRUN;
