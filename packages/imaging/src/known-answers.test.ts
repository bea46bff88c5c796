import { describe, expect, it } from 'vitest';
import { buildPsf, convolve } from './kernels/psf.ts';
import { getOperation } from './registry.ts';
import { to8, type Raster, luma16, MAX16 } from './raster.ts';
import { psnr } from './quality.ts';
import { addNoise8, rasterFrom8, syntheticScene8 } from './synthetic.ts';
import type { OperationContext } from './operation.ts';

function ctx(inputs: Raster[] = []): OperationContext {
  return { inputs, note: () => {} };
}

async function run(id: string, img: Raster, params: unknown, inputs: Raster[] = []): Promise<Raster> {
  const op = getOperation(id)!;
  return op.apply(img, op.schema.parse(params), ctx(inputs));
}

/** A 256 × 1 greyscale ramp holding every 8-bit value once. */
function ramp(): Raster {
  const b = new Uint8Array(256);
  for (let i = 0; i < 256; i++) b[i] = i;
  return rasterFrom8(b, 256, 1, 1);
}

function grey8(scene: Uint8Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++)
    out[i] = Math.round(0.299 * scene[i * 3]! + 0.587 * scene[i * 3 + 1]! + 0.114 * scene[i * 3 + 2]!);
  return out;
}

describe('tone operations match hand-computed values exactly', () => {
  it('levels black 20, white 220, gamma 1', async () => {
    const out = to8(await run('levels', ramp(), { black: 20, white: 220 }));
    // By hand: 255 × (v − 20) / 200, rounded half up; clipped outside 20…220.
    expect([out[0], out[10], out[20], out[70], out[120], out[121], out[220], out[250]]).toEqual([
      0, 0, 0, 64, 128, 129, 255, 255,
    ]);
    for (let v = 0; v < 256; v++) expect(out[v]).toBe(Math.round(255 * Math.min(1, Math.max(0, (v - 20) / 200))));
  });

  it('levels with gamma 2 and output range', async () => {
    const out = to8(await run('levels', ramp(), { black: 20, white: 220, gamma: 2 }));
    // v = 70: t = 0.25, √t = 0.5 → 127.5 → 128. v = 120: t = 0.5, √0.5 = 0.70711 → 180.31 → 180.
    expect(out[70]).toBe(128);
    expect(out[120]).toBe(180);
    const o2 = to8(await run('levels', ramp(), { outputBlack: 50, outputWhite: 150 }));
    // v = 255 → 150; v = 0 → 50; v = 51 → 50 + 100 × 0.2 = 70.
    expect([o2[0], o2[51], o2[255]]).toEqual([50, 70, 150]);
  });

  it('levels on one channel leaves the others alone', async () => {
    const img = rasterFrom8(Uint8Array.from([100, 100, 100, 200, 10, 30]), 2, 1, 3);
    const out = to8(await run('levels', img, { channel: 'red', black: 100, white: 200 }));
    expect(Array.from(out)).toEqual([0, 100, 100, 255, 10, 30]);
  });

  it('linear curves through (0,0) (64,128) (255,255)', async () => {
    const out = to8(
      await run('curves', ramp(), {
        points: [
          [0, 0],
          [64, 128],
          [255, 255],
        ],
        interpolation: 'linear',
      }),
    );
    // v = 32 → 64; v = 64 → 128; v = 128 → 128 + 64 × 127/191 = 170.55 → 171; v = 255 → 255.
    expect([out[0], out[32], out[64], out[128], out[255]]).toEqual([0, 64, 128, 171, 255]);
  });

  it('monotone curves pass exactly through their control points and never reverse', async () => {
    const out = to8(
      await run('curves', ramp(), {
        points: [
          [0, 10],
          [60, 30],
          [128, 200],
          [255, 240],
        ],
      }),
    );
    expect([out[0], out[60], out[128], out[255]]).toEqual([10, 30, 200, 240]);
    for (let v = 1; v < 256; v++) expect(out[v]!).toBeGreaterThanOrEqual(out[v - 1]!);
  });

  it('invert, brightness/contrast', async () => {
    expect(Array.from(to8(await run('invert', ramp(), {}))).slice(0, 3)).toEqual([255, 254, 253]);
    const bc = to8(await run('brightness-contrast', ramp(), { brightness: 10, contrast: 100 }));
    // (v/255 − 0.5) × 2 + 0.5 + 0.1: v = 102 → 0.4 → 0.4 × 255 = 102 → (0.4−0.5)×2+0.6 = 0.4 → 102.
    expect(bc[102]).toBe(102);
    expect(bc[0]).toBe(0);
  });
});

