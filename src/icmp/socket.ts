// The engine's ICMP socket, opened and configured once inside the source namespace: raw (or
// an ICMP datagram socket without CAP_NET_RAW, as iputils falls back), bound to a device or
// address, ping's socket options (SO_SNDBUF of one packet and SO_SNDTIMEO for back-pressure,
// IP_RECVERR, the ICMP type filter and the echo-id BPF filter) and the kernel timestamps.
// Pure helpers (the send-buffer estimate, the send timeout, the BPF program) are exported for
// unit tests.
import { readFileSync } from 'node:fs';
import { SysError, VpingError } from '../sys/errors.js';
import {
  AF_INET, AF_INET6, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_RAW, SOL_SOCKET, SO_ATTACH_FILTER, SO_BINDTODEVICE, SO_RCVBUF, SO_RCVBUFFORCE,
  SO_SNDBUF, SO_TIMESTAMPING, SO_TIMESTAMPNS, addressOf, bind, close, connect, getsockname, pinned, setsockopt, socket, strerror,
} from '../sys/libc.js';
import {
  IP_RECVTTL, IPPROTO_IP, IPPROTO_IPV6, IP_RECVERR, IPV6_RECVERR, IPV6_RECVHOPLIMIT, SOF_TIMESTAMPING, SO_RCVTIMEO, SO_SNDTIMEO,
} from '../sys/socket.js';
import { EACCES, EADDRINUSE, EPERM } from '../sys/errno.js';
import { withNetns } from '../ns/netns.js';
import { formatSockaddr } from './addr.js';
import type { IcmpFamily } from './family.js';
import type { ReadyInfo } from './events.js';
import { MININTERVAL_NS } from './pinger.js';
import type { EngineConfig } from './engine-core.js';

/** The socket the engine runs on, and what setting it up found out. */
export interface IcmpSocket {
  fd: number;
  /** kernel timestamps were granted */
  kernelTs: boolean;
  /** the source address and device, when -I chose them */
  source: ReadyInfo['source'];
  /** an ICMP datagram socket (no privileges): the kernel owns the echo id */
  dgram: boolean;
  /** the echo id in use (the datagram socket's bound port) */
  id: number;
}

/** net.ipv4.ping_group_range as the kernel prints it ("1\t0": nobody), for messages. */
function pingGroupRange(): string {
  try {
    return readFileSync('/proc/sys/net/ipv4/ping_group_range', 'utf8').trim().replace(/\s+/, ' ');
  } catch {
    return '?';
  }
}

/**
 * A raw ICMP socket, or, when raw is refused (no CAP_NET_RAW), an ICMP datagram socket as
 * iputils falls back to: the kernel allows it to the groups in net.ipv4.ping_group_range,
 * owns the echo id (bound here as the socket's port: cfg.id, or another when taken) and
 * delivers only this socket's replies.
 */
function openIcmpSocket(fam: IcmpFamily): { fd: number; dgram: boolean } {
  try {
    return { fd: socket(fam.af, SOCK_RAW | SOCK_CLOEXEC, fam.proto), dgram: false };
  } catch (e) {
    if (!(e instanceof SysError && (e.errno === EPERM || e.errno === EACCES))) throw e;
  }
  let fd: number;
  try {
    fd = socket(fam.af, SOCK_DGRAM | SOCK_CLOEXEC, fam.proto);
  } catch (e) {
    if (e instanceof SysError && (e.errno === EPERM || e.errno === EACCES)) {
      throw new VpingError(e.code, `ping needs root (CAP_NET_RAW) or a group in net.ipv4.ping_group_range (now ${pingGroupRange()}): ${strerror(e.errno)}`);
    }
    throw e;
  }
  return { fd, dgram: true };
}

