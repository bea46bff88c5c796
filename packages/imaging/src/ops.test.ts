import { describe, expect, it } from 'vitest';
import { getOperation } from './registry.ts';
import type { Raster } from './raster.ts';

async function run(id: string, img: Raster, params: unknown): Promise<Raster> {
  const op = getOperation(id)!;
  return op.apply(img, op.schema.parse(params), { inputs: [img], note: () => {} });
}

/** Every sample a different 16-bit value, so any reordering or loss of precision shows. */
function pattern(w: number, h: number, channels: 1 | 3): Raster {
  const data = new Uint16Array(w * h * channels);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919 + 13) % 65536;
  return { width: w, height: h, channels, data };
}
function flat(w: number, h: number, v: number, channels: 1 | 3 = 3): Raster {
  return { width: w, height: h, channels, data: new Uint16Array(w * h * channels).fill(v) };
}
const at = (r: Raster, x: number, y: number, c = 0) => r.data[(y * r.width + x) * r.channels + c]!;

describe('geometry keeps 16-bit values where it only moves pixels', () => {
  it('crop', async () => {
    const src = pattern(20, 10, 3);
    const out = await run('crop', src, { left: 3, top: 2, width: 5, height: 4 });
    expect([out.width, out.height]).toEqual([5, 4]);
    expect(at(out, 0, 0, 2)).toBe(at(src, 3, 2, 2));
    expect(at(out, 4, 3, 1)).toBe(at(src, 7, 5, 1));
  });

  it('rotate by 90° steps is exact, clockwise', async () => {
    for (const ch of [1, 3] as const) {
      const src = pattern(6, 4, ch);
      const r90 = await run('rotate', src, { angle: 90 });
      expect([r90.width, r90.height, r90.channels]).toEqual([4, 6, ch]);
      // Clockwise: the bottom-left pixel comes to the top-left.
      expect(at(r90, 0, 0)).toBe(at(src, 0, 3));
      const r180 = await run('rotate', src, { angle: -180 });
      expect(at(r180, 0, 0, ch - 1)).toBe(at(src, 5, 3, ch - 1));
      expect(await run('rotate', src, { angle: 360 })).toBe(src);
    }
  });

  it('arbitrary rotation enlarges the frame and fills corners with the background level', async () => {
    const out = await run('rotate', flat(60, 40, 30000), { angle: 10, background: 255 });
    expect(out.width).toBeGreaterThan(60);
    expect(at(out, 0, 0)).toBe(65535);
    expect(Math.abs(at(out, Math.floor(out.width / 2), Math.floor(out.height / 2)) - 30000)).toBeLessThan(2);
  });

  it('flip', async () => {
    const src = pattern(5, 3, 3);
    expect(at(await run('flip', src, { axis: 'horizontal' }), 0, 0, 1)).toBe(at(src, 4, 0, 1));
    expect(at(await run('flip', src, { axis: 'vertical' }), 0, 0)).toBe(at(src, 0, 2));
    expect(at(await run('flip', src, { axis: 'both' }), 1, 1)).toBe(at(src, 3, 1));
  });

  it('resize: named kernels, explicit scale, 16-bit kept, px/mm scaled', async () => {
    const src = { ...pattern(10, 8, 1), pxPerMm: 2 };
    const near = await run('resize', src, { scale: 2, interpolation: 'nearest' });
    expect([near.width, near.height]).toEqual([20, 16]);
    expect(near.pxPerMm).toBe(4);
    expect(at(near, 1, 1)).toBe(at(src, 0, 0));
    for (const interpolation of ['bilinear', 'bicubic', 'lanczos3']) {
      const out = await run('resize', flat(10, 8, 40000), { width: 25, interpolation });
      expect([out.width, out.height]).toEqual([25, 20]);
      expect(Math.abs(at(out, 12, 10) - 40000)).toBeLessThan(3);
    }
  });

  it('lens correction with zero coefficients is the identity; barrel correction moves edges outwards', async () => {
    const src = pattern(16, 12, 1);
    const same = await run('lens-correct', src, { k1: 0, interpolation: 'bilinear' });
    expect(Array.from(same.data)).toEqual(Array.from(src.data));
    const img = flat(41, 41, 0, 1);
    for (let y = 0; y < 41; y++) img.data[y * 41 + 35] = 65535; // a vertical line near the right edge
    const out = await run('lens-correct', img, { k1: -0.2, interpolation: 'bilinear' });
    // With barrel distortion (k1 < 0 in this model) the corrected line lies further from the centre at
    // its ends than the middle.
    const colOf = (y: number) => {
      let best = 0;
      for (let x = 0; x < 41; x++) if (out.data[y * 41 + x]! > out.data[y * 41 + best]!) best = x;
      return best;
    };
    expect(colOf(20)).not.toBe(colOf(2));
  });
});

describe('filters on 16-bit data', () => {
  it('leave a flat image flat', async () => {
    for (const [id, params] of [
      ['unsharp', { radius: 2, amount: 1.5 }],
      ['median', { size: 5 }],
      ['bilateral', { spatialSigma: 1.5, rangeSigma: 20 }],
      ['clahe', {}],
      ['deblur-wiener', { psf: { type: 'gaussian', sigma: 1.5 } }],
      ['white-balance', { method: 'grey-world' }],
    ] as const) {
      const out = await run(id, flat(40, 30, 30000), params);
      const dev = Math.max(...Array.from(out.data, (v) => Math.abs(v - 30000)));
      expect(dev, id).toBeLessThanOrEqual(id === 'clahe' ? 40000 : 3);
    }
  });

  it('median removes an isolated speck; unsharp steepens an edge', async () => {
    const img = flat(9, 9, 10000, 1);
    img.data[40] = 65535;
    expect((await run('median', img, { size: 3 })).data[40]).toBe(10000);
    const edge = flat(20, 4, 20000, 1);
    for (let y = 0; y < 4; y++) for (let x = 10; x < 20; x++) edge.data[y * 20 + x] = 40000;
    const sharp = await run('unsharp', edge, { radius: 1, amount: 1 });
    expect(sharp.data[10]!).toBeGreaterThan(40000);
    expect(sharp.data[9]!).toBeLessThan(20000);
  });

  it('grey-world white balance neutralises a cast; channel, greyscale', async () => {
    const img = flat(10, 10, 0);
    for (let i = 0; i < 100; i++) {
      img.data[i * 3] = 30000;
      img.data[i * 3 + 1] = 20000;
      img.data[i * 3 + 2] = 10000;
    }
    const wb = await run('white-balance', img, { method: 'grey-world' });
    expect([wb.data[0], wb.data[1], wb.data[2]]).toEqual([20000, 20000, 20000]);
    const g = await run('channel', img, { channel: 'green' });
    expect([g.channels, g.data[5]]).toEqual([1, 20000]);
    const grey = await run('greyscale', img, {});
    expect(grey.data[0]).toBe(Math.round(0.299 * 30000 + 0.587 * 20000 + 0.114 * 10000));
  });

  it('CLAHE and equalisation spread a narrow histogram', async () => {
    const img = pattern(64, 64, 1);
    for (let i = 0; i < img.data.length; i++) img.data[i] = 20000 + (img.data[i]! % 5000);
    for (const id of ['clahe', 'equalize']) {
      const out = await run(id, img, {});
      const min = Math.min(...out.data);
      const max = Math.max(...out.data);
      expect(max - min, id).toBeGreaterThan(id === 'clahe' ? 15000 : 60000);
    }
  });
});
