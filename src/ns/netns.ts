// Network namespaces: named ones, compatible with iproute2's `ip netns` (ip/ipnetns.c: a
// namespace NAME is a bind mount of a namespace file on /run/netns/NAME), and the ones
// where workloads live, reached by path (`/proc/PID/ns/net`, a bind mount anywhere, a
// container runtime's `/var/run/docker/netns/…`) or by process (`pid:1234`, as
// `nsenter -t 1234 -n`). A path or pid is opened once and checked to be a network namespace
// by the kernel (NS_GET_NSTYPE), never by its name; the handle, not the path, is kept.
//
// Thread rules (docs/ARCHITECTURE.md): setns(2) and unshare(2) move only the calling OS thread, so
// every switch here is synchronous and undone in `finally` before control returns to
// the event loop.

import { lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { VpingError, SysError, UsageError } from '../sys/errors.js';
import {
  CLONE_NEWNET, O_NOFOLLOW, nsTypeSoft, strerror, LOCK_EX, LOCK_UN, MNT_DETACH, MS_BIND, MS_PRIVATE, MS_REC, MS_SHARED,
  O_CREAT, O_DIRECTORY, O_EXCL, O_RDONLY, close, flock, mkdir, mount, mountSoft, open, setns,
  umount2Soft, unlink, unshare, ifUpByIoctl,
} from '../sys/libc.js';
import { OwnedFd } from '../sys/fd.js';
import { EINVAL, EEXIST, ENOENT, ENOTTY } from '../sys/errno.js';

/** Where named namespaces are pinned (iproute2's NETNS_RUN_DIR). */
export const NETNS_RUN_DIR = '/run/netns';
const THREAD_NET = '/proc/thread-self/ns/net';

/** Why a namespace name is refused, or null when it is fine (iproute2's rules, plus NAME_MAX). */
export function netnsNameProblem(name: string): string | null {
  if (name.length === 0) return 'namespace name is empty';
  if (name === '.' || name === '..') return `namespace name "${name}" is not allowed`;
  if (name.includes('/')) return `namespace name "${name}" contains '/'`;
  if (name.includes('\0')) return 'namespace name contains a NUL byte';
  if (Buffer.byteLength(name) > 255) return `namespace name is ${Buffer.byteLength(name)} bytes (at most 255)`;
  return null;
}

/** Refuse a namespace name iproute2 would refuse (empty, too long, "/", "." or ".."), in one line. */
export function checkNetnsName(name: string): void {
  const p = netnsNameProblem(name);
  if (p) throw new UsageError(`invalid namespace name: ${p}`);
}

/** /run/netns/NAME. */
export const netnsPath = (name: string): string => `${NETNS_RUN_DIR}/${name}`;

/** An open handle on a network namespace (an fd on its nsfs inode). */
export class NetNs implements Disposable {
  /** the name in /run/netns, when opened by name */
  readonly name: string | null;
  /** what it was opened by (`ns1`, `/proc/42/ns/net`, `pid:42`), for messages */
  readonly ref: string | null;
  readonly #fd: OwnedFd;
  constructor(fd: number, name: string | null, ref: string | null = name) {
    this.#fd = new OwnedFd(fd);
    this.name = name;
    this.ref = ref;
  }
  get fd(): number {
    return this.#fd.fd;
  }
  /** `ns1`, `pid:42`, a path, or `(current namespace)` for a handle on this one. */
  get label(): string {
    return this.ref ?? '(current namespace)';
  }
  /** Close the namespace file (the namespace lives on while it is named or used). */
  close(): void {
    this.#fd.close();
  }
  /** Close it at the end of a `using` block. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/** Namespace types by their CLONE_NEW* flag, for messages. */
const NS_KINDS: Record<number, string> = {
  0x00020000: 'a mount', 0x02000000: 'a cgroup', 0x04000000: 'a UTS', 0x08000000: 'an IPC', 0x10000000: 'a user', 0x20000000: 'a PID', 0x00000080: 'a time',
};

/**
 * Check that an open file is a network namespace (the nsfs ioctl, not the path's name); on
 * failure close it and say what it is instead.
 */
export function checkNetnsFd(fd: number, what: string): void {
  const t = nsTypeSoft(fd);
  if (t === CLONE_NEWNET) return;
  close(fd);
  if (t >= 0) throw new VpingError('EINVAL', `${what} is ${NS_KINDS[t] ?? 'another kind of'} namespace, not a network namespace`);
  throw new VpingError('EINVAL', `${what} is not a network namespace (not a namespace file at all${-t === ENOTTY ? '' : `: ${strerror(-t)}`})`);
}

/** How a namespace is named on a command line: a name in /run/netns, a path, or a process. */
export type NetnsTarget = { kind: 'name'; name: string } | { kind: 'path'; path: string } | { kind: 'pid'; pid: number };

/**
 * Read a namespace reference: `pid:N` is process N's namespace, anything with a `/` is a path
 * to a namespace file, anything else a name in /run/netns (names cannot hold `/`). A
 * UsageError for a malformed one.
 */
export function parseNetnsRef(ref: string): NetnsTarget {
  if (ref.startsWith('pid:')) {
    const t = ref.slice(4);
    const pid = Number(t);
    if (!/^[0-9]+$/.test(t) || !Number.isSafeInteger(pid) || pid < 1) throw new UsageError(`invalid namespace "${ref}": pid:N takes a process id`);
    return { kind: 'pid', pid };
  }
  if (ref.includes('/')) {
    if (ref.includes('\0')) throw new UsageError('invalid namespace path: it contains a NUL byte');
    return { kind: 'path', path: ref };
  }
  checkNetnsName(ref);
  return { kind: 'name', name: ref };
}

/** Refuse a reference that is neither a valid name, a path nor pid:N, in one line. */
export function checkNetnsRef(ref: string): void {
  parseNetnsRef(ref);
}

/** Is `ref` a name in /run/netns (rather than a path or a pid)? */
export const isNetnsName = (ref: string): boolean => !ref.startsWith('pid:') && !ref.includes('/');

/**
 * Open a network namespace by name, path or pid (see parseNetnsRef); a clear error when it
 * does not exist, has gone (a process that exited) or is not a network namespace.
 */
export function openNetns(ref: string): NetNs {
  const t = parseNetnsRef(ref);
  if (t.kind === 'name') return openNamed(t.name);
  const path = t.kind === 'pid' ? `/proc/${t.pid}/ns/net` : t.path;
  let fd: number;
  try {
    // a path is the user's own: symbolic links are followed (/proc/PID/ns/net is one)
    fd = open(path, O_RDONLY);
  } catch (e) {
    if (e instanceof SysError && t.kind === 'pid' && e.errno === ENOENT) {
      throw new VpingError('ESRCH', `namespace "${ref}": no process ${t.pid}${existsSyncSafe(`/proc/${t.pid}`) ? ' (it is exiting)' : ''}`);
    }
    if (e instanceof SysError) throw new VpingError(e.code, `namespace "${ref}": ${path}: ${strerror(e.errno)}`);
    throw e;
  }
  checkNetnsFd(fd, t.kind === 'pid' ? `namespace "${ref}" (${path})` : `namespace "${ref}"`);
  return new NetNs(fd, null, ref);
}

function existsSyncSafe(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

function openNamed(name: string): NetNs {
  const path = netnsPath(name);
  let st;
  try {
    st = lstatSync(path);
  } catch {
    throw new VpingError('ENOENT', `namespace "${name}" does not exist (no ${path})`);
  }
  // A link planted in /run/netns would make a name mean some other namespace (or file).
  if (st.isSymbolicLink()) {
    let to = '?';
    try {
      to = readlinkSync(path);
    } catch {
      /* said without it */
    }
    throw new VpingError('EINVAL', `namespace "${name}": ${path} is a symbolic link (to ${to}); refusing`);
  }
  let fd: number;
  try {
    fd = open(path, O_RDONLY | O_NOFOLLOW);
  } catch (e) {
    if (e instanceof SysError && e.errno === ENOENT) {
      throw new VpingError('ENOENT', `namespace "${name}" does not exist (no ${path})`);
    }
    throw e;
  }
  checkNetnsFd(fd, `namespace "${name}" (${path})`);
  return new NetNs(fd, name);
}

/** A handle on the namespace of the calling thread. */
export function currentNetns(): NetNs {
  return new NetNs(open(THREAD_NET, O_RDONLY), null);
}

/** What a caller may name a namespace by: a handle, a name, a path or `pid:N`, or null for "where I am". */
export type NetnsRef = NetNs | string | null | undefined;

/**
 * Run `fn` synchronously inside `ns`, and come back in `finally`. Refuses functions that
 * return a promise: after the first await, the thread would already be back home while
 * the rest of the function thinks it is not (docs/ARCHITECTURE.md, rule 1).
 */
export function withNetns<T>(ns: NetnsRef, fn: () => T): T {
  if (ns === null || ns === undefined) return checkSync(fn());
  const target = typeof ns === 'string' ? openNetns(ns) : ns;
  let home: NetNs | null = null;
  try {
    home = currentNetns();
    setns(target.fd, CLONE_NEWNET, `setns(${target.label})`);
    try {
      return checkSync(fn());
    } finally {
      // If this fails the thread is stranded in another namespace: nothing safe remains.
      setns(home.fd, CLONE_NEWNET, 'setns(back to the original namespace)');
    }
  } finally {
    home?.close();
    if (typeof ns === 'string') target.close();
  }
}

/**
 * Run `fn` synchronously in a network namespace of its own, made for it (unshare on this
 * thread) with only lo, up, and come back. Nobody else can see that namespace; it goes when
 * the last socket opened in it closes. Returns null, having run nothing, where this thread may
 * not make a namespace (no CAP_SYS_ADMIN) or its lo cannot be brought up.
 */
export function withPrivateNetns<T>(fn: () => T): { value: T } | null {
  const home = currentNetns();
  try {
    try {
      unshare(CLONE_NEWNET);
    } catch (e) {
      if (e instanceof SysError) return null;
      throw e;
    }
    try {
      try {
        ifUpByIoctl('lo');
      } catch (e) {
        if (e instanceof SysError) return null;
        throw e;
      }
      return { value: checkSync(fn()) };
    } finally {
      // If this fails the thread is stranded in another namespace: nothing safe remains.
      setns(home.fd, CLONE_NEWNET, 'setns(back from a private namespace)');
    }
  } finally {
    home.close();
  }
}

function checkSync<T>(v: T): T {
  if (v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function') {
    // The refused promise still settles later: keep its rejection from going unhandled.
    (v as unknown as Promise<unknown>).then(undefined, () => undefined);
    throw new VpingError('EASYNC', 'withNetns: the function returned a promise; namespaces can only be entered synchronously');
  }
  return v;
}

/** `mount --make-shared /run/netns`, making it a mount point first (ipnetns.c netns_add). */
function prepareRunDir(): void {
  try {
    mkdir(NETNS_RUN_DIR, 0o755);
  } catch (e) {
    if (!(e instanceof SysError && e.errno === EEXIST)) throw e;
  }
  // Parallel adds used to stack mounts until the system locked up: serialise on the dir.
  const dfd = open(NETNS_RUN_DIR, O_RDONLY | O_DIRECTORY);
  try {
    flock(dfd, LOCK_EX, `flock(${NETNS_RUN_DIR})`);
    let madeMountPoint = false;
    while (true) {
      const r = mountSoft('', NETNS_RUN_DIR, 'none', MS_SHARED | MS_REC);
      if (r === 0) break;
      if (r !== -EINVAL || madeMountPoint) throw new SysError(`mount --make-shared ${NETNS_RUN_DIR}`, -r);
      mount(NETNS_RUN_DIR, NETNS_RUN_DIR, 'none', MS_BIND | MS_REC, `mount --bind ${NETNS_RUN_DIR}`);
      mount('', NETNS_RUN_DIR, 'none', MS_PRIVATE | MS_REC, `mount --make-private ${NETNS_RUN_DIR}`);
      madeMountPoint = true;
    }
    flock(dfd, LOCK_UN);
  } finally {
    close(dfd);
  }
}

/**
 * `ip netns add NAME`: a new, empty network namespace pinned at /run/netns/NAME.
 * Every step is undone if a later one fails; the calling thread ends where it started.
 */
export function addNetns(name: string): void {
  checkNetnsName(name);
  prepareRunDir();
  const path = netnsPath(name);
  try {
    close(open(path, O_RDONLY | O_CREAT | O_EXCL, 0));
  } catch (e) {
    if (e instanceof SysError && e.errno === EEXIST) {
      throw new VpingError('EEXIST', `namespace "${name}" already exists (${path})`);
    }
    throw e;
  }
  let mounted = false;
  try {
    const home = currentNetns();
    try {
      unshare(CLONE_NEWNET);
      try {
        mount(THREAD_NET, path, 'none', MS_BIND, `mount --bind ${THREAD_NET} ${path}`);
        mounted = true;
      } finally {
        setns(home.fd, CLONE_NEWNET, 'setns(back to the original namespace)');
      }
    } finally {
      home.close();
    }
  } catch (e) {
    if (mounted) umount2Soft(path, MNT_DETACH);
    try {
      unlink(path);
    } catch {
      /* already gone */
    }
    throw e;
  }
}

/** `ip netns del NAME`. */
export function delNetns(name: string): void {
  checkNetnsName(name);
  const path = netnsPath(name);
  if (!existsNetns(name)) throw new VpingError('ENOENT', `namespace "${name}" does not exist (no ${path})`);
  const r = umount2Soft(path, MNT_DETACH);
  // EINVAL: not a mount point (a stale file left by a killed `add`): still remove it.
  if (r < 0 && r !== -EINVAL) throw new SysError(`umount ${path}`, -r);
  unlink(path);
  unmark(name);
}

/**
 * Is there anything under the name in /run/netns (a namespace, or the stale file of a killed
 * add)? For a path or pid: does it open as a network namespace?
 */
export function existsNetns(name: string): boolean {
  if (!isNetnsName(name)) return refOpens(name);
  if (netnsNameProblem(name)) return false;
  try {
    statSync(netnsPath(name));
    return true;
  } catch {
    return false;
  }
}

/** Names in /run/netns, newest first as `ip netns list` prints them (readdir order). */
export function listNetnsNames(): string[] {
  try {
    return readdirSync(NETNS_RUN_DIR).filter((n) => n !== '.' && n !== '..');
  } catch {
    return [];
  }
}

/** Is /run/netns/NAME a live namespace mount (and not a stale file from a killed add)? A path or pid: does it open as one? */
export function isNetnsMounted(name: string): boolean {
  if (!isNetnsName(name)) return refOpens(name);
  try {
    const st = statSync(netnsPath(name));
    // nsfs inodes live on the nsfs device; a plain file on tmpfs does not.
    const self = statSync(THREAD_NET);
    return st.dev === self.dev;
  } catch {
    return false;
  }
}

function refOpens(ref: string): boolean {
  try {
    openNetns(ref).close();
    return true;
  } catch {
    return false;
  }
}

/** Key identifying a namespace inode: `dev:ino`. */
function nsKey(path: string): string | null {
  try {
    const st = statSync(path, { bigint: true });
    return `${st.dev}:${st.ino}`;
  } catch {
    return null;
  }
}

/** `ip netns identify PID`: the names whose namespace is the one PID lives in. */
export function identifyPid(pid: number | 'self'): string[] {
  const key = nsKey(`/proc/${pid}/ns/net`);
  if (key === null) throw new VpingError('ESRCH', `no process ${pid}`);
  return listNetnsNames().filter((n) => nsKey(netnsPath(n)) === key);
}

/**
 * The identity (`dev:ino` of its nsfs inode) of the namespace `ref` reaches now, or null when
 * it reaches none: a deleted name, an exited pid. Two references to one namespace share it.
 */
export function netnsIdentity(ref: string): string | null {
  try {
    using ns = openNetns(ref);
    return nsKey(`/proc/self/fd/${ns.fd}`);
  } catch {
    return null;
  }
}

/** The names in /run/netns of the namespace `ref` (a name, path or pid:N) reaches. */
export function identifyNetns(ref: string): string[] {
  using ns = openNetns(ref);
  const key = nsKey(`/proc/self/fd/${ns.fd}`);
  return listNetnsNames().filter((n) => nsKey(netnsPath(n)) === key);
}

/**
 * `ip netns pids NAME`: the processes whose network namespace is the one `ref` reaches, in
 * ascending order (processes that cannot be looked at, or exit meanwhile, are passed over).
 */
export function netnsPids(ref: string): number[] {
  using ns = openNetns(ref);
  const key = nsKey(`/proc/self/fd/${ns.fd}`);
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(d)) continue;
    if (nsKey(`/proc/${d}/ns/net`) === key) pids.push(Number(d));
  }
  return pids.sort((a, b) => a - b);
}

/** The name of the namespace an fd or path refers to, if it has one. */
export function nameOfNetns(ns: NetNs): string | null {
  if (ns.name) return ns.name;
  const key = nsKey(`/proc/self/fd/${ns.fd}`);
  return listNetnsNames().find((n) => nsKey(netnsPath(n)) === key) ?? null;
}

// ---- what vping made ----
// A mark per namespace that vping's lab (and demo) add, so that a lab left half-built (a
// SIGKILL, a power cut) can be finished or removed, while namespaces someone else made under
// the same names are refused. A mark is a file /run/vping/netns/NAME, written BEFORE the
// namespace is added ("pending": whatever a killed run leaves under that name is its own),
// then holding the namespace's inode (dev:ino of the nsfs file) once it exists. A mark whose
// inode differs from the namespace now under that name is stale: that namespace was made by
// someone else, later. delNetns removes the mark with the name. /run is a tmpfs: marks go
// with the namespaces at reboot.

export const MARK_DIR = '/run/vping/netns';

const markPath = (name: string): string => `${MARK_DIR}/${name}`;

function inodeOf(name: string): string | null {
  try {
    const st = statSync(`${NETNS_RUN_DIR}/${name}`, { bigint: true });
    return `${st.dev}:${st.ino}`;
  } catch {
    return null;
  }
}

/** Before adding namespace NAME: whatever a killed run leaves under it is vping's. */
export function markPending(name: string): void {
  mkdirSync(MARK_DIR, { recursive: true, mode: 0o755 });
  writeFileSync(markPath(name), 'pending\n');
}

/** After adding it: the mark names this namespace (its inode), no other. Replaced whole (rename), never seen half-written. */
export function markMade(name: string): void {
  const ino = inodeOf(name);
  if (!ino) return;
  // one writer per name at a time (lab up and down hold the lab lock); unmark removes a tmp a kill left
  const tmp = `${markPath(name)}.tmp`;
  writeFileSync(tmp, `${ino}\n`);
  renameSync(tmp, markPath(name));
}

/** Did vping make what is now under NAME in /run/netns (a namespace, or the stale file of a killed add)? */
export function madeByVping(name: string): boolean {
  let mark: string;
  try {
    mark = readFileSync(markPath(name), 'utf8').trim();
  } catch {
    return false;
  }
  // empty: a write cut short by a kill (marks written before this one were whole)
  if (mark === 'pending' || mark === '') return true;
  if (inodeOf(name) === mark) return true;
  // the namespace it named is gone (deleted by something else than vping), or another took
  // the name since: the mark is stale, and goes
  unmark(name);
  return false;
}

/** Remove the mark of NAME (its namespace deleted, or never made). */
export function unmark(name: string): void {
  rmSync(markPath(name), { force: true });
  rmSync(`${markPath(name)}.tmp`, { force: true });
}
