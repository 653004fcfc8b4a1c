// tcpdump's timestamp forms (print.c ts_format / ts_print), as pure functions of the
// packet's time in nanoseconds. Default: local HH:MM:SS.frac; -t: none; -tt: epoch;
// -ttt: delta from the previous packet; -tttt: date and time; -ttttt: delta from the
// first packet. --nano: nine fraction digits instead of six.

export type TsMode = 'default' | 'none' | 'epoch' | 'delta' | 'date' | 'since-first';

/** -t count → mode: 0 default, 1 -t, 2 -tt, 3 -ttt, 4 -tttt, 5 -ttttt. */
export const tsModeOfCount = (n: number): TsMode =>
  (['default', 'none', 'epoch', 'delta', 'date', 'since-first'] as const)[Math.min(n, 5)];

const p2 = (n: number): string => (n < 10 ? '0' : '') + n;

function frac(ns: bigint, nano: boolean): string {
  return nano ? ns.toString().padStart(9, '0') : (ns / 1000n).toString().padStart(6, '0');
}

/** `HH:MM:SS.frac` of a duration, with tcpdump's sign column (" " or "-"). */
function hmsDelta(d: bigint, nano: boolean): string {
  const sign = d < 0n ? '-' : ' ';
  if (d < 0n) d = -d;
  const s = d / 1_000_000_000n;
  const ns = d % 1_000_000_000n;
  const h = s / 3600n;
  const m = (s % 3600n) / 60n;
  const sec = s % 60n;
  return `${sign}${p2(Number(h))}:${p2(Number(m))}:${p2(Number(sec))}.${frac(ns, nano)}`;
}

export class TsFormatter {
  #prev: bigint | null = null;
  #first: bigint | null = null;
  constructor(
    readonly mode: TsMode = 'default',
    readonly nano = false,
  ) {}

  /** The timestamp and its following space ('' for -t). */
  format(tsNs: bigint): string {
    const nano = this.nano;
    switch (this.mode) {
      case 'none':
        return '';
      case 'epoch':
        return `${tsNs / 1_000_000_000n}.${frac(tsNs % 1_000_000_000n, nano)} `;
      case 'delta': {
        const d = this.#prev === null ? 0n : tsNs - this.#prev;
        this.#prev = tsNs;
        return hmsDelta(d, nano) + ' ';
      }
      case 'since-first': {
        if (this.#first === null) this.#first = tsNs;
        return hmsDelta(tsNs - this.#first, nano) + ' ';
      }
      case 'date':
      case 'default': {
        const sec = tsNs / 1_000_000_000n;
        const d = new Date(Number(sec) * 1000);
        const hms = `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.${frac(tsNs % 1_000_000_000n, nano)}`;
        if (this.mode === 'default') return hms + ' ';
        return `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())} ${hms} `;
      }
    }
  }
}
