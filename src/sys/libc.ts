// The FFI boundary: libc through koffi. No other folder imports koffi (eslint enforces it).
// Every wrapper reads errno immediately after its call and throws a SysError; callers
// never see -1. Pointers are passed as Buffers (koffi pins them for the call); a Buffer
// whose address must be stored inside another struct (iovec, msghdr) is made with
// `pinned()` so its memory never moves while a call may use it.

import koffi from './koffi.js';
import { libc } from './ffi.js';
import { SysError, installStrerror } from './errors.js';


const fn = {
  strerror: libc.func('const char *strerror(int errnum)'),
  socket: libc.func('int socket(int domain, int type, int protocol)'),
  bind: libc.func('int bind(int fd, void *addr, uint32_t addrlen)'),
  connect: libc.func('int connect(int fd, void *addr, uint32_t addrlen)'),
  getsockname: libc.func('int getsockname(int fd, void *addr, _Inout_ uint32_t *addrlen)'),
  setsockopt: libc.func('int setsockopt(int fd, int level, int name, void *val, uint32_t len)'),
  getsockopt: libc.func('int getsockopt(int fd, int level, int name, void *val, _Inout_ uint32_t *len)'),
  sendto: libc.func('intptr_t sendto(int fd, void *buf, size_t len, int flags, void *addr, uint32_t addrlen)'),
  send: libc.func('intptr_t send(int fd, void *buf, size_t len, int flags)'),
  recv: libc.func('intptr_t recv(int fd, void *buf, size_t len, int flags)'),
  recvfrom: libc.func('intptr_t recvfrom(int fd, void *buf, size_t len, int flags, void *addr, _Inout_ uint32_t *addrlen)'),
  recvmsg: libc.func('intptr_t recvmsg(int fd, void *msg, int flags)'),
  sendmsg: libc.func('intptr_t sendmsg(int fd, void *msg, int flags)'),
  recvmmsg: libc.func('int recvmmsg(int fd, void *msgvec, unsigned int vlen, int flags, void *timeout)'),
  sendmmsg: libc.func('int sendmmsg(int fd, void *msgvec, unsigned int vlen, int flags)'),
  close: libc.func('int close(int fd)'),
  poll: libc.func('int poll(void *fds, unsigned long nfds, int timeout)'),
  ppoll: libc.func('int ppoll(void *fds, unsigned long nfds, void *tmo, void *sigmask)'),
  sched_yield: libc.func('int sched_yield()'),
  prctl: libc.func('int prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5)'),
  open: libc.func('int open(const char *path, int flags, uint32_t mode)'),
  flock: libc.func('int flock(int fd, int op)'),
  mkdir: libc.func('int mkdir(const char *path, uint32_t mode)'),
  unlink: libc.func('int unlink(const char *path)'),
  mount: libc.func('int mount(const char *src, const char *target, const char *fstype, unsigned long flags, const char *data)'),
  umount2: libc.func('int umount2(const char *target, int flags)'),
  setns: libc.func('int setns(int fd, int nstype)'),
  // ioctl is variadic; the request-only form is the same call for the ns ioctls (no argument)
  ioctl0: libc.func('int ioctl(int fd, unsigned long req)'),
  // and the form with a pointer (struct ifreq for SIOCGIFFLAGS/SIOCSIFFLAGS)
  ioctlPtr: libc.func('int ioctl(int fd, unsigned long req, void *arg)'),
  unshare: libc.func('int unshare(int flags)'),
  fchdir: libc.func('int fchdir(int fd)'),
  getpid: libc.func('int getpid()'),
  gettid: libc.func('int gettid()'),
  geteuid: libc.func('uint32_t geteuid()'),
  fcntl: libc.func('int fcntl(int fd, int cmd, int arg)'),
  mmap: libc.func('void *mmap(void *addr, size_t len, int prot, int flags, int fd, intptr_t off)'),
  munmap: libc.func('int munmap(void *addr, size_t len)'),
  clock_gettime: libc.func('int clock_gettime(int clk, void *ts)'),
  clock_getres: libc.func('int clock_getres(int clk, void *ts)'),
  eventfd: libc.func('int eventfd(unsigned int initval, int flags)'),
  write: libc.func('intptr_t write(int fd, void *buf, size_t len)'),
  read: libc.func('intptr_t read(int fd, void *buf, size_t len)'),
};

