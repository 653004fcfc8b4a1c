// Option values as the commands take them: each bad value is a UsageError naming its flag.
import { UsageError } from '../src/sys/errors.js';

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