/** Open and set up the ICMP socket for `cfg` inside its namespace; closed again on any failure. */
export function openSocket(cfg: EngineConfig, fam: IcmpFamily): IcmpSocket {
  return withNetns(cfg.netns, () => {
    const { fd, dgram } = openIcmpSocket(fam);
    let id = cfg.id;
    try {
      if (dgram) id = bindEchoId(fd, cfg, fam);
      let source: ReadyInfo['source'] = null;
      if (cfg.iface !== null) {
        const dev = Buffer.from(cfg.iface + '\0');
        try {
          setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev);
        } catch (e) {
          if (e instanceof SysError) throw new VpingError(e.code, `SO_BINDTODEVICE ${cfg.iface}: ${strerror(e.errno)}`);
          throw e;
        }
      }
      if (cfg.source !== null && !dgram) {
        try {
          bind(fd, fam.sockaddr(Uint8Array.from(cfg.source)));
        } catch (e) {
          if (e instanceof SysError) throw new VpingError(e.code, `bind: ${strerror(e.errno)}`);
          throw e;
        }
      }
      if (cfg.iface !== null || cfg.source !== null) source = { address: probeSource(cfg, fam), iface: cfg.iface ?? '' };
      if (cfg.ttl !== null) {
        try {
          setsockopt(fd, fam.ttlOpt.level, fam.ttlOpt.name, cfg.ttl);
        } catch (e) {
          if (e instanceof SysError) throw new VpingError(e.code, `cannot set unicast time-to-live: ${strerror(e.errno)}`);
          throw e;
        }
      }
      if (!dgram) {
        // a datagram socket gets only its own echo replies: no type filter, no id filter
        const f = fam.filter();
        setsockopt(fd, f.level, f.name, f.value, 'setsockopt(ICMP_FILTER)');
        if (cfg.idFilter) attachIdFilter(fd, cfg.family, cfg.id);
      } else if (fam.af === AF_INET) {
        // no IP header comes with the reply: its TTL as a control message
        setsockopt(fd, IPPROTO_IP, IP_RECVTTL, 1, 'setsockopt(IP_RECVTTL)');
      }
      if (fam.af === AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1, 'setsockopt(IPV6_RECVHOPLIMIT)');
      // IP_RECVERR as iputils: without it a raw socket's send reports success for a probe the
      // qdisc dropped (the kernel swallows ENOBUFS), so a shaper's drops would pass for loss.
      // With it the send fails with ENOBUFS and is retried; ICMP errors also land on the error
      // queue (drained and set aside: the engine reads them from the packets themselves).
      if (fam.af === AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, 1, 'setsockopt(IPV6_RECVERR)');
      else setsockopt(fd, IPPROTO_IP, IP_RECVERR, 1, 'setsockopt(IP_RECVERR)');
      const buf = Math.max(65536, (cfg.datalen + 128) * Math.max(cfg.preload, 64));
      try {
        setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, Math.min(buf * 4, 16 << 20));
      } catch {
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, buf);
      }
      // Back-pressure as iputils: a send buffer of about one packet, so an echo waiting in a
      // qdisc (tbf, htb) holds the socket and the next send waits for room (SO_SNDTIMEO)
      // instead of overflowing the queue — a probe dropped by our own sender is not loss.
      setsockopt(fd, SOL_SOCKET, SO_SNDBUF, sndbufEstimate(cfg.datalen, cfg.family));
      // struct timeval { tv_sec @0; tv_usec @8 }: tv_usec must stay below 1e6 (EDOM)
      const sndtimeo = Buffer.alloc(16);
      const us = sendTimeoutUs(cfg.intervalMs);
      sndtimeo.writeBigInt64LE(BigInt(Math.floor(us / 1e6)), 0);
      sndtimeo.writeBigInt64LE(BigInt(us % 1e6), 8);
      setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, sndtimeo, 'setsockopt(SO_SNDTIMEO)');
      let kernelTs = cfg.kernelTimestamps;
      if (kernelTs) {
        try {
          // RX stamps through SO_TIMESTAMPNS (a 32-byte cmsg on every reply: the end of the
          // default span). TX stamps through SO_TIMESTAMPING on the error queue, keyed by
          // OPT_ID: TX_SCHED as the request enters the qdisc, TX_SOFTWARE as it leaves
          // through the device; with sampling they are asked per message (a cmsg on sendmsg).
          // OPT_RX_FILTER keeps SOFTWARE's reporting flag from adding a second RX copy.
          const tx = cfg.txStampEvery === 1 ? SOF_TIMESTAMPING.TX_SOFTWARE | SOF_TIMESTAMPING.TX_SCHED : 0;
          setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING,
            tx | SOF_TIMESTAMPING.SOFTWARE | SOF_TIMESTAMPING.OPT_ID | SOF_TIMESTAMPING.OPT_TSONLY | SOF_TIMESTAMPING.OPT_RX_FILTER);
          setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, 1);
        } catch {
          // no kernel stamps: hrtime only
          kernelTs = false;
        }
      }
      if (cfg.flood || cfg.intervalMs === 0) {
        // blocking receive waits at most ping's MININTERVAL, so the loop can send again
        const tv = Buffer.alloc(16);
        tv.writeBigInt64LE(0n, 0);
        tv.writeBigInt64LE(10000n, 8);
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, tv, 'setsockopt(SO_RCVTIMEO)');
      }
      return { fd, kernelTs, source, dgram, id };
    } catch (e) {
      close(fd);
      throw e;
    }
  });
}

/**
 * Bind an ICMP datagram socket to its echo id (the kernel's "port"): cfg.id, or when another
 * socket holds it, one the kernel picks (port 0), read back. With -I ADDR, bound to it too.
 */