installStrerror((e) => fn.strerror(e) as string);

/** errno as koffi saved it right after the last call on this thread. */
export const errno = (): number => koffi.errno();

function check(op: string | (() => string), r: number | bigint): number {
  const n = Number(r);
  if (n < 0) {
    const e = koffi.errno();
    throw new SysError(typeof op === 'string' ? op : op(), e);
  }
  return n;
}

/** Calls that may fail with EAGAIN/EINTR return -errno instead of throwing, for hot loops. */
function soft(r: number | bigint): number {
  const n = Number(r);
  return n < 0 ? -koffi.errno() : n;
}

// ---- constants (x86-64 Linux; kernel uapi names) ----
export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const AF_NETLINK = 16;
export const AF_PACKET = 17;
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;
export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_NONBLOCK = 0o4000;
/**
 * The open(2) flags that differ between the CPUs vping supports (arm64 has its own
 * asm/fcntl.h; x86-64 uses asm-generic). The rest of the numbers here are the same on both.
 */
export const ARCH_OPEN_FLAGS = {
  x64: { O_DIRECTORY: 0o200000, O_NOFOLLOW: 0o400000 },
  arm64: { O_DIRECTORY: 0o40000, O_NOFOLLOW: 0o100000 },
} as const;
const archFlags = process.arch === 'arm64' ? ARCH_OPEN_FLAGS.arm64 : ARCH_OPEN_FLAGS.x64;
export const O_DIRECTORY = archFlags.O_DIRECTORY;
export const O_NOFOLLOW = archFlags.O_NOFOLLOW;
export const O_CLOEXEC = 0o2000000;
/** eventfd(2)'s flags: O_NONBLOCK's and O_CLOEXEC's values (sys/eventfd.h). */
export const EFD_NONBLOCK = O_NONBLOCK;
export const EFD_CLOEXEC = O_CLOEXEC;
export const LOCK_EX = 2;
export const LOCK_UN = 8;
export const CLONE_NEWNET = 0x40000000;
export const CLONE_NEWNS = 0x00020000;
export const MS_RDONLY = 0x1;
export const MS_SLAVE = 0x80000;
export const MS_BIND = 0x1000;
export const MS_REC = 0x4000;
export const MS_PRIVATE = 0x40000;
export const MS_SHARED = 0x100000;
export const MNT_DETACH = 2;
export const MSG_PEEK = 0x2;
export const MSG_TRUNC = 0x20;
export const MSG_DONTWAIT = 0x40;
export const MSG_WAITFORONE = 0x10000;
export const MSG_ERRQUEUE = 0x2000;
export const POLLIN = 0x1;
export const POLLOUT = 0x4;
export const POLLERR = 0x8;
export const POLLHUP = 0x10;
export const POLLNVAL = 0x20;
export const PROT_READ = 0x1;
export const PROT_WRITE = 0x2;
export const MAP_SHARED = 0x1;
export const MAP_LOCKED = 0x2000;
export const MAP_FAILED = 0xffffffffffffffffn;
export const F_GETFL = 3;
export const F_SETFL = 4;
export const CLOCK_REALTIME = 0;
export const CLOCK_MONOTONIC = 1;
/** CLOCK_MONOTONIC as of the last scheduler tick (its resolution is the tick) */
export const CLOCK_MONOTONIC_COARSE = 6;
export const SOL_SOCKET = 1;
export const SO_RCVBUF = 8;
export const SO_SNDBUF = 7;
export const SO_RCVBUFFORCE = 33;
export const SO_SNDBUFFORCE = 32;
export const SO_TIMESTAMPNS = 35;
export const SO_TIMESTAMPING = 37;
export const SO_BINDTODEVICE = 25;
export const SO_ATTACH_FILTER = 26;
export const SO_MARK = 36;

