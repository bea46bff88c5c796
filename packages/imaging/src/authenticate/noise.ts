import { luma16, type Raster } from '../raster.ts';
import { heat } from './colormap.ts';

export const NOISE_VERSION = '1';

export interface NoiseResult {
  map: Uint8Array;
  width: number;
  height: number;
  /** Median of the block noise estimates (0–255 scale) and the ratio of the 95th percentile to it. */
  medianSigma: number;
  spread: number;
}

/**
 * Noise residual map: the image minus a 3 × 3 median-filtered copy keeps mostly sensor noise and fine
 * texture; its spread (≈ 1.2533 × mean absolute residual over the lowest 80 % of the block, so edges count less)
 * per 16 × 16 block is mapped. The median
 * absolute residual would be more robust but is 0 in flat 8-bit areas, where most residuals are exactly 0. A camera's
 * noise varies smoothly with brightness; a block that is much quieter or noisier than its surroundings
 * can come from another source, smoothing or cloning.
 */
export function noiseResidualMap(img: Raster, block = 16): NoiseResult {
  const { width: w, height: h } = img;
  const y = luma16(img);
  const res = new Float32Array(w * h);
  const win = new Float32Array(9);
  for (let r = 1; r < h - 1; r++) {
    for (let c = 1; c < w - 1; c++) {
      let k = 0;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) win[k++] = y[(r + dy) * w + c + dx]!;
      win.sort();
      res[r * w + c] = Math.abs(y[r * w + c]! - win[4]!) / 257;
    }
  }
  const bw = Math.ceil(w / block);
  const bh = Math.ceil(h / block);
  const sigmas = new Float32Array(bw * bh);
  const vals: number[] = [];
  for (let j = 0; j < bh; j++) {
    for (let i = 0; i < bw; i++) {
      vals.length = 0;
      for (let r = j * block; r < Math.min(h, (j + 1) * block); r++)
        for (let c = i * block; c < Math.min(w, (i + 1) * block); c++) vals.push(res[r * w + c]!);
      vals.sort((a, b) => a - b);
      // Mean of the lowest 80 %: edges crossing the block leave large residuals that are not noise.
      const keep = Math.max(1, Math.floor(vals.length * 0.8));
      let s = 0;
      for (let k = 0; k < keep; k++) s += vals[k]!;
      sigmas[j * bw + i] = (1.2533 * s) / keep;
    }
  }
  const sorted = Float32Array.from(sigmas).sort();
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  const p95 = sorted[Math.floor(sorted.length * 0.95)] ?? 0;
  const top = Math.max(1e-6, sorted[Math.floor(sorted.length * 0.99)] ?? 1);
  const map = new Uint8Array(w * h * 3);
  for (let r = 0; r < h; r++)
    for (let c = 0; c < w; c++)
      heat(sigmas[Math.floor(r / block) * bw + Math.floor(c / block)]! / top, map, (r * w + c) * 3);
  return { map, width: w, height: h, medianSigma: median, spread: median > 0 ? p95 / median : 0 };
}
