/** Exact time arithmetic on timestamps: a frame's time is `pts × timeBase`, kept as a reduced fraction of seconds. */

export interface Rational {
  readonly num: number;
  readonly den: number;
}

function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b) [a, b] = [b, a % b];
  return a || 1;
}

export function rational(num: number, den: number): Rational {
  if (den === 0) throw new RangeError('zero denominator');
  const sign = den < 0 ? -1 : 1;
  const g = gcd(num, den);
  return { num: (sign * num) / g, den: (sign * den) / g };
}

/** `pts` ticks of `timeBase` as exact seconds. */
export function ptsToRational(pts: number, timeBase: readonly [number, number]): Rational {
  return rational(pts * timeBase[0], timeBase[1]);
}

export function rationalToString(r: Rational): string {
  return `${r.num}/${r.den}`;
}

export function rationalSeconds(r: Rational): number {
  return r.num / r.den;
}

/** Parses `1/25`, `0.04`, `12.5`, `00:01:02.5` or `1:02` into seconds (as a float: user input, not a timestamp). */
export function parseTimeSpec(spec: string): number | null {
  const s = spec.trim();
  if (/^-?\d+\/\d+$/.test(s)) {
    const [n, d] = s.split('/').map(Number);
    return d ? n! / d : null;
  }
  if (/^-?\d+(\.\d+)?s?$/.test(s)) return Number(s.replace(/s$/, ''));
  const m = /^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/.exec(s);
  if (m) return Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]);
  return null;
}

/** `83.04` → `00:01:23.040`. */
export function formatClock(seconds: number): string {
  const sign = seconds < 0 ? '-' : '';
  let ms = Math.round(Math.abs(seconds) * 1000);
  const h = Math.floor(ms / 3_600_000);
  ms -= h * 3_600_000;
  const m = Math.floor(ms / 60_000);
  ms -= m * 60_000;
  const s = Math.floor(ms / 1000);
  ms -= s * 1000;
  return `${sign}${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String(ms).padStart(3, '0')}`;
}

/**
 * Exact seconds from what a person typed: `12`, `0.04`, `1/25`, `00:01:02.5`, `1:02.04`. Decimals stay exact
 * (`0.04` is 1/25, not the nearest double), so a time bound lands exactly on a frame's timestamp.
 */
export function parseTimeRational(spec: string): Rational | null {
  const s = spec.trim().replace(/s$/, '');
  const frac = /^(-?\d+)\/(\d+)$/.exec(s);
  if (frac) return Number(frac[2]) === 0 ? null : rational(Number(frac[1]), Number(frac[2]));
  const clock = /^(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:\.(\d{1,9}))?$/.exec(s);
  const dec = /^(-?)(\d+)(?:\.(\d{1,9}))?$/.exec(s);
  if (clock) {
    const whole = Number(clock[1] ?? 0) * 3600 + Number(clock[2]) * 60 + Number(clock[3]);
    const digits = clock[4] ?? '';
    const den = 10 ** digits.length;
    return rational(whole * den + Number(digits || 0), den);
  }
  if (dec) {
    const digits = dec[3] ?? '';
    const den = 10 ** digits.length;
    const value = Number(dec[2]) * den + Number(digits || 0);
    return rational(dec[1] === '-' ? -value : value, den);
  }
  return null;
}

/** The first tick count whose time is ≥ `r` (for a lower bound). */
export function ticksCeil(r: Rational, timeBase: readonly [number, number]): number {
  return Math.ceil((r.num * timeBase[1]) / (r.den * timeBase[0]) - 1e-9);
}

/** The last tick count whose time is ≤ `r` (for an upper bound). */
export function ticksFloor(r: Rational, timeBase: readonly [number, number]): number {
  return Math.floor((r.num * timeBase[1]) / (r.den * timeBase[0]) + 1e-9);
}