// ---- wrappers ----
export const strerror = (e: number): string => fn.strerror(e) as string;

export function socket(domain: number, type: number, protocol: number, what = 'socket'): number {
  return check(() => `${what}: socket(${domain}, ${type}, ${protocol})`, fn.socket(domain, type, protocol));
}
export function bind(fd: number, addr: Buffer, op = 'bind'): void {
  check(op, fn.bind(fd, addr, addr.length));
}
export function connect(fd: number, addr: Buffer, op = 'connect'): void {
  check(op, fn.connect(fd, addr, addr.length));
}
export function getsockname(fd: number, size = 128): Buffer {
  const buf = Buffer.alloc(size);
  const len = [size];
  check('getsockname', fn.getsockname(fd, buf, len));
  return buf.subarray(0, len[0]);
}
export function setsockopt(fd: number, level: number, name: number, val: Buffer | number, op?: string): void {
  let b: Buffer;
  if (typeof val === 'number') {
    b = Buffer.alloc(4);
    b.writeInt32LE(val);
  } else b = val;
  check(() => op ?? `setsockopt(${level}, ${name})`, fn.setsockopt(fd, level, name, b, b.length));
}
export function getsockopt(fd: number, level: number, name: number, size: number, op?: string): Buffer {
  const buf = Buffer.alloc(size);
  const len = [size];
  check(() => op ?? `getsockopt(${level}, ${name})`, fn.getsockopt(fd, level, name, buf, len));
  return buf.subarray(0, len[0]);
}
/** sendto; returns bytes sent or -errno (no throw) so hot loops can handle EAGAIN. */
export function sendtoSoft(fd: number, buf: Buffer | Uint8Array, len: number, flags: number, addr: Buffer | null): number {
  return soft(fn.sendto(fd, buf, len, flags, addr, addr ? addr.length : 0));
}
export function sendto(fd: number, buf: Buffer | Uint8Array, len: number, flags: number, addr: Buffer | null, op = 'sendto'): number {
  return check(op, fn.sendto(fd, buf, len, flags, addr, addr ? addr.length : 0));
}
export function send(fd: number, buf: Buffer | Uint8Array, len = buf.length, flags = 0, op = 'send'): number {
  return check(op, fn.send(fd, buf, len, flags));
}
/** recv; returns bytes or -errno (no throw). */
export function recvSoft(fd: number, buf: Buffer | Uint8Array, len: number, flags: number): number {
  return soft(fn.recv(fd, buf, len, flags));
}
export function recv(fd: number, buf: Buffer | Uint8Array, len: number, flags = 0, op = 'recv'): number {
  return check(op, fn.recv(fd, buf, len, flags));
}
/** recvfrom; returns bytes or -errno; `addrLen[0]` receives the address length. */
export function recvfromSoft(fd: number, buf: Buffer | Uint8Array, len: number, flags: number, addr: Buffer, addrLen: number[]): number {
  addrLen[0] = addr.length;
  return soft(fn.recvfrom(fd, buf, len, flags, addr, addrLen));
}
/** recvmsg with a caller-built msghdr (layouts in src/icmp/layout.ts); returns bytes or -errno. */
export function recvmsgSoft(fd: number, msg: Buffer, flags: number): number {
  return soft(fn.recvmsg(fd, msg, flags));
}
export function sendmsgSoft(fd: number, msg: Buffer, flags: number): number {
  return soft(fn.sendmsg(fd, msg, flags));
}
/** recvmmsg over a caller-built mmsghdr vector; returns count or -errno. */
export function recvmmsgSoft(fd: number, vec: Buffer, vlen: number, flags: number, timeout: Buffer | null = null): number {
  return soft(fn.recvmmsg(fd, vec, vlen, flags, timeout));
}
export function sendmmsgSoft(fd: number, vec: Buffer, vlen: number, flags: number): number {
  return soft(fn.sendmmsg(fd, vec, vlen, flags));
}
export function close(fd: number): void {
  // close(2) frees the descriptor even when it reports an error (EINTR included): never retry.
  fn.close(fd);
}
/** poll over a caller-built pollfd array (8 bytes each); returns ready count or -errno. */
export function pollSoft(fds: Buffer, nfds: number, timeoutMs: number): number {
  return soft(fn.poll(fds, nfds, timeoutMs));
}
const ppollTs = Buffer.alloc(16);
/** ppoll with a nanosecond timeout (null: wait forever); returns ready count or -errno. */
export function ppollSoft(fds: Buffer, nfds: number, timeoutNs: number | null): number {
  if (timeoutNs === null) return soft(fn.ppoll(fds, nfds, null, null));
  const t = Math.max(0, Math.trunc(timeoutNs));
  ppollTs.writeBigInt64LE(BigInt(Math.floor(t / 1e9)), 0);
  ppollTs.writeBigInt64LE(BigInt(t % 1e9), 8);
  return soft(fn.ppoll(fds, nfds, ppollTs, null));
}
/** Give the CPU to another runnable thread, if there is one. */
export function schedYield(): void {
  fn.sched_yield();
}
const PR_SET_TIMERSLACK = 29;
/** The calling thread's timer slack (default 50 µs): how late the kernel may fire its timers. */
export function setTimerSlackNs(ns: number): void {
  check('prctl(PR_SET_TIMERSLACK)', fn.prctl(PR_SET_TIMERSLACK, ns, 0, 0, 0));
}
export function open(path: string, flags: number, mode = 0): number {
  return check(() => `open(${path})`, fn.open(path, flags | O_CLOEXEC, mode));
}
export function flock(fd: number, op: number, what = 'flock'): void {
  check(what, fn.flock(fd, op));
}
export function mkdir(path: string, mode: number): void {
  check(() => `mkdir(${path})`, fn.mkdir(path, mode));
}
export function unlink(path: string): void {
  check(() => `unlink(${path})`, fn.unlink(path));
}
export function mount(src: string, target: string, fstype: string, flags: number, op?: string): void {
  check(() => op ?? `mount(${src}, ${target})`, fn.mount(src, target, fstype, flags, null));
}
/** mount returning -errno instead of throwing (for the EINVAL retry of `ip netns add`). */
export function mountSoft(src: string, target: string, fstype: string, flags: number): number {
  return soft(fn.mount(src, target, fstype, flags, null));
}
export function umount2(target: string, flags: number): void {
  check(() => `umount2(${target})`, fn.umount2(target, flags));
}
export function umount2Soft(target: string, flags: number): number {
  return soft(fn.umount2(target, flags));
}
export function setns(fd: number, nstype: number, what = 'setns'): void {
  check(what, fn.setns(fd, nstype));
}
/** ioctl(fd, NS_GET_NSTYPE): the CLONE_NEW* type of a namespace file, or -errno (ENOTTY: not a namespace). */
export const NS_GET_NSTYPE = 0xb703; // _IO(0xb7, 0x3), linux/nsfs.h
export function nsTypeSoft(fd: number): number {
  return soft(fn.ioctl0(fd, NS_GET_NSTYPE));
}
/** SIOCGIFFLAGS/SIOCSIFFLAGS (linux/sockios.h) and IFF_UP; struct ifreq: name[16], then ifr_flags (short). */
const SIOCGIFFLAGS = 0x8913;
const SIOCSIFFLAGS = 0x8914;
const IFF_UP = 0x1;
const IFREQ_SIZE = 40;
/**
 * Set an interface of this thread's namespace up, as `ifconfig NAME up` does: an ioctl on any
 * socket (for layers that have no netlink: a namespace of their own needs only lo up).
 */
