// Interface names ↔ indexes through libc (if_nametoindex opens a socket internally, so
// it answers for the network namespace of the calling thread: call it inside withNetns).
import koffi from './koffi.js';
import { libc } from './ffi.js';
import { SysError } from './errors.js';

const fn = {
  if_nametoindex: libc.func('unsigned int if_nametoindex(const char *ifname)'),
};

/** if_nametoindex(3); throws SysError (ENODEV when there is no such interface). */
export function ifNameToIndex(name: string): number {
  const i = fn.if_nametoindex(name) as number;
  if (i === 0) throw new SysError(`if_nametoindex(${name})`, koffi.errno() || 19);
  return i;
}
