/**
 * Radix-2 complex FFT, written here rather than taken from a library so that its exact arithmetic (and
 * therefore every deconvolved pixel) is fixed by Vestige's own version. Sizes must be powers of two.
 */
export function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p <<= 1;
  return p;
}

const twiddleCache = new Map<number, { cos: Float64Array; sin: Float64Array; rev: Uint32Array }>();

function tables(n: number) {
  let t = twiddleCache.get(n);
  if (!t) {
    const cos = new Float64Array(n / 2);
    const sin = new Float64Array(n / 2);
    for (let i = 0; i < n / 2; i++) {
      cos[i] = Math.cos((2 * Math.PI * i) / n);
      sin[i] = Math.sin((2 * Math.PI * i) / n);
    }
    const rev = new Uint32Array(n);
    const bits = Math.log2(n);
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      rev[i] = r;
    }
    t = { cos, sin, rev };
    twiddleCache.set(n, t);
  }
  return t;
}

/** In-place 1-D FFT of `n` values spaced `stride` apart starting at `offset`. inverse: scales by 1/n. */
export function fft1d(re: Float64Array, im: Float64Array, n: number, offset = 0, stride = 1, inverse = false): void {
  if (n <= 1) return;
  const { cos, sin, rev } = tables(n);
  for (let i = 0; i < n; i++) {
    const j = rev[i]!;
    if (j > i) {
      const a = offset + i * stride;
      const b = offset + j * stride;
      let t = re[a]!;
      re[a] = re[b]!;
      re[b] = t;
      t = im[a]!;
      im[a] = im[b]!;
      im[b] = t;
    }
  }
  const sign = inverse ? 1 : -1;
  for (let size = 2; size <= n; size <<= 1) {
    const half = size >> 1;
    const step = n / size;
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < half; k++) {
        const wr = cos[k * step]!;
        const wi = sign * sin[k * step]!;
        const a = offset + (start + k) * stride;
        const b = offset + (start + k + half) * stride;
        const xr = re[b]! * wr - im[b]! * wi;
        const xi = re[b]! * wi + im[b]! * wr;
        re[b] = re[a]! - xr;
        im[b] = im[a]! - xi;
        re[a] = re[a]! + xr;
        im[a] = im[a]! + xi;
      }
    }
  }
  if (inverse) {
    for (let i = 0; i < n; i++) {
      re[offset + i * stride]! /= n;
      im[offset + i * stride]! /= n;
    }
  }
}

/** In-place 2-D FFT of a w × h array (row-major); both sizes powers of two. */
export function fft2d(re: Float64Array, im: Float64Array, w: number, h: number, inverse = false): void {
  for (let y = 0; y < h; y++) fft1d(re, im, w, y * w, 1, inverse);
  // Columns are copied out so the transform walks contiguous memory.
  const cr = new Float64Array(h);
  const ci = new Float64Array(h);
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) {
      cr[y] = re[y * w + x]!;
      ci[y] = im[y * w + x]!;
    }
    fft1d(cr, ci, h, 0, 1, inverse);
    for (let y = 0; y < h; y++) {
      re[y * w + x] = cr[y]!;
      im[y * w + x] = ci[y]!;
    }
  }
}
