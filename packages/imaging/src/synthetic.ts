/**
 * Synthetic test images (seeded scenes, noise, drawn text) for tests, the sample generators and the benches. Not
 * part of the front door: they are reached as `@vestige/imaging/synthetic`, so no package builds on test data.
 */
import { seededRandom } from '@vestige/evidence';
import { clamp16, type Raster } from './raster.ts';

/** Standard normal deviates by Box–Muller from a seeded source. */
export function gaussianSource(seed: number): () => number {
  const rnd = seededRandom(seed);
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const u = Math.max(rnd(), 1e-12);
    const v = rnd();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

// 5×7 block glyphs for the few characters a synthetic number plate needs.
const GLYPHS: Record<string, string[]> = {
  A: ['01110', '10001', '10001', '11111', '10001', '10001', '10001'],
  B: ['11110', '10001', '10001', '11110', '10001', '10001', '11110'],
  C: ['01111', '10000', '10000', '10000', '10000', '10000', '01111'],
  D: ['11110', '10001', '10001', '10001', '10001', '10001', '11110'],
  E: ['11111', '10000', '10000', '11110', '10000', '10000', '11111'],
  K: ['10001', '10010', '10100', '11000', '10100', '10010', '10001'],
  L: ['10000', '10000', '10000', '10000', '10000', '10000', '11111'],
  V: ['10001', '10001', '10001', '10001', '10001', '01010', '00100'],
  X: ['10001', '10001', '01010', '00100', '01010', '10001', '10001'],
  Y: ['10001', '10001', '01010', '00100', '00100', '00100', '00100'],
  '0': ['01110', '10001', '10011', '10101', '11001', '10001', '01110'],
  '1': ['00100', '01100', '00100', '00100', '00100', '00100', '01110'],
  '2': ['01110', '10001', '00001', '00010', '00100', '01000', '11111'],
  '3': ['11110', '00001', '00001', '01110', '00001', '00001', '11110'],
  '4': ['00010', '00110', '01010', '10010', '11111', '00010', '00010'],
  '5': ['11111', '10000', '11110', '00001', '00001', '10001', '01110'],
  '6': ['01110', '10000', '10000', '11110', '10001', '10001', '01110'],
  '7': ['11111', '00001', '00010', '00100', '01000', '01000', '01000'],
  '8': ['01110', '10001', '10001', '01110', '10001', '10001', '01110'],
  '9': ['01110', '10001', '10001', '01111', '00001', '00001', '01110'],
  ' ': ['00000', '00000', '00000', '00000', '00000', '00000', '00000'],
};

/** Draws block text into an 8-bit RGB buffer. */
export function drawText(
  buf: Uint8Array,
  w: number,
  h: number,
  text: string,
  x0: number,
  y0: number,
  cell: number,
  rgb: [number, number, number],
): void {
  let x = x0;
  for (const ch of text.toUpperCase()) {
    const g = GLYPHS[ch] ?? GLYPHS[' ']!;
    for (let r = 0; r < 7; r++)
      for (let c = 0; c < 5; c++) {
        if (g[r]![c] !== '1') continue;
        for (let yy = 0; yy < cell; yy++)
          for (let xx = 0; xx < cell; xx++) {
            const px = x + c * cell + xx;
            const py = y0 + r * cell + yy;
            if (px < 0 || py < 0 || px >= w || py >= h) continue;
            const i = (py * w + px) * 3;
            buf[i] = rgb[0];
            buf[i + 1] = rgb[1];
            buf[i + 2] = rgb[2];
          }
      }
    x += 6 * cell;
  }
}

/**
 * A deterministic test scene (8-bit RGB): a shaded background, coloured shapes, fine line pairs and a
 * yellow "number plate" with dark characters, the sort of content forensic enhancement is asked about.
 */
export function syntheticScene8(w: number, h: number, seed = 1, plate = 'AB12 CDE'): Uint8Array {
  const rnd = seededRandom(seed);
  const buf = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      buf[i] = 60 + Math.round((100 * x) / w);
      buf[i + 1] = 70 + Math.round((80 * y) / h);
      buf[i + 2] = 90 + Math.round((60 * (x + y)) / (w + h));
    }
  const shapes = Math.max(4, Math.round((w * h) / 20000));
  for (let s = 0; s < shapes; s++) {
    const cx = rnd() * w;
    const cy = rnd() * h;
    const r = (0.02 + rnd() * 0.08) * Math.min(w, h);
    const col = [Math.floor(rnd() * 256), Math.floor(rnd() * 256), Math.floor(rnd() * 256)];
    const circle = rnd() < 0.5;
    for (let y = Math.max(0, Math.floor(cy - r)); y < Math.min(h, Math.ceil(cy + r)); y++) {
      for (let x = Math.max(0, Math.floor(cx - r)); x < Math.min(w, Math.ceil(cx + r)); x++) {
        if (circle && (x - cx) ** 2 + (y - cy) ** 2 > r * r) continue;
        const i = (y * w + x) * 3;
        buf[i] = col[0]!;
        buf[i + 1] = col[1]!;
        buf[i + 2] = col[2]!;
      }
    }
  }
  // Line pairs of decreasing spacing: a resolution target.
  const ly = Math.floor(h * 0.08);
  for (let k = 0; k < 6; k++) {
    const period = 8 - k;
    const x0 = Math.floor(w * 0.05) + k * Math.floor(w * 0.07);
    for (let y = ly; y < Math.min(h, ly + Math.floor(h * 0.1)); y++)
      for (let x = x0; x < Math.min(w, x0 + Math.floor(w * 0.05)); x++) {
        const v = Math.floor((x - x0) / (period / 2)) % 2 ? 240 : 20;
        const i = (y * w + x) * 3;
        buf[i] = buf[i + 1] = buf[i + 2] = v;
      }
  }
  if (plate === '') return buf;
  const cell = Math.max(1, Math.floor(Math.min(w / (plate.length * 6 + 4), h / 30)));
  const pw = (plate.length * 6 + 2) * cell;
  const ph = 10 * cell;
  const px = Math.floor((w - pw) / 2);
  const py = Math.floor(h * 0.6);
  for (let y = py; y < Math.min(h, py + ph); y++)
    for (let x = px; x < Math.min(w, px + pw); x++) {
      const i = (y * w + x) * 3;
      buf[i] = 235;
      buf[i + 1] = 200;
      buf[i + 2] = 40;
    }
  drawText(buf, w, h, plate, px + 2 * cell, py + Math.floor(1.5 * cell), cell, [25, 25, 30]);
  return buf;
}

export function syntheticScene(w: number, h: number, seed = 1): Raster {
  const b = syntheticScene8(w, h, seed);
  const data = new Uint16Array(b.length);
  for (let i = 0; i < b.length; i++) data[i] = b[i]! * 257;
  return { width: w, height: h, channels: 3, data };
}

/** Adds zero-mean Gaussian noise (σ on the 0–255 scale) and rounds to 8-bit levels. */
export function addNoise8(src: Uint8Array, sigma: number, seed: number): Uint8Array {
  const g = gaussianSource(seed);
  const out = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = Math.min(255, Math.max(0, Math.round(src[i]! + sigma * g())));
  return out;
}

export function rasterFrom8(b: Uint8Array, w: number, h: number, channels: 1 | 3): Raster {
  const data = new Uint16Array(b.length);
  for (let i = 0; i < b.length; i++) data[i] = clamp16(b[i]! * 257);
  return { width: w, height: h, channels, data };
}