function bindEchoId(fd: number, cfg: EngineConfig, fam: IcmpFamily): number {
  const sa = fam.sockaddr(Uint8Array.from(cfg.source ?? new Uint8Array(fam.addrLen)));
  for (const port of [cfg.id, 0]) {
    sa.writeUInt16BE(port, 2);
    try {
      bind(fd, sa);
      return getsockname(fd).readUInt16BE(2);
    } catch (e) {
      if (!(e instanceof SysError && e.errno === EADDRINUSE && port !== 0)) {
        if (e instanceof SysError) throw new VpingError(e.code, `bind: ${strerror(e.errno)}`);
        throw e;
      }
    }
  }
  throw new VpingError('EADDRINUSE', 'bind: no echo id free');
}

/**
 * iputils' estimate of the memory one probe takes in the socket (ping.c): the ICMP message plus,
 * per started 512 bytes, room for headers and the kernel's overhead. Used as SO_SNDBUF.
 */
export function sndbufEstimate(datalen: number, family: 4 | 6): number {
  const hold = datalen + 8;
  return hold + Math.trunc((hold + 511) / 512) * ((family === 4 ? 20 : 40) + 16 + 64 + 160);
}

/** ping's SO_SNDTIMEO in µs: the interval, at least 10 ms (SCHINT), at most 1 s. */
export function sendTimeoutUs(intervalMs: number): number {
  return Math.min(1000, Math.max(MININTERVAL_NS / 1e6, intervalMs)) * 1000;
}

// struct sock_filter { __u16 code; __u8 jt; __u8 jf; __u32 k; } (linux/filter.h), 8 bytes
const BPF = {
  /** BPF_LDX|BPF_B|BPF_MSH: X = 4*([k]&0xf) */
  LDX_MSH: 0xb1,
  /** BPF_LD|BPF_B|BPF_ABS / BPF_LD|BPF_H|BPF_ABS */
  LDB_ABS: 0x30, LDH_ABS: 0x28,
  /** BPF_LD|BPF_B|BPF_IND / BPF_LD|BPF_H|BPF_IND */
  LDB_IND: 0x50, LDH_IND: 0x48,
  /** BPF_JMP|BPF_JEQ|BPF_K */
  JEQ: 0x15,
  /** BPF_RET|BPF_K */
  RET: 0x06,
} as const;

/**
 * The id filter as iputils' install_filter(): accept anything but an echo reply, and an echo
 * reply only with our id. A raw IPv4 socket sees the IP header first (its length from the
 * IHL nibble); a raw ICMPv6 socket sees the ICMPv6 header. Returns the program's instructions.
 */
export function idFilterProgram(family: 4 | 6, id: number): [number, number, number, number][] {
  if (family === 4) {
    return [
      [BPF.LDX_MSH, 0, 0, 0], // X = IP header length
      [BPF.LDB_IND, 0, 0, 0], // A = icmp type
      [BPF.JEQ, 0, 2, 0], // ICMP_ECHOREPLY? else accept
      [BPF.LDH_IND, 0, 0, 4], // A = icmp id
      [BPF.JEQ, 0, 1, id],
      [BPF.RET, 0, 0, 0xffffffff],
      [BPF.RET, 0, 0, 0],
    ];
  }
  return [
    [BPF.LDB_ABS, 0, 0, 0], // A = icmp6 type
    [BPF.JEQ, 0, 2, 129], // ICMP6_ECHO_REPLY? else accept
    [BPF.LDH_ABS, 0, 0, 4], // A = icmp6 id
    [BPF.JEQ, 0, 1, id],
    [BPF.RET, 0, 0, 0xffffffff],
    [BPF.RET, 0, 0, 0],
  ];
}

function attachIdFilter(fd: number, family: 4 | 6, id: number): void {
  const prog = idFilterProgram(family, id);
  const ins = pinned(prog.length * 8);
  prog.forEach(([code, jt, jf, k], i) => {
    ins.writeUInt16LE(code, i * 8);
    ins[i * 8 + 2] = jt;
    ins[i * 8 + 3] = jf;
    ins.writeUInt32LE(k >>> 0, i * 8 + 4);
  });
  // struct sock_fprog { unsigned short len; /* 6 bytes padding */ struct sock_filter *filter; }
  const fprog = Buffer.alloc(16);
  fprog.writeUInt16LE(prog.length, 0);
  fprog.writeBigUInt64LE(addressOf(ins), 8);
  // the kernel copies the program during the call
  setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, fprog, 'setsockopt(SO_ATTACH_FILTER)');
}

/** The source address the kernel would pick (a connected UDP socket; no packet is sent). */
function probeSource(cfg: EngineConfig, fam: IcmpFamily): string {
  const u = socket(fam.af, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  try {
    if (cfg.iface !== null) setsockopt(u, SOL_SOCKET, SO_BINDTODEVICE, Buffer.from(cfg.iface + '\0'));
    if (cfg.source !== null) bind(u, fam.sockaddr(Uint8Array.from(cfg.source)));
    const sa = fam.sockaddr(Uint8Array.from(cfg.dest));
    sa.writeUInt16BE(1025, 2);
    connect(u, sa);
    return formatSockaddr(getsockname(u));
  } finally {
    close(u);
  }
}
