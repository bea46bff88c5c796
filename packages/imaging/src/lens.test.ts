import { describe, expect, it } from 'vitest';
import { getOperation } from './registry.ts';
import { MAX16, type Raster } from './raster.ts';

describe('lens correction (Brown–Conrady)', () => {
  it('straightens lines that the model bent', async () => {
    const w = 201;
    const h = 151;
    const k1 = -0.18;
    const k2 = 0.03;
    const cx = (w - 1) / 2;
    const cy = (h - 1) / 2;
    const f = Math.hypot(w, h) / 2;
    const distort = (x: number, y: number): [number, number] => {
      const r2 = x * x + y * y;
      const s = 1 + k1 * r2 + k2 * r2 * r2;
      return [x * s, y * s];
    };
    // The recorded (distorted) image: pixel p shows the scene point u with distort(u) = p, found by fixed-point
    // iteration.
    const lines = [30, 100, 170];
    const data = new Uint16Array(w * h);
    for (let py = 0; py < h; py++) {
      for (let px = 0; px < w; px++) {
        const xd = (px - cx) / f;
        const yd = (py - cy) / f;
        let xu = xd;
        let yu = yd;
        for (let k = 0; k < 50; k++) {
          const [dx, dy] = distort(xu, yu);
          xu += xd - dx;
          yu += yd - dy;
        }
        const sceneX = xu * f + cx;
        let v = 0;
        for (const L of lines) v = Math.max(v, Math.exp(-((sceneX - L) ** 2) / (2 * 0.8 * 0.8)));
        data[py * w + px] = Math.round(v * MAX16);
      }
    }
    const recorded: Raster = { width: w, height: h, channels: 1, data };
    const op = getOperation('lens-correct')!;
    const corrected = await op.apply(recorded, op.schema.parse({ k1, k2, interpolation: 'bicubic' }), {
      inputs: [recorded],
      note: () => {},
    });
    /** Sub-pixel x of the line nearest `near` on row y (intensity-weighted centroid). */
    const lineX = (img: Raster, y: number, near: number) => {
      let s = 0;
      let sx = 0;
      for (let x = Math.max(0, Math.round(near) - 6); x <= Math.min(w - 1, Math.round(near) + 6); x++) {
        const v = Math.max(0, img.data[y * w + x]! / MAX16 - 0.05);
        s += v;
        sx += v * x;
      }
      return sx / s;
    };
    for (const L of [30, 170]) {
      let worstRecorded = 0;
      let worstCorrected = 0;
      for (let y = 10; y < h - 10; y += 10) {
        // Track the bent line in the recorded image from its middle outwards.
        worstRecorded = Math.max(worstRecorded, Math.abs(lineX(recorded, y, lineX(recorded, Math.round(cy), L)) - L));
        worstCorrected = Math.max(worstCorrected, Math.abs(lineX(corrected, y, L) - L));
      }
      expect(worstRecorded).toBeGreaterThan(2);
      expect(worstCorrected).toBeLessThan(0.5);
    }
  });
});
