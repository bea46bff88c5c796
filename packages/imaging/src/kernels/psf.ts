import { z } from 'zod';

/** A point-spread function: how one point of the scene was smeared onto the sensor. */
export const psfSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('motion'),
    length: z.number().min(1).max(200),
    angle: z.number().min(-360).max(360),
  }),
  z.strictObject({ type: z.literal('gaussian'), sigma: z.number().min(0.3).max(50) }),
  z.strictObject({ type: z.literal('defocus'), radius: z.number().min(0.5).max(100) }),
]);
export type PsfSpec = z.infer<typeof psfSchema>;

export interface Psf {
  /** Odd size; the centre sample is at (size−1)/2. Sums to 1. */
  size: number;
  kernel: Float64Array;
}

export function describePsf(p: PsfSpec): string {
  if (p.type === 'motion')
    return `straight-line motion blur of ${p.length} pixels at ${p.angle}° (0° = horizontal, positive = anticlockwise)`;
  if (p.type === 'gaussian') return `Gaussian blur with standard deviation ${p.sigma} pixels`;
  return `out-of-focus (defocus) blur, a uniform disc of radius ${p.radius} pixels`;
}

/** Builds the kernel. Motion: a line of the given length sampled finely and splatted bilinearly (anti-aliased). */
export function buildPsf(p: PsfSpec): Psf {
  const extent = p.type === 'motion' ? p.length / 2 + 1 : p.type === 'gaussian' ? 3.5 * p.sigma : p.radius + 1;
  const half = Math.max(1, Math.ceil(extent));
  const size = 2 * half + 1;
  const k = new Float64Array(size * size);
  if (p.type === 'motion') {
    const a = (p.angle * Math.PI) / 180;
    const dx = Math.cos(a);
    const dy = -Math.sin(a);
    const steps = Math.max(2, Math.ceil(p.length * 16));
    for (let s = 0; s <= steps; s++) {
      const t = -p.length / 2 + (p.length * s) / steps;
      const x = half + t * dx;
      const y = half + t * dy;
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      const fx = x - x0;
      const fy = y - y0;
      const w = s === 0 || s === steps ? 0.5 : 1;
      k[y0 * size + x0]! += w * (1 - fx) * (1 - fy);
      if (x0 + 1 < size) k[y0 * size + x0 + 1]! += w * fx * (1 - fy);
      if (y0 + 1 < size) k[(y0 + 1) * size + x0]! += w * (1 - fx) * fy;
      if (x0 + 1 < size && y0 + 1 < size) k[(y0 + 1) * size + x0 + 1]! += w * fx * fy;
    }
  } else if (p.type === 'gaussian') {
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++)
        k[y * size + x] = Math.exp(-((x - half) ** 2 + (y - half) ** 2) / (2 * p.sigma * p.sigma));
  } else {
    // Disc with anti-aliased edge: each pixel weighted by the fraction of a 8×8 sub-grid inside the circle.
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        let inside = 0;
        for (let sy = 0; sy < 8; sy++)
          for (let sx = 0; sx < 8; sx++) {
            const px = x - half - 0.5 + (sx + 0.5) / 8;
            const py = y - half - 0.5 + (sy + 0.5) / 8;
            if (px * px + py * py <= p.radius * p.radius) inside++;
          }
        k[y * size + x] = inside / 64;
      }
    }
  }
  let sum = 0;
  for (const v of k) sum += v;
  for (let i = 0; i < k.length; i++) k[i]! /= sum;
  return { size, kernel: k };
}

/** Spatial convolution of a float plane with a PSF, edges extended (used to make test blur and for RL). */
export function convolve(p: Float32Array, w: number, h: number, psf: Psf): Float32Array {
  const out = new Float32Array(w * h);
  const half = (psf.size - 1) / 2;
  const taps: Array<[number, number, number]> = [];
  for (let j = 0; j < psf.size; j++)
    for (let i = 0; i < psf.size; i++) {
      const v = psf.kernel[j * psf.size + i]!;
      if (v > 1e-12) taps.push([i - half, j - half, v]);
    }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (const [dx, dy, v] of taps) {
        const xx = Math.min(w - 1, Math.max(0, x - dx));
        const yy = Math.min(h - 1, Math.max(0, y - dy));
        s += p[yy * w + xx]! * v;
      }
      out[y * w + x] = s;
    }
  }
  return out;
}
