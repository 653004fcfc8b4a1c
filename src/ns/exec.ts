// Running a program inside a network namespace, as `ip netns exec` does (ip/ipnetns.c and
// lib/namespace.c netns_switch): the program sees the namespace's interfaces, a /sys mounted
// for that namespace (so /sys/class/net lists them), and, for a named namespace, each file
// of /etc/netns/NAME bound over the one of that name in /etc (resolv.conf, hosts, …).
//
// ip execs the program from its own process. vping forks it from the main thread while that
// thread is switched (a child starts in the namespaces of the thread that forks it), and
// switches back at once: the calling thread enters the network namespace, takes a mount
// namespace of its own (unshare(CLONE_NEWNS) unshares the thread's filesystem state alone,
// not the process's), makes every mount a slave of the host's (nothing done here propagates
// back), remounts /sys and binds /etc/netns/NAME/*, spawns, and returns to the mount
// namespace, working directory and network namespace it had. The new mount namespace lives
// as long as the program does.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { SysError, VpingError } from '../sys/errors.js';
import {
  CLONE_NEWNET, CLONE_NEWNS, MNT_DETACH, MS_BIND, MS_RDONLY, MS_REC, MS_SLAVE, O_DIRECTORY, O_RDONLY, close, fchdir, mount, open, setns,
  strerror, umount2Soft, unshare,
} from '../sys/libc.js';
import { currentNetns, isNetnsName, openNetns, type NetNs } from './netns.js';

/** What the switch did besides entering the namespace: warnings for binds that failed (ip prints them too). */
export interface ExecSetup {
  /** the program, started inside the namespace */
  child: ChildProcess;
  /** `/etc/netns/NAME/FILE` binds that failed, one line each (the program still runs) */
  warnings: string[];
}

/**
 * Start `file` with `args` inside the network namespace `ref` (a name, a path, or pid:N), with
 * /sys remounted for it and, for a name, /etc/netns/NAME/* bound over /etc, as `ip netns exec`.
 * The child is spawned synchronously while the calling thread is switched; the thread is back
 * in its own namespaces when this returns. A failure to start the program comes as the
 * child's 'error' event, as with `spawn`.
 */
export function spawnInNetns(ref: string, file: string, args: readonly string[], options: SpawnOptions = {}): ExecSetup {
  const target = openNetns(ref);
  let homeNet: NetNs | null = null;
  let homeMnt = -1;
  let cwd = -1;
  let unshared = false;
  const warnings: string[] = [];
  try {
    homeNet = currentNetns();
    homeMnt = open('/proc/thread-self/ns/mnt', O_RDONLY);
    cwd = open('.', O_RDONLY | O_DIRECTORY);
    setns(target.fd, CLONE_NEWNET, `setns(${target.label})`);
    try {
      unshare(CLONE_NEWNS, 'unshare(CLONE_NEWNS)');
      unshared = true;
      // nothing mounted from here on may reach the host's mount namespace
      mount('', '/', 'none', MS_SLAVE | MS_REC, 'mount --make-rslave /');
      remountSys(target.label);
      if (isNetnsName(ref)) bindEtc(ref, warnings);
      const child = spawn(file, args, { stdio: 'inherit', ...options });
      return { child, warnings };
    } finally {
      // back first to the host's mount namespace (it resets the thread's working directory
      // to that namespace's root: the saved one is restored), then to the home network one
      try {
        if (unshared) setns(homeMnt, CLONE_NEWNS, 'setns(back to the original mount namespace)');
        fchdir(cwd);
      } finally {
        setns(homeNet.fd, CLONE_NEWNET, 'setns(back to the original namespace)');
      }
    }
  } finally {
    if (cwd >= 0) close(cwd);
    if (homeMnt >= 0) close(homeMnt);
    homeNet?.close();
    target.close();
  }
}

/** A sysfs of the namespace on /sys (read-only if the host's was), as netns_switch does. */
function remountSys(label: string): void {
  // a /sys that cannot be unmounted is overlaid; a read-only one only by a read-only one
  const flags = umount2Soft('/sys', MNT_DETACH) < 0 && isReadOnly('/sys') ? MS_RDONLY : 0;
  try {
    mount(label, '/sys', 'sysfs', flags, 'mount of /sys');
  } catch (e) {
    if (e instanceof SysError) throw new VpingError(e.code, `netns exec: mount of /sys failed: ${strerror(e.errno)}`);
    throw e;
  }
}

/** Is the mount at `path` read-only? (Node's statfs has no f_flags: this thread's mountinfo says.) */
function isReadOnly(path: string): boolean {
  try {
    const info = readFileSync('/proc/thread-self/mountinfo', 'utf8');
    for (const line of info.split('\n')) {
      const f = line.split(' ');
      if (f[4] === path) return f[5].split(',').includes('ro');
    }
  } catch {
    /* unknown: writable */
  }
  return false;
}

/** Each file of /etc/netns/NAME bound over /etc/FILE (failures are warnings, as ip's). */
function bindEtc(name: string, warnings: string[]): void {
  const dir = `/etc/netns/${name}`;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return; // no per-namespace files: /etc as it is
  }
  for (const e of entries) {
    if (e === '.' || e === '..') continue;
    try {
      mount(`${dir}/${e}`, `/etc/${e}`, 'none', MS_BIND, `bind ${dir}/${e} -> /etc/${e}`);
    } catch (x) {
      if (x instanceof SysError) warnings.push(`Bind ${dir}/${e} -> /etc/${e} failed: ${strerror(x.errno)}`);
      else throw x;
    }
  }
}
