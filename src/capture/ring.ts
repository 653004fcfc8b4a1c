// One AF_PACKET socket with a TPACKET_V3 receive ring, bound to one interface, opened
// inside that interface's namespace (docs/ARCHITECTURE.md, rule 2: the socket keeps its namespace).
// The ring is read through a DataView over the mmap'ed memory: no copy, no allocation
// per packet; each block is handed back to the kernel as soon as it is walked.
import { ENETDOWN, ENODEV } from '../sys/errno.js';
import { VpingError, SysError } from '../sys/errors.js';
import {
  AF_PACKET, MAP_SHARED, PROT_READ, PROT_WRITE, SOCK_CLOEXEC, SOCK_NONBLOCK, SOCK_RAW, SOL_SOCKET, SO_ATTACH_FILTER,
  addressOf, bind, close, getsockopt, mmap, munmap, pinned, setsockopt, socket, view,
} from '../sys/libc.js';
import { ifNameToIndex } from '../sys/netif.js';
import { withNetns, type NetnsRef } from '../ns/netns.js';
import {
  BLOCK, ETH_P_ALL, FPROG, PACKET, REQ3, SLL, SOL_PACKET, SO_ERROR, STATS3, TP3, TPACKET_V3, TP_STATUS,
} from './tpacket.js';

export interface RingOptions {
  /** Bytes per block (a multiple of the page size). Default 1 MiB. */
  blockSize?: number;
  /** Blocks in the ring. Default 32 (32 MiB with the default block). */
  blockCount?: number;
  /** ms after which the kernel hands over a block that is not full. Default 8. */
  retireMs?: number;
  /** Classic BPF program (struct sock_filter array) to attach before binding. */
  filter?: Buffer | null;
  /** Do not deliver the interface's own outgoing frames (tcpdump -Q in). */
  ignoreOutgoing?: boolean;
}

/**
 * Called once per frame while a block is walked. `buf` is the whole ring (valid only
 * during the call); the frame is buf[off, off+caplen). `vlanTci` is -1 when the kernel
 * stripped no VLAN tag.
 */
export type FrameHandler = (
  buf: Buffer, off: number, caplen: number, len: number, sec: number, nsec: number, pkttype: number, vlanTci: number, vlanTpid: number,
) => void;

/**
 * Walks one whole block the kernel has handed over: `words` and `bytes` are the whole ring
 * (tpacket headers are 16-byte aligned, so their fields are whole words); the block is
 * [blk, end); the first `skip` frames were already delivered by drain(). Must read nothing
 * outside the block. Returns the frames it walked.
 */
export type BlockWalker = (words: Uint32Array, bytes: Buffer, blk: number, end: number, skip: number) => number;

export interface RingStats {
  /** Packets that passed the filter (tcpdump's "received by filter"); includes drops. */
  packets: number;
  /** Packets the kernel dropped because the ring was full. */
  drops: number;
}

export class InterfaceGone extends VpingError {
  constructor(label: string, errno: number) {
    super(errno === ENETDOWN ? 'ENETDOWN' : 'ENODEV', `${label}: the interface went down or vanished`);
  }
}

export class PacketRing implements Disposable {
  readonly fd: number;
  readonly ifIndex: number;
  readonly label: string;
  readonly blockSize: number;
  readonly blockCount: number;
  readonly retireMs: number;
  #addr: bigint;
  #mapLen: number;
  #buf: Buffer;
  #dv: DataView;
  #words: Uint32Array;
  #cursor = 0;
  #packets = 0;
  #drops = 0;
  #closed = false;
  readonly #statsBuf = Buffer.alloc(STATS3.SIZE);

  private constructor(fd: number, ifIndex: number, label: string, addr: bigint, blockSize: number, blockCount: number, retireMs: number, mem: Buffer | null = null) {
    this.fd = fd;
    this.ifIndex = ifIndex;
    this.label = label;
    this.#addr = addr;
    this.blockSize = blockSize;
    this.blockCount = blockCount;
    this.retireMs = retireMs;
    this.#mapLen = blockSize * blockCount;
    this.#buf = mem ?? Buffer.from(view(addr, this.#mapLen));
    this.#dv = new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.byteLength);
    this.#words = new Uint32Array(this.#buf.buffer, this.#buf.byteOffset, this.#buf.byteLength >>> 2);
  }

