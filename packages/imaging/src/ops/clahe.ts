import { z } from 'zod';
import { defineOperation } from '../operation.ts';
import { applyLumaChange, luma16 } from '../raster.ts';
import { fmt } from './params.ts';

/**
 * Contrast-limited adaptive histogram equalisation on a 16-bit plane. Each tile gets its own equalising
 * curve, with histogram counts clipped at `clipLimit` × the mean count (the excess spread evenly) so that
 * noise in flat areas is not blown up; curves are blended bilinearly between tile centres, and within a
 * bin the curve is interpolated so 16-bit input does not band.
 */
export function clahePlane(
  src: Uint16Array,
  w: number,
  h: number,
  tilesX: number,
  tilesY: number,
  clipLimit: number,
  bins: number,
): Uint16Array {
  const tx = Math.min(tilesX, w);
  const ty = Math.min(tilesY, h);
  const shift = 16 - Math.log2(bins);
  const cdfs = new Float32Array(tx * ty * (bins + 1));
  const hist = new Float64Array(bins);
  for (let j = 0; j < ty; j++) {
    const y0 = Math.floor((j * h) / ty);
    const y1 = Math.floor(((j + 1) * h) / ty);
    for (let i = 0; i < tx; i++) {
      const x0 = Math.floor((i * w) / tx);
      const x1 = Math.floor(((i + 1) * w) / tx);
      hist.fill(0);
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) hist[src[y * w + x]! >> shift]!++;
      const count = (y1 - y0) * (x1 - x0);
      const limit = Math.max(1, (clipLimit * count) / bins);
      let excess = 0;
      for (let b = 0; b < bins; b++)
        if (hist[b]! > limit) {
          excess += hist[b]! - limit;
          hist[b] = limit;
        }
      const add = excess / bins;
      const base = (j * tx + i) * (bins + 1);
      let cum = 0;
      cdfs[base] = 0;
      for (let b = 0; b < bins; b++) {
        cum += hist[b]! + add;
        cdfs[base + b + 1] = cum / count;
      }
    }
  }
  const out = new Uint16Array(w * h);
  const tileW = w / tx;
  const tileH = h / ty;
  const scale = bins / 65536;
  const stride = bins + 1;
  // Each tile's curve expanded to a full 16-bit table (the in-bin interpolation done once per value, not
  // once per pixel); pixels then blend four table look-ups. Tables for many tiles would be too large, so
  // above 256 tiles the curve is interpolated per pixel instead (same formula).
  const useTables = tx * ty <= 256;
  const tables = useTables ? new Float32Array(tx * ty * 65536) : undefined;
  const curveAt = (tile: number, v: number) => {
    const pos = (v + 0.5) * scale;
    const b = Math.min(bins - 1, Math.floor(pos));
    const f = pos - b;
    const a = tile * stride + b;
    return cdfs[a]! + (cdfs[a + 1]! - cdfs[a]!) * f;
  };
  if (tables) for (let t = 0; t < tx * ty; t++) for (let v = 0; v < 65536; v++) tables[t * 65536 + v] = curveAt(t, v);
  const colI0 = new Int32Array(w);
  const colI1 = new Int32Array(w);
  const colF = new Float32Array(w);
  for (let x = 0; x < w; x++) {
    let gx = (x + 0.5) / tileW - 0.5;
    if (gx < 0) gx = 0;
    if (gx > tx - 1) gx = tx - 1;
    colI0[x] = Math.floor(gx);
    colI1[x] = Math.min(colI0[x]! + 1, tx - 1);
    colF[x] = gx - colI0[x]!;
  }
  for (let y = 0; y < h; y++) {
    let gy = (y + 0.5) / tileH - 0.5;
    if (gy < 0) gy = 0;
    if (gy > ty - 1) gy = ty - 1;
    const j0 = Math.floor(gy);
    const j1 = Math.min(j0 + 1, ty - 1);
    const fy = gy - j0;
    const row = y * w;
    for (let x = 0; x < w; x++) {
      const i0 = colI0[x]!;
      const i1 = colI1[x]!;
      const fx = colF[x]!;
      const v = src[row + x]!;
      let v00: number, v01: number, v10: number, v11: number;
      if (tables) {
        v00 = tables[(j0 * tx + i0) * 65536 + v]!;
        v01 = tables[(j0 * tx + i1) * 65536 + v]!;
        v10 = tables[(j1 * tx + i0) * 65536 + v]!;
        v11 = tables[(j1 * tx + i1) * 65536 + v]!;
      } else {
        v00 = curveAt(j0 * tx + i0, v);
        v01 = curveAt(j0 * tx + i1, v);
        v10 = curveAt(j1 * tx + i0, v);
        v11 = curveAt(j1 * tx + i1, v);
      }
      const r = (v00 * (1 - fx) + v01 * fx) * (1 - fy) + (v10 * (1 - fx) + v11 * fx) * fy;
      out[row + x] = Math.round((r < 0 ? 0 : r > 1 ? 1 : r) * 65535);
    }
  }
  return out;
}

export const clahe = defineOperation({
  id: 'clahe',
  version: '1',
  title: 'Local (adaptive) contrast enhancement, contrast-limited',
  schema: z.strictObject({
    tilesX: z.number().int().min(1).max(64).default(8),
    tilesY: z.number().int().min(1).max(64).default(8),
    clipLimit: z.number().min(1).max(100).default(3),
    bins: z.union([z.literal(256), z.literal(1024), z.literal(4096)]).default(256),
  }),
  describe: (p) =>
    `Contrast-limited adaptive histogram equalisation (CLAHE) of brightness: the image was divided into ${p.tilesX} × ${p.tilesY} tiles, each tile's brightness histogram (${p.bins} bins) was equalised with counts limited to ${fmt(p.clipLimit)} × the average so that noise is not over-amplified, and the resulting curves were blended smoothly between tiles. Applied to luma; colour differences are kept. This brings out detail in both dark and bright areas, but brightness can no longer be compared between distant parts of the image.`,
  reference:
    'K. Zuiderveld, "Contrast Limited Adaptive Histogram Equalization", Graphics Gems IV, 1994; S. M. Pizer et al., Computer Vision, Graphics, and Image Processing 39, 1987.',
  apply(img, p) {
    const y = luma16(img);
    return applyLumaChange(img, y, clahePlane(y, img.width, img.height, p.tilesX, p.tilesY, p.clipLimit, p.bins));
  },
});
