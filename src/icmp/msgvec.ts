// Batches of messages for sendmmsg/recvmmsg: a vector of mmsghdrs, each with one iovec and
// optional name and control areas, all in pinned memory made once. The engine reuses one
// vector per direction for its whole run, so a packet costs no allocation.
import { addressOf, pinned } from '../sys/libc.js';
import { IOVEC, MMSGHDR } from '../sys/socket.js';

/** A vector of `n` mmsghdrs, each with one iovec (and optional name/control), in pinned memory. */
export class MsgVec {
  readonly vec: Buffer;
  readonly dv: DataView;
  readonly iov: Buffer;
  readonly data: Buffer;
  readonly names: Buffer | null;
  readonly ctl: Buffer | null;
  /** the control area as u32 words (pinned buffers start at offset 0, 8-aligned) */
  readonly ctl32: Uint32Array | null;
  /** one view per slot's data, made once (no allocation per packet) */
  readonly slots: Uint8Array[];
  /** slots the kernel wrote on the last call (their lengths need restoring) */
  dirty: number;
  constructor(readonly n: number, readonly slot: number, nameSize: number, readonly ctlSize: number) {
    this.vec = pinned(n * MMSGHDR.size);
    this.dv = new DataView(this.vec.buffer, this.vec.byteOffset, this.vec.byteLength);
    this.iov = pinned(n * IOVEC.size);
    this.data = pinned(Math.max(1, n * slot));
    this.names = nameSize ? pinned(n * nameSize) : null;
    this.ctl = ctlSize ? pinned(n * ctlSize) : null;
    this.ctl32 = this.ctl ? new Uint32Array(this.ctl.buffer, this.ctl.byteOffset, this.ctl.byteLength >>> 2) : null;
    this.slots = [];
    for (let i = 0; i < n; i++) this.slots.push(this.data.subarray(i * slot, (i + 1) * slot));
    this.dirty = 0;
    const iovDv = new DataView(this.iov.buffer, this.iov.byteOffset, this.iov.byteLength);
    const dataAddr = addressOf(this.data);
    const iovAddr = addressOf(this.iov);
    const nameAddr = this.names ? addressOf(this.names) : 0n;
    const ctlAddr = this.ctl ? addressOf(this.ctl) : 0n;
    for (let i = 0; i < n; i++) {
      iovDv.setBigUint64(i * IOVEC.size + IOVEC.base, dataAddr + BigInt(i * slot), true);
      iovDv.setBigUint64(i * IOVEC.size + IOVEC.len, BigInt(slot), true);
      const m = i * MMSGHDR.size;
      this.dv.setBigUint64(m + MMSGHDR.iov, iovAddr + BigInt(i * IOVEC.size), true);
      this.dv.setBigUint64(m + MMSGHDR.iovlen, 1n, true);
      if (this.names) {
        this.dv.setBigUint64(m + MMSGHDR.name, nameAddr + BigInt(i * nameSize), true);
        this.dv.setUint32(m + MMSGHDR.namelen, nameSize, true);
      }
      if (this.ctl) {
        this.dv.setBigUint64(m + MMSGHDR.control, ctlAddr + BigInt(i * ctlSize), true);
        this.dv.setBigUint64(m + MMSGHDR.controllen, BigInt(ctlSize), true);
      }
    }
  }
  /** Restore the lengths the kernel rewrote, for the first k slots. */
  reset(k: number, nameSize: number): void {
    const dv = this.dv;
    for (let i = 0; i < k; i++) {
      const m = i * MMSGHDR.size;
      if (nameSize) dv.setUint32(m + MMSGHDR.namelen, nameSize, true);
      if (this.ctlSize) {
        dv.setUint32(m + MMSGHDR.controllen, this.ctlSize, true);
        dv.setUint32(m + MMSGHDR.controllen + 4, 0, true);
      }
      dv.setInt32(m + MMSGHDR.flags, 0, true);
    }
  }
  msgLen(i: number): number {
    return this.dv.getUint32(i * MMSGHDR.size + MMSGHDR.len, true);
  }
  controlLen(i: number): number {
    return this.dv.getUint32(i * MMSGHDR.size + MMSGHDR.controllen, true);
  }
}