  /**
   * Open a ring on `ifName` in namespace `ns` (null: the current one). The socket is made
   * with protocol 0 so that it sees nothing until the filter and ring are in place, then
   * bound to ETH_P_ALL on the interface (libpcap's order). A failed step closes what the
   * earlier ones opened.
   */
  static open(ns: NetnsRef, ifName: string, opts: RingOptions = {}): PacketRing {
    const label = typeof ns === 'string' ? `${ns}:${ifName}` : ns ? `${ns.label}:${ifName}` : ifName;
    const blockSize = opts.blockSize ?? 1 << 20;
    const blockCount = opts.blockCount ?? 32;
    const retireMs = opts.retireMs ?? 8;
    if (blockSize % 4096 !== 0 || blockSize <= 0) throw new VpingError('EINVAL', `ring block size ${blockSize} is not a multiple of the page size`);
    if (blockCount < 1) throw new VpingError('EINVAL', 'ring needs at least one block');
    let ifIndex = 0;
    let fd = -1;
    let addr = 0n;
    try {
      withNetns(ns, () => {
        try {
          ifIndex = ifNameToIndex(ifName);
        } catch (e) {
          if (e instanceof SysError) throw new VpingError('ENODEV', `${label}: no such interface${typeof ns === 'string' ? ` in namespace ${ns}` : ''}`);
          throw e;
        }
        fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, `capture ${label}`);
      });
      setsockopt(fd, SOL_PACKET, PACKET.VERSION, TPACKET_V3, 'setsockopt(PACKET_VERSION, TPACKET_V3)');
      if (opts.ignoreOutgoing) setsockopt(fd, SOL_PACKET, PACKET.IGNORE_OUTGOING, 1, 'setsockopt(PACKET_IGNORE_OUTGOING)');
      if (opts.filter && opts.filter.length > 0) attachFilter(fd, opts.filter);
      const frameSize = 2048;
      const req = Buffer.alloc(REQ3.SIZE);
      req.writeUInt32LE(blockSize, REQ3.BLOCK_SIZE);
      req.writeUInt32LE(blockCount, REQ3.BLOCK_NR);
      req.writeUInt32LE(frameSize, REQ3.FRAME_SIZE);
      req.writeUInt32LE((blockSize / frameSize) * blockCount, REQ3.FRAME_NR);
      req.writeUInt32LE(retireMs, REQ3.RETIRE_TOV);
      setsockopt(fd, SOL_PACKET, PACKET.RX_RING, req, `setsockopt(PACKET_RX_RING, ${blockCount}×${blockSize})`);
      addr = mmap(blockSize * blockCount, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 'mmap(capture ring)');
      const sll = Buffer.alloc(SLL.SIZE);
      sll.writeUInt16LE(AF_PACKET, SLL.FAMILY);
      sll.writeUInt16BE(ETH_P_ALL, SLL.PROTOCOL);
      sll.writeInt32LE(ifIndex, SLL.IFINDEX);
      try {
        bind(fd, sll, `bind(${label})`);
      } catch (e) {
        if (e instanceof SysError && (e.errno === ENODEV || e.errno === ENETDOWN)) throw new InterfaceGone(label, e.errno);
        throw e;
      }
      return new PacketRing(fd, ifIndex, label, addr, blockSize, blockCount, retireMs);
    } catch (e) {
      if (addr) munmap(addr, blockSize * blockCount);
      if (fd >= 0) close(fd);
      throw e;
    }
  }

  /**
   * A ring over plain memory, with no socket: the blocks are "handed over" by whoever writes
   * their status word. Warm-ups walk one through the very code (and the same hidden class) a
   * capture runs, so V8's feedback is a real ring's, and the capture's first frames meet
   * compiled code that nothing of the warm-up's makes it throw away.
   */
  static overMemory(mem: Buffer, blockSize: number, retireMs = 8): PacketRing {
    if (blockSize % 16 !== 0 || blockSize <= 0 || mem.length % blockSize !== 0 || mem.byteOffset % 4 !== 0) {
      throw new VpingError('EINVAL', `ring memory of ${mem.length} bytes is not whole blocks of ${blockSize}`);
    }
    return new PacketRing(-1, 0, 'memory', 0n, blockSize, mem.length / blockSize, retireMs, mem);
  }

  /**
   * Walk every block the kernel has handed over, in order, calling `onFrame` for each
   * frame; give each block back after its walk. Stops early (mid-block, without
   * returning it) when `onFrame` makes `limit` reach 0. Returns the frames seen.
   */
  drain(onFrame: FrameHandler, limit = Infinity): number {
    const dv = this.#dv;
    const buf = this.#buf;
    const bs = this.blockSize;
    let n = 0;
    while (n < limit) {
      const blk = this.#cursor * bs;
      if ((dv.getUint32(blk + BLOCK.STATUS, true) & TP_STATUS.USER) === 0) break;
      const num = dv.getUint32(blk + BLOCK.NUM_PKTS, true);
      let p = blk + dv.getUint32(blk + BLOCK.FIRST_PKT, true);
      const skip = this.#partial; // frames of this block already delivered before a limit stop
      for (let i = 0; i < num; i++) {
        if (p + TP3.SLL + SLL.SIZE > blk + bs) break; // a lying header; never read outside the block
        const next = dv.getUint32(p + TP3.NEXT, true);
        if (i >= skip) {
          const status = dv.getUint32(p + TP3.STATUS, true);
          const caplen = dv.getUint32(p + TP3.SNAPLEN, true);
          const mac = dv.getUint16(p + TP3.MAC, true);
          const vlan = status & TP_STATUS.VLAN_VALID ? dv.getUint32(p + TP3.VLAN_TCI, true) & 0xffff : -1;
          const tpid = status & TP_STATUS.VLAN_TPID_VALID ? dv.getUint16(p + TP3.VLAN_TPID, true) : 0x8100;
          const off = p + mac;
          if (off + caplen <= blk + bs) {
            onFrame(buf, off, caplen, dv.getUint32(p + TP3.LEN, true), dv.getUint32(p + TP3.SEC, true), dv.getUint32(p + TP3.NSEC, true), buf[p + TP3.SLL + SLL.PKTTYPE], vlan, tpid);
          }
          n++;
          if (n >= limit && i + 1 < num) {
            this.#partial = i + 1;
            return n;
          }
        }
        if (next === 0) break;
        p += next;
      }
      this.#partial = 0;
      dv.setUint32(blk + BLOCK.STATUS, TP_STATUS.KERNEL, true);
      this.#cursor = (this.#cursor + 1) % this.blockCount;
    }
    return n;
  }
  #partial = 0;

  /**
   * Hand every block the kernel has handed over to `walk`, whole and in order, and give
   * each back after its walk. The views of the ring are made once, at open: nothing is
   * allocated per block or per frame. Returns the frames walked.
   */
  drainBlocks(walk: BlockWalker): number {
    const words = this.#words;
    const bs = this.blockSize;
    let n = 0;
    for (;;) {
      const blk = this.#cursor * bs;
      if ((words[(blk + BLOCK.STATUS) >>> 2] & TP_STATUS.USER) === 0) break;
      n += walk(words, this.#buf, blk, blk + bs, this.#partial);
      this.#partial = 0;
      words[(blk + BLOCK.STATUS) >>> 2] = TP_STATUS.KERNEL;
      this.#cursor = (this.#cursor + 1) % this.blockCount;
    }
    return n;
  }

  /** Blocks taken by takeBlocks and not yet given back: they follow the cursor. */
  #held = 0;

  /** The ring's memory, as bytes and as words (for walkers that hold blocks). */
  get bytes(): Buffer {
    return this.#buf;
  }
  get words(): Uint32Array {
    return this.#words;
  }

  /**
   * Take the blocks the kernel has handed over since the last take, without giving them back
   * (a merge across rings holds them until every frame in them is written): their offsets go
   * into `out`, in order. Returns how many were taken. Not mixed with drain()/drainBlocks().
   */
  takeBlocks(out: number[]): number {
    const words = this.#words;
    const bs = this.blockSize;
    let n = 0;
    while (this.#held < this.blockCount) {
      const blk = ((this.#cursor + this.#held) % this.blockCount) * bs;
      if ((words[(blk + BLOCK.STATUS) >>> 2] & TP_STATUS.USER) === 0) break;
      out.push(blk);
      this.#held++;
      n++;
    }
    return n;
  }

  /**
   * What the block after the taken ones holds that has not been handed over: 'user' (it was
   * handed over since the take), 'empty' (the kernel's open block, no frame in it yet), or
   * 'open' with the timestamp of its first frame in ts[0] (s) and ts[1] (ns). Read while the
   * kernel writes the block: a frame being added may show a count before its time, and that
   * time is then an older one (zero, or the block's last round), never a later one.
   */
  peekOpen(ts: Uint32Array): 'user' | 'empty' | 'open' {
    const words = this.#words;
    const blk = ((this.#cursor + this.#held) % this.blockCount) * this.blockSize;
    if (this.#held >= this.blockCount || words[(blk + BLOCK.STATUS) >>> 2] & TP_STATUS.USER) return 'user';
    if (words[(blk + BLOCK.NUM_PKTS) >>> 2] === 0) return 'empty';
    const p = blk + words[(blk + BLOCK.FIRST_PKT) >>> 2];
    if ((p & 3) !== 0 || p + TP3.NSEC + 4 > blk + this.blockSize) {
      ts[0] = 0;
      ts[1] = 0;
    } else {
      ts[0] = words[(p + TP3.SEC) >>> 2];
      ts[1] = words[(p + TP3.NSEC) >>> 2];
    }
    return 'open';
  }

  /** Give the `n` oldest taken blocks back to the kernel. */
  releaseBlocks(n: number): void {
    const words = this.#words;
    const bs = this.blockSize;
    for (let k = 0; k < n && this.#held > 0; k++) {
      // no frame count left from this round: peekOpen would read it as the open block's
      words[(this.#cursor * bs + BLOCK.NUM_PKTS) >>> 2] = 0;
      words[(this.#cursor * bs + BLOCK.STATUS) >>> 2] = TP_STATUS.KERNEL;
      this.#cursor = (this.#cursor + 1) % this.blockCount;
      this.#held--;
    }
  }

  /** Cumulative kernel counts (PACKET_STATISTICS resets on each read; this adds them up). */
  stats(): RingStats {
    if (!this.#closed && this.fd >= 0) {
      const b = getsockopt(this.fd, SOL_PACKET, PACKET.STATISTICS, STATS3.SIZE, 'getsockopt(PACKET_STATISTICS)');
      this.#packets += b.readUInt32LE(STATS3.PACKETS);
      this.#drops += b.readUInt32LE(STATS3.DROPS);
    }
    void this.#statsBuf;
    return { packets: this.#packets, drops: this.#drops };
  }

  /** The socket's pending error (SO_ERROR): ENETDOWN when the interface went away. */
  pendingError(): number {
    if (this.#closed || this.fd < 0) return 0;
    return getsockopt(this.fd, SOL_SOCKET, SO_ERROR, 4, 'getsockopt(SO_ERROR)').readInt32LE(0);
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    if (this.#closed) return;
    this.stats();
    this.#closed = true;
    if (this.fd < 0) return; // over plain memory: nothing mapped, no socket
    munmap(this.#addr, this.#mapLen);
    close(this.fd);
  }
  [Symbol.dispose](): void {
    this.close();
  }
}

/** SO_ATTACH_FILTER with a struct sock_fprog pointing at the program. */
export function attachFilter(fd: number, insns: Buffer): void {
  const prog = pinned(insns.length);
  insns.copy(prog);
  const fprog = Buffer.alloc(FPROG.SIZE);
  fprog.writeUInt16LE(insns.length / 8, FPROG.LEN);
  fprog.writeBigUInt64LE(addressOf(prog), FPROG.FILTER);
  setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, fprog, 'setsockopt(SO_ATTACH_FILTER)');
}

/** `ret #snaplen`: a one-instruction program that accepts every frame cut to snaplen. */
export function snaplenProgram(snaplen: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt16LE(0x06, 0); // BPF_RET | BPF_K
  b.writeUInt32LE(snaplen, 4);
  return b;
}