describe('perspective rectification', () => {
  it('maps the 4 given points to the target corners within 0.5 px', async () => {
    const w = 400;
    const h = 300;
    const pts: Array<[number, number]> = [
      [80.3, 60.7],
      [310.2, 90.1],
      [290.6, 240.4],
      [70.1, 210.9],
    ];
    const data = new Uint16Array(w * h);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        let v = 0;
        for (const [px, py] of pts) v += Math.exp(-((x - px) ** 2 + (y - py) ** 2) / (2 * 1.5 * 1.5));
        data[y * w + x] = Math.round(Math.min(1, v) * MAX16);
      }
    const ppm = 2;
    const margin = 10;
    const out = await run(
      'perspective',
      { width: w, height: h, channels: 1, data },
      { points: pts, widthMm: 100, heightMm: 50, pxPerMm: ppm, marginMm: margin },
    );
    expect(out.pxPerMm).toBe(2);
    const expected = [
      [margin * ppm, margin * ppm],
      [(100 + margin) * ppm, margin * ppm],
      [(100 + margin) * ppm, (50 + margin) * ppm],
      [margin * ppm, (50 + margin) * ppm],
    ];
    for (const [ex, ey] of expected) {
      let sx = 0;
      let sy = 0;
      let s = 0;
      for (let y = ey! - 8; y <= ey! + 8; y++)
        for (let x = ex! - 8; x <= ex! + 8; x++) {
          const v = out.data[y * out.width + x]! / MAX16;
          if (v < 0.02) continue;
          sx += v * x;
          sy += v * y;
          s += v;
        }
      const err = Math.hypot(sx / s - ex!, sy / s - ey!);
      expect(err).toBeLessThan(0.5);
    }
  });
});

describe('deconvolution', () => {
  const w = 192;
  const h = 192;
  const sharp8 = grey8(syntheticScene8(w, h, 7), w, h);
  const sharpF = Float32Array.from(sharp8, (v) => v / 255);
  const border = 12;
  const interior = (a: ArrayLike<number>) => {
    const out: number[] = [];
    for (let y = border; y < h - border; y++) for (let x = border; x < w - border; x++) out.push(a[y * w + x]!);
    return out;
  };

  async function deblur(
    op: string,
    psf: { type: 'motion'; length: number; angle: number } | { type: 'gaussian'; sigma: number },
    params: Record<string, unknown>,
  ) {
    const blurred8 = Uint8Array.from(convolve(sharpF, w, h, buildPsf(psf)), (v) => Math.round(v * 255));
    const out = to8(await run(op, rasterFrom8(blurred8, w, h, 1), { psf, ...params }));
    return {
      blurred8,
      out,
      gainInterior: psnr(interior(sharp8), interior(out)) - psnr(interior(sharp8), interior(blurred8)),
      gainFull: psnr(sharp8, out) - psnr(sharp8, blurred8),
    };
  }

  it('Wiener deblur of a synthetic motion blur improves PSNR by at least 6 dB', async () => {
    // Blurred by direct spatial convolution (edges extended) and rounded to 8 bits, not by the FFT the
    // filter uses, so the test does not simply invert its own arithmetic.
    const horizontal = await deblur('deblur-wiener', { type: 'motion', length: 15, angle: 0 }, { nsr: 0.0005 });
    console.log(
      `Wiener, 15 px horizontal motion: +${horizontal.gainFull.toFixed(2)} dB (whole image), +${horizontal.gainInterior.toFixed(2)} dB (interior)`,
    );
    expect(horizontal.gainFull).toBeGreaterThanOrEqual(6);
    const diagonal = await deblur('deblur-wiener', { type: 'motion', length: 11, angle: 30 }, { nsr: 0.002 });
    console.log(
      `Wiener, 11 px motion at 30°: +${diagonal.gainInterior.toFixed(2)} dB (interior, 12 px border excluded)`,
    );
    expect(diagonal.gainInterior).toBeGreaterThanOrEqual(6);
  });

  it('Richardson–Lucy improves a motion blur; Wiener improves a Gaussian blur', async () => {
    const rl = await deblur('deblur-richardson-lucy', { type: 'motion', length: 15, angle: 0 }, { iterations: 30 });
    console.log(`Richardson–Lucy (30 iterations): +${rl.gainInterior.toFixed(2)} dB`);
    expect(rl.gainInterior).toBeGreaterThanOrEqual(2);
    const g = await deblur('deblur-wiener', { type: 'gaussian', sigma: 2 }, { nsr: 0.0005 });
    expect(g.gainFull).toBeGreaterThanOrEqual(3);
  });
});

