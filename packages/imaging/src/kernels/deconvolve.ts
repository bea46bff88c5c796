import { fft2d, nextPow2 } from './fft.ts';
import type { Psf } from './psf.ts';

interface Padded {
  re: Float64Array;
  pw: number;
  ph: number;
  ox: number;
  oy: number;
}

/**
 * Places the plane in a power-of-two frame and fills the margin by mirroring the image, so that the
 * FFT's wrap-around meets continuous content instead of a hard edge (which would ring across the image).
 */
function padReflect(p: Float32Array, w: number, h: number, margin: number): Padded {
  const pw = nextPow2(w + 2 * margin);
  const ph = nextPow2(h + 2 * margin);
  const ox = Math.floor((pw - w) / 2);
  const oy = Math.floor((ph - h) / 2);
  const re = new Float64Array(pw * ph);
  const reflect = (i: number, n: number) => {
    const period = 2 * n;
    let m = ((i % period) + period) % period;
    if (m >= n) m = period - 1 - m;
    return m;
  };
  for (let y = 0; y < ph; y++) {
    const sy = reflect(y - oy, h);
    for (let x = 0; x < pw; x++) re[y * pw + x] = p[sy * w + reflect(x - ox, w)]!;
  }
  return { re, pw, ph, ox, oy };
}

/** The PSF's transfer function on a pw × ph grid, its centre moved to the origin. */
function otf(psf: Psf, pw: number, ph: number): { re: Float64Array; im: Float64Array } {
  const re = new Float64Array(pw * ph);
  const im = new Float64Array(pw * ph);
  const half = (psf.size - 1) / 2;
  for (let j = 0; j < psf.size; j++) {
    for (let i = 0; i < psf.size; i++) {
      const x = (((i - half) % pw) + pw) % pw;
      const y = (((j - half) % ph) + ph) % ph;
      re[y * pw + x]! += psf.kernel[j * psf.size + i]!;
    }
  }
  fft2d(re, im, pw, ph);
  return { re, im };
}

function crop(pad: Padded, re: Float64Array, w: number, h: number): Float32Array {
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = re[(y + pad.oy) * pad.pw + x + pad.ox]!;
  return out;
}

/**
 * Wiener deconvolution: F = conj(H) · G / (|H|² + NSR). NSR (noise-to-signal power ratio) trades
 * sharpness against amplified noise; larger is smoother.
 */
export function wienerDeconvolve(p: Float32Array, w: number, h: number, psf: Psf, nsr: number): Float32Array {
  // The mean is taken out and put back so the NSR term does not dim the image (Wiener's DC gain is 1/(1+NSR)).
  let mean = 0;
  for (let i = 0; i < p.length; i++) mean += p[i]!;
  mean /= p.length;
  const centred = Float32Array.from(p, (v) => v - mean);
  const pad = padReflect(centred, w, h, psf.size * 2);
  const im = new Float64Array(pad.re.length);
  fft2d(pad.re, im, pad.pw, pad.ph);
  const H = otf(psf, pad.pw, pad.ph);
  for (let i = 0; i < im.length; i++) {
    const hr = H.re[i]!;
    const hi = H.im[i]!;
    const den = hr * hr + hi * hi + nsr;
    const gr = pad.re[i]!;
    const gi = im[i]!;
    pad.re[i] = (hr * gr + hi * gi) / den;
    im[i] = (hr * gi - hi * gr) / den;
  }
  fft2d(pad.re, im, pad.pw, pad.ph, true);
  const out = crop(pad, pad.re, w, h);
  for (let i = 0; i < out.length; i++) out[i]! += mean;
  return out;
}

/**
 * Richardson–Lucy: the maximum-likelihood estimate under Poisson noise, reached by iterating
 * u ← u · (P* ⊗ (d / (P ⊗ u))). More iterations recover more detail and amplify more noise.
 */
export function richardsonLucy(p: Float32Array, w: number, h: number, psf: Psf, iterations: number): Float32Array {
  const pad = padReflect(p, w, h, psf.size);
  const n = pad.re.length;
  const H = otf(psf, pad.pw, pad.ph);
  const eps = 1e-6;
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = Math.max(pad.re[i]!, 0) + eps;
  const u = d.slice();
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  const conv = (src: Float64Array, conj: boolean) => {
    re.set(src);
    im.fill(0);
    fft2d(re, im, pad.pw, pad.ph);
    for (let i = 0; i < n; i++) {
      const hr = H.re[i]!;
      const hi = conj ? -H.im[i]! : H.im[i]!;
      const a = re[i]!;
      const b = im[i]!;
      re[i] = a * hr - b * hi;
      im[i] = a * hi + b * hr;
    }
    fft2d(re, im, pad.pw, pad.ph, true);
  };
  const ratio = new Float64Array(n);
  for (let k = 0; k < iterations; k++) {
    conv(u, false);
    for (let i = 0; i < n; i++) ratio[i] = d[i]! / Math.max(re[i]!, eps);
    conv(ratio, true);
    for (let i = 0; i < n; i++) u[i] = u[i]! * Math.max(re[i]!, 0);
  }
  return crop(pad, u, w, h);
}
