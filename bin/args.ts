// Option values as the commands take them: each bad value is a UsageError naming its flag.
import { UsageError } from '../src/sys/errors.js';
import { CLOCKS, type Clock } from '../src/icmp/stats.js';

/** A whole number ≥ 0. */
export const int = (flag: string, v: string): number => {
  if (!/^\d+$/.test(v.trim())) throw new UsageError(`${flag}: invalid number "${v}"`);
  return Number(v);
};

/** Seconds, possibly fractional, ≥ 0. */
export const seconds = (flag: string, v: string): number => {
  if (!/^(\d+\.?\d*|\.\d+)$/.test(v.trim())) throw new UsageError(`${flag}: invalid number of seconds "${v}"`);
  return Number(v);
};

/** A comma-separated list without empty items. */
export const list = (flag: string, v: string): string[] => {
  const p = v.split(',').map((s) => s.trim());
  if (p.some((s) => s === '')) throw new UsageError(`${flag}: empty item in "${v}"`);
  return p;
};

/** `--clock SPAN`: which span time= and the statistics measure (stats.ts Clock). */
export const parseClock = (v: string | undefined): Clock => {
  if (v === undefined) return 'ping';
  if (!(CLOCKS as readonly string[]).includes(v)) throw new UsageError(`--clock: expected one of ${CLOCKS.join(', ')}, not "${v}"`);
  return v as Clock;
};

export const CLOCK_HELP =
  'the span time= and the statistics measure: ping (default) = user send to kernel RX stamp, as iputils ping; ' +
  'sched = qdisc entry (TX_SCHED) to RX; kernel = device to device (TX_SOFTWARE to RX, after the qdisc); ' +
  'hrtime = user send to user receive';