describe('frame averaging', () => {
  it('16 noisy (σ = 25), shifted copies improve PSNR by at least 9 dB', async () => {
    const W = 160;
    const H = 160;
    const big = grey8(syntheticScene8(W + 16, H + 16, 3), W + 16, H + 16);
    const cropAt = (dx: number, dy: number) => {
      const out = new Uint8Array(W * H);
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) out[y * W + x] = big[(y + 8 + dy) * (W + 16) + x + 8 + dx]!;
      return out;
    };
    const truth = cropAt(0, 0);
    const shifts = Array.from({ length: 16 }, (_, k) => (k === 0 ? [0, 0] : [((k * 5) % 9) - 4, ((k * 7) % 9) - 4]));
    const frames = shifts.map(([dx, dy], k) => rasterFrom8(addNoise8(cropAt(dx!, dy!), 25, 100 + k), W, H, 1));
    const notes: string[] = [];
    const op = getOperation('frame-average')!;
    const out = to8(await op.apply(frames[0]!, op.schema.parse({}), { inputs: frames, note: (t) => notes.push(t) }));
    const inner = (a: ArrayLike<number>) => {
      const r: number[] = [];
      for (let y = 6; y < H - 6; y++) for (let x = 6; x < W - 6; x++) r.push(a[y * W + x]!);
      return r;
    };
    const before = psnr(inner(truth), inner(to8(frames[0]!)));
    const after = psnr(inner(truth), inner(out));
    console.log(`frame average: PSNR ${before.toFixed(2)} dB → ${after.toFixed(2)} dB; ${notes[2]}`);
    expect(after - before).toBeGreaterThanOrEqual(9);
    // Registration recovered every shift it was given (frame k was cut (dx, dy) away: it must move by −(dx, dy)).
    for (let k = 1; k < 16; k++) {
      const m = new RegExp(`^frame ${k + 1}: shift \\((-?[\\d.]+), (-?[\\d.]+)\\)`).exec(
        notes.find((n) => n.startsWith(`frame ${k + 1}:`)) ?? '',
      );
      expect(m).not.toBeNull();
      expect(Math.abs(Number(m![1]) + shifts[k]![0]!)).toBeLessThan(0.15);
      expect(Math.abs(Number(m![2]) + shifts[k]![1]!)).toBeLessThan(0.15);
    }
  });

  it('median stacking removes a moving object seen in a minority of frames', async () => {
    const frames = Array.from({ length: 5 }, (_, k) => {
      const b = new Uint8Array(32 * 32).fill(100);
      if (k < 2) b[k * 40 + 300] = 255;
      return rasterFrom8(b, 32, 32, 1);
    });
    const op = getOperation('frame-average')!;
    const out = to8(await op.apply(frames[0]!, op.schema.parse({ method: 'median', register: false }), ctx(frames)));
    expect(out.every((v) => v === 100)).toBe(true);
  });
});

describe('luma helper', () => {
  it('keeps greyscale untouched', () => {
    expect(Array.from(luma16(ramp()).slice(0, 3))).toEqual([0, 257, 514]);
  });
});
