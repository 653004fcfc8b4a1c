// CPU time with microsecond resolution, for the benchmarks: getrusage(2) through koffi.
// /proc/PID/stat counts in 10 ms clock ticks, too coarse for a capture that costs tens of
// ms; the kernel keeps children's CPU in ns and getrusage reports it in µs.
import koffi from './koffi.js';
import { libc } from './ffi.js';
import { SysError } from './errors.js';

const getrusage = libc.func('int getrusage(int who, void *usage)');

// #define RUSAGE_SELF 0, RUSAGE_CHILDREN (-1)
export const RUSAGE = { SELF: 0, CHILDREN: -1 } as const;
// struct rusage (144): ru_utime {tv_sec i64 @0, tv_usec i64 @8}, ru_stime {@16, @24}, 14 longs
const RU = { UTIME_SEC: 0, UTIME_USEC: 8, STIME_SEC: 16, STIME_USEC: 24, SIZE: 144 } as const;

export interface CpuTimes {
  userNs: number;
  sysNs: number;
}

/** User and system CPU of this process (SELF) or of its reaped children (CHILDREN). */
export function cpuTimes(who: number): CpuTimes {
  const b = Buffer.alloc(RU.SIZE);
  if ((getrusage(who, b) as number) < 0) throw new SysError('getrusage', koffi.errno());
  const ns = (sec: number, usec: number) => Number(b.readBigInt64LE(sec)) * 1e9 + Number(b.readBigInt64LE(usec)) * 1e3;
  return { userNs: ns(RU.UTIME_SEC, RU.UTIME_USEC), sysNs: ns(RU.STIME_SEC, RU.STIME_USEC) };
}
