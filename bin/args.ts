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

/** Levenshtein distance (small words: commands and verbs). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length][b.length];
}

/**
 * " (did you mean add?)" when `word` is close to one of `known` (a typo, or a prefix as ip
 * takes them: "ad" for add), as git and npm say it; "" otherwise.
 */
export function didYouMean(word: string, known: readonly string[]): string {
  const prefix = known.filter((k) => word.length >= 1 && k.startsWith(word));
  if (prefix.length === 1) return ` (did you mean ${prefix[0]}?)`;
  let best = '';
  let bestD = Infinity;
  for (const k of known) {
    const dd = distance(word, k);
    if (dd < bestD) {
      best = k;
      bestD = dd;
    }
  }
  return bestD <= Math.max(1, Math.floor(best.length / 3)) ? ` (did you mean ${best}?)` : '';
}
