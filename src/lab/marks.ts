// What vping made: a mark per namespace the lab adds, so that a lab left half-built (a
// SIGKILL, a power cut) can be finished or removed, while namespaces someone else made
// under the same names are refused. And one lock, so two `lab up`s on the same names do not
// interleave (iproute2 takes none).
//
// A mark is a file /run/vping/netns/NAME, written BEFORE the namespace is added ("pending":
// whatever a killed run leaves under that name is its own), then holding the namespace's
// inode (dev:ino of the nsfs file) once it exists. A mark whose inode differs from the
// namespace now under that name is stale: that namespace was made by someone else, later.
// /run is a tmpfs: marks go with the namespaces at reboot.
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { NETNS_RUN_DIR } from '../ns/netns.js';
import { close, flock, open, LOCK_EX, LOCK_UN, O_CREAT, O_RDONLY } from '../sys/libc.js';

export const MARK_DIR = '/run/vping/netns';
const LOCK_PATH = '/run/vping/lab.lock';

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

/** After adding it: the mark names this namespace (its inode), no other. */
export function markMade(name: string): void {
  const ino = inodeOf(name);
  if (ino) writeFileSync(markPath(name), `${ino}\n`);
}

/** Did vping make what is now under NAME in /run/netns (a namespace, or the stale file of a killed add)? */
export function madeByVping(name: string): boolean {
  let mark: string;
  try {
    mark = readFileSync(markPath(name), 'utf8').trim();
  } catch {
    return false;
  }
  if (mark === 'pending') return true;
  return inodeOf(name) === mark;
}

export function unmark(name: string): void {
  rmSync(markPath(name), { force: true });
}

/** Run fn holding the lab lock (flock on /run/vping/lab.lock): lab up and down, one at a time. */
export function withLabLock<T>(fn: () => T): T {
  mkdirSync('/run/vping', { recursive: true, mode: 0o755 });
  const fd = open(LOCK_PATH, O_RDONLY | O_CREAT, 0o644);
  try {
    flock(fd, LOCK_EX, `flock(${LOCK_PATH})`);
    try {
      return fn();
    } finally {
      flock(fd, LOCK_UN);
    }
  } finally {
    close(fd);
  }
}