export function ifUpByIoctl(name: string): void {
  const ifr = Buffer.alloc(IFREQ_SIZE);
  ifr.write(name, 0, 15, 'utf8');
  const fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0, `${name} up`);
  try {
    check(`ioctl(SIOCGIFFLAGS ${name})`, fn.ioctlPtr(fd, SIOCGIFFLAGS, ifr));
    ifr.writeInt16LE(ifr.readInt16LE(16) | IFF_UP, 16);
    check(`ioctl(SIOCSIFFLAGS ${name})`, fn.ioctlPtr(fd, SIOCSIFFLAGS, ifr));
  } finally {
    close(fd);
  }
}
export function unshare(flags: number, what = 'unshare(CLONE_NEWNET)'): void {
  check(what, fn.unshare(flags));
}
export function fchdir(fd: number): void {
  check('fchdir', fn.fchdir(fd));
}
export const getpid = (): number => fn.getpid() as number;
export const gettid = (): number => fn.gettid() as number;
export const geteuid = (): number => fn.geteuid() as number;
export function fcntl(fd: number, cmd: number, arg: number): number {
  return check('fcntl', fn.fcntl(fd, cmd, arg));
}
export function setNonBlocking(fd: number): void {
  const fl = fcntl(fd, F_GETFL, 0);
  fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}
