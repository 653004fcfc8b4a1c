// Numbers as C and iputils print them: glibc's `%g`, and ping's packet-loss figure. One copy
// each, for ping, lab ping, bench and the exporter alike.

/**
 * C's `%g` (precision 6 unless given) of a double, digit for digit with glibc: rounding on the
 * exact binary value, ties to even, trailing zeros removed, exponent of at least two digits.
 */
export function formatG(x: number, precision = 6): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x < 0 ? '-inf' : 'inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const P = Math.max(1, precision);
  const sign = x < 0 ? '-' : '';
  const a = Math.abs(x);
  // The exact decimal expansion of the double (toFixed is exact up to 100 digits; beyond
  // 1e21 it switches to exponent form, where toPrecision is close enough for a bench).
  if (a >= 1e21) return sign + a.toPrecision(P).replace(/\.?0+e/, 'e').replace(/e\+?(-?)(\d)$/, 'e$10$2');
  const exact = a.toFixed(100);
  const dot = exact.indexOf('.');
  const digits = exact.slice(0, dot) + exact.slice(dot + 1);
  const first = digits.search(/[1-9]/);
  let X = dot - first - 1; // decimal exponent of the leading digit
  const kept = digits.slice(first, first + P).padEnd(P, '0').split('').map(Number);
  const rest = digits.slice(first + P);
  const restFirst = rest.length ? Number(rest[0]) : 0;
  const restTail = rest.slice(1).replace(/0+$/, '');
  const roundUp = restFirst > 5 || (restFirst === 5 && (restTail.length > 0 || kept[P - 1] % 2 === 1));
  if (roundUp) {
    let i = P - 1;
    while (i >= 0 && kept[i] === 9) kept[i--] = 0;
    if (i >= 0) kept[i]++;
    else {
      kept.unshift(1);
      kept.pop();
      X++;
    }
  }
  const mant = kept.join('');
  const strip = (s: string): string => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (X < -4 || X >= P) {
    const m = strip(`${mant[0]}.${mant.slice(1)}`);
    const e = Math.abs(X);
    return `${sign}${m}e${X < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  }
  let fixed: string;
  if (X >= 0) fixed = `${mant.slice(0, X + 1)}.${mant.slice(X + 1)}`;
  else fixed = `0.${'0'.repeat(-X - 1)}${mant}`;
  return sign + strip(fixed);
}

/** Packet loss in percent, as ping computes it: (tx − rx)·100 / tx; 0 when nothing was sent. */
export function lossPercent(transmitted: number, received: number): number {
  return transmitted > 0 ? ((transmitted - received) * 100) / transmitted : 0;
}

/** Loss as ping prints it: `printf("%g%%", (float)loss)` — the float cast decides ties (13.2812%). */
export function formatLoss(percent: number): string {
  return `${formatG(Math.fround(percent))}%`;
}
