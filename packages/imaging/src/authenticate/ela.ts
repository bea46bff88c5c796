import sharp from 'sharp';
import { to8, type Raster } from '../raster.ts';
import { heat } from './colormap.ts';

export const ELA_VERSION = '1';

export interface ElaResult {
  /** Heat map, 8-bit RGB, same size as the image. */
  map: Uint8Array;
  width: number;
  height: number;
  meanError: number;
  /** 99th percentile of the per-pixel error (0–255 scale). */
  p99Error: number;
  /** Multiplier from block-mean error to map brightness that was used (at most `scale`). */
  gain: number;
}

/**
 * Error level analysis (Krawetz 2007): re-save the image as JPEG at a known quality and map how much
 * each pixel changes. Areas last saved at the same quality change little; areas pasted in from another
 * source, or edited after the last save, can change differently. Block-wise mean over 8 × 8 JPEG blocks
 * is shown so the map follows the JPEG grid.
 */
export async function errorLevelAnalysis(img: Raster, quality = 90, scale = 64): Promise<ElaResult> {
  const { width: w, height: h, channels } = img;
  const src8 = to8(img);
  const jpeg = await sharp(src8, { raw: { width: w, height: h, channels } })
    .jpeg({
      quality,
      chromaSubsampling: '4:4:4',
      mozjpeg: false,
      optimiseCoding: false,
      trellisQuantisation: false,
      overshootDeringing: false,
      optimiseScans: false,
    })
    .toBuffer();
  const back = await sharp(jpeg).raw().toBuffer();
  const ch = channels;
  const err = new Float32Array(w * h);
  const backCh = back.length / (w * h);
  for (let i = 0; i < w * h; i++) {
    let m = 0;
    for (let c = 0; c < ch; c++)
      m = Math.max(m, Math.abs(src8[i * ch + c]! - back[i * backCh + Math.min(c, backCh - 1)]!));
    err[i] = m;
  }
  const sorted = Float32Array.from(err).sort();
  const p99 = sorted[Math.floor(sorted.length * 0.99)] ?? 0;
  let sum = 0;
  for (const v of err) sum += v;
  // Block means first; the map is scaled so the 99th-percentile block is full brightness, but never by
  // more than `scale` (a nearly uniform, low error must stay dark rather than be blown up into noise).
  const bw = Math.ceil(w / 8);
  const bh = Math.ceil(h / 8);
  const blocks = new Float32Array(bw * bh);
  for (let j = 0; j < bh; j++) {
    for (let i = 0; i < bw; i++) {
      let s = 0;
      let n = 0;
      for (let y = j * 8; y < Math.min(h, j * 8 + 8); y++)
        for (let x = i * 8; x < Math.min(w, i * 8 + 8); x++) {
          s += err[y * w + x]!;
          n++;
        }
      blocks[j * bw + i] = s / n;
    }
  }
  const sortedBlocks = Float32Array.from(blocks).sort();
  const p99Block = sortedBlocks[Math.floor(sortedBlocks.length * 0.99)] ?? 0;
  const gain = Math.min(scale, 255 / Math.max(p99Block, 1e-6)) / 255;
  const map = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) heat(blocks[(y >> 3) * bw + (x >> 3)]! * gain, map, (y * w + x) * 3);
  return { map, width: w, height: h, meanError: sum / (w * h), p99Error: p99, gain: gain * 255 };
}