/** mmap a shared read/write mapping of fd; returns the address as a bigint. */
export function mmap(len: number, prot: number, flags: number, fd: number, op = 'mmap'): bigint {
  const p = fn.mmap(null, len, prot, flags, fd, 0) as bigint | null;
  const addr = p === null ? 0n : BigInt(p);
  if (addr === MAP_FAILED || addr === 0n) throw new SysError(op, koffi.errno());
  return addr;
}
export function munmap(addr: bigint, len: number): void {
  check('munmap', fn.munmap(addr, len));
}
/** An ArrayBuffer over native memory (an mmap'ed ring), without copy. */
export function view(addr: bigint, len: number): ArrayBuffer {
  return koffi.view(addr, len);
}
/** Address of a Buffer's memory, to store inside iovec/msghdr structs. */
export function addressOf(buf: Buffer | Uint8Array): bigint {
  return koffi.address(buf) as bigint;
}
export function eventfd(init: number, flags: number): number {
  return check('eventfd', fn.eventfd(init, flags));
}
export function writeSoft(fd: number, buf: Buffer, len = buf.length): number {
  return soft(fn.write(fd, buf, len));
}
export function readSoft(fd: number, buf: Buffer, len = buf.length): number {
  return soft(fn.read(fd, buf, len));
}
/** clock_gettime into a caller's 16-byte timespec (hot loops: no allocation, no bigint). */
export function clockGettimeInto(clk: number, ts: Buffer): void {
  fn.clock_gettime(clk, ts);
}
const tsBuf = Buffer.alloc(16);
/** clock_getres in nanoseconds (for a coarse clock: the scheduler tick). */
export function clockResNs(clk: number): number {
  fn.clock_getres(clk, tsBuf);
  return Number(tsBuf.readBigInt64LE(0)) * 1e9 + Number(tsBuf.readBigInt64LE(8));
}
/** clock_gettime as bigint nanoseconds. */
export function clockNs(clk: number): bigint {
  fn.clock_gettime(clk, tsBuf);
  return tsBuf.readBigInt64LE(0) * 1_000_000_000n + tsBuf.readBigInt64LE(8);
}

/**
 * A Buffer whose memory never moves or gets pooled: allocUnsafeSlow gives it its own
 * backing store, so its address can be written into iovecs and kept across calls.
 */
export function pinned(size: number): Buffer {
  const b = Buffer.allocUnsafeSlow(size);
  b.fill(0);
  return b;
}
