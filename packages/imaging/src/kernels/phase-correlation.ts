import { fft2d } from './fft.ts';

export interface Shift {
  dx: number;
  dy: number;
  /** Height of the correlation peak (1 = identical content); low values mean an unreliable match. */
  peak: number;
}

function largestPow2AtMost(n: number, cap: number): number {
  let p = 1;
  while (p * 2 <= n && p * 2 <= cap) p *= 2;
  return p;
}

/**
 * Translation of `moving` relative to `reference` by phase correlation (Kuglin & Hines 1975): the
 * normalised cross-power spectrum of two shifted images is a pure phase ramp whose inverse transform is a
 * peak at the shift. A Hann window suppresses the edges; a parabola through the peak gives sub-pixel
 * precision. Returns d such that moving(x + d) ≈ reference(x). Uses the central square of up to 512².
 */
export function phaseCorrelate(reference: Float32Array, moving: Float32Array, w: number, h: number): Shift {
  const n = largestPow2AtMost(Math.min(w, h), 512);
  const ox = Math.floor((w - n) / 2);
  const oy = Math.floor((h - n) / 2);
  const load = (p: Float32Array) => {
    const re = new Float64Array(n * n);
    let mean = 0;
    for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) mean += p[(y + oy) * w + x + ox]!;
    mean /= n * n;
    for (let y = 0; y < n; y++) {
      const wy = 0.5 - 0.5 * Math.cos((2 * Math.PI * y) / n);
      for (let x = 0; x < n; x++) {
        const wx = 0.5 - 0.5 * Math.cos((2 * Math.PI * x) / n);
        re[y * n + x] = (p[(y + oy) * w + x + ox]! - mean) * wx * wy;
      }
    }
    const im = new Float64Array(n * n);
    fft2d(re, im, n, n);
    return { re, im };
  };
  const A = load(reference);
  const B = load(moving);
  const re = new Float64Array(n * n);
  const im = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) {
    // B · conj(A), normalised to unit magnitude.
    const r = B.re[i]! * A.re[i]! + B.im[i]! * A.im[i]!;
    const m = B.im[i]! * A.re[i]! - B.re[i]! * A.im[i]!;
    const mag = Math.hypot(r, m) + 1e-12;
    re[i] = r / mag;
    im[i] = m / mag;
  }
  fft2d(re, im, n, n, true);
  let best = 0;
  for (let i = 1; i < n * n; i++) if (re[i]! > re[best]!) best = i;
  const px = best % n;
  const py = Math.floor(best / n);
  const at = (x: number, y: number) => re[((y + n) % n) * n + ((x + n) % n)]!;
  const sub = (m: number, c: number, p: number) => {
    const den = m - 2 * c + p;
    return Math.abs(den) < 1e-12 ? 0 : (0.5 * (m - p)) / den;
  };
  const fx = sub(at(px - 1, py), at(px, py), at(px + 1, py));
  const fy = sub(at(px, py - 1), at(px, py), at(px, py + 1));
  const wrap = (v: number) => (v > n / 2 ? v - n : v);
  return { dx: wrap(px) + fx, dy: wrap(py) + fy, peak: re[best]! };
}
