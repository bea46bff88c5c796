/**
 * The in-memory image every operation works on: 16-bit samples, interleaved, 1 (grey) or 3 (RGB)
 * channels. 16 bits per sample keeps tone operations (levels, curves, gamma, CLAHE) from banding an
 * 8-bit original; operations that need real numbers (deconvolution, averaging, resampling kernels)
 * convert to float planes and back. Alpha is not carried: evidence pixels are what was recorded.
 */
export interface Raster {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  /** width × height × channels samples, row-major, interleaved, 0…65535. */
  readonly data: Uint16Array;
  /** Scale of a metric image (after perspective rectification), carried through geometry steps. */
  readonly pxPerMm?: number | undefined;
}

export const MAX16 = 65535;

export function createRaster(width: number, height: number, channels: 1 | 3, pxPerMm?: number): Raster {
  return { width, height, channels, data: new Uint16Array(width * height * channels), pxPerMm };
}

export function withData(
  src: Raster,
  data: Uint16Array,
  width = src.width,
  height = src.height,
  channels: 1 | 3 = src.channels,
): Raster {
  return { width, height, channels, data, pxPerMm: src.pxPerMm };
}

/** 8-bit sample to 16-bit, exactly (v × 257), so 8-bit values survive a round trip unchanged. */
export function from8(data: Uint8Array | Buffer, width: number, height: number, channels: 1 | 3): Raster {
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! * 257;
  return { width, height, channels, data: out };
}

/** 16-bit to 8-bit with rounding (libvips truncates; we round so that v×257 maps back to v). */
export function to8(r: Raster): Uint8Array {
  const out = new Uint8Array(r.data.length);
  const d = r.data;
  for (let i = 0; i < d.length; i++) out[i] = ((d[i]! + 128) / 257) | 0;
  return out;
}

/** One channel as float32 in 0…1. */
export function planeOf(r: Raster, c: number): Float32Array {
  const n = r.width * r.height;
  const out = new Float32Array(n);
  const d = r.data;
  const ch = r.channels;
  for (let i = 0, j = c; i < n; i++, j += ch) out[i] = d[j]! / MAX16;
  return out;
}

export function planes(r: Raster): Float32Array[] {
  const out: Float32Array[] = [];
  for (let c = 0; c < r.channels; c++) out.push(planeOf(r, c));
  return out;
}

/** Float planes (0…1, clamped, rounded) back to a raster. */
export function fromPlanes(ps: Float32Array[], width: number, height: number, pxPerMm?: number): Raster {
  const channels = ps.length as 1 | 3;
  const n = width * height;
  const data = new Uint16Array(n * channels);
  for (let c = 0; c < channels; c++) {
    const p = ps[c]!;
    for (let i = 0, j = c; i < n; i++, j += channels) data[j] = clamp16(p[i]! * MAX16);
  }
  return { width, height, channels, data, pxPerMm };
}

/**
 * Rounds to a 16-bit sample. The tiny bias makes exact halves (an 8-bit x.5 scaled by 257) round up
 * whatever the last bit of floating-point error, so hand-computed 8-bit results are reproduced exactly.
 */
export function clamp16(v: number): number {
  return v <= 0 ? 0 : v >= MAX16 ? MAX16 : Math.round(v + 1e-6);
}

/** Rec. 601 luma in 16-bit (the weights used for "greyscale" since analogue television). */
export function luma16(r: Raster): Uint16Array {
  const n = r.width * r.height;
  if (r.channels === 1) return r.data.slice();
  const out = new Uint16Array(n);
  const d = r.data;
  for (let i = 0, j = 0; i < n; i++, j += 3) out[i] = Math.round(0.299 * d[j]! + 0.587 * d[j + 1]! + 0.114 * d[j + 2]!);
  return out;
}

/**
 * Applies a brightness mapping computed on luma to a colour image by adding the change in luma to each
 * channel, so that hue differences between channels are kept (the usual way to equalise a colour photo
 * without inventing colours).
 */
export function applyLumaChange(r: Raster, before: Uint16Array, after: Uint16Array): Raster {
  if (r.channels === 1) return withData(r, after);
  const out = new Uint16Array(r.data.length);
  const d = r.data;
  // Integer arithmetic throughout: the sums need clamping, never rounding.
  for (let i = 0, j = 0; i < before.length; i++, j += 3) {
    const delta = after[i]! - before[i]!;
    const r = d[j]! + delta;
    const g = d[j + 1]! + delta;
    const b = d[j + 2]! + delta;
    out[j] = r < 0 ? 0 : r > MAX16 ? MAX16 : r;
    out[j + 1] = g < 0 ? 0 : g > MAX16 ? MAX16 : g;
    out[j + 2] = b < 0 ? 0 : b > MAX16 ? MAX16 : b;
  }
  return withData(r, out);
}

/** Applies a 65,536-entry table to every sample of the chosen channels (all when `channel` is undefined). */
export function applyLut(r: Raster, lut: Uint16Array, channel?: number): Raster {
  const out = r.data.slice();
  const ch = r.channels;
  if (channel === undefined) {
    for (let i = 0; i < out.length; i++) out[i] = lut[out[i]!]!;
  } else {
    for (let i = channel; i < out.length; i += ch) out[i] = lut[out[i]!]!;
  }
  return withData(r, out);
}

/** Builds a table from a function on 0…1. */
export function lutFrom(fn: (x: number) => number): Uint16Array {
  const lut = new Uint16Array(65536);
  for (let v = 0; v < 65536; v++) lut[v] = clamp16(fn(v / MAX16) * MAX16);
  return lut;
}

/** Samples a float plane at a real position with bilinear interpolation; outside → NaN. */
export function sampleBilinear(p: Float32Array, w: number, h: number, x: number, y: number): number {
  if (x < -0.5 || y < -0.5 || x > w - 0.5 || y > h - 0.5) return NaN;
  const xc = x < 0 ? 0 : x > w - 1 ? w - 1 : x;
  const yc = y < 0 ? 0 : y > h - 1 ? h - 1 : y;
  const x0 = Math.min(Math.floor(xc), w - 2 < 0 ? 0 : w - 2);
  const y0 = Math.min(Math.floor(yc), h - 2 < 0 ? 0 : h - 2);
  const fx = xc - x0;
  const fy = yc - y0;
  const x1 = Math.min(x0 + 1, w - 1);
  const y1 = Math.min(y0 + 1, h - 1);
  const a = p[y0 * w + x0]!;
  const b = p[y0 * w + x1]!;
  const c = p[y1 * w + x0]!;
  const d = p[y1 * w + x1]!;
  return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
}

function cubicWeight(t: number): number {
  // Catmull–Rom (a = −0.5): interpolating, the usual "bicubic".
  const a = -0.5;
  const x = Math.abs(t);
  if (x <= 1) return (a + 2) * x * x * x - (a + 3) * x * x + 1;
  if (x < 2) return a * x * x * x - 5 * a * x * x + 8 * a * x - 4 * a;
  return 0;
}

export function sampleBicubic(p: Float32Array, w: number, h: number, x: number, y: number): number {
  if (x < -0.5 || y < -0.5 || x > w - 0.5 || y > h - 0.5) return NaN;
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  let sum = 0;
  for (let j = -1; j <= 2; j++) {
    const yy = Math.min(h - 1, Math.max(0, y0 + j));
    const wy = cubicWeight(y - (y0 + j));
    let row = 0;
    for (let i = -1; i <= 2; i++) {
      const xx = Math.min(w - 1, Math.max(0, x0 + i));
      row += p[yy * w + xx]! * cubicWeight(x - (x0 + i));
    }
    sum += row * wy;
  }
  return sum;
}

export type Interpolation = 'nearest' | 'bilinear' | 'bicubic';

export function sampler(kind: Interpolation): (p: Float32Array, w: number, h: number, x: number, y: number) => number {
  if (kind === 'bilinear') return sampleBilinear;
  if (kind === 'bicubic') return sampleBicubic;
  return (p, w, h, x, y) => {
    const xi = Math.round(x);
    const yi = Math.round(y);
    if (xi < 0 || yi < 0 || xi >= w || yi >= h) return NaN;
    return p[yi * w + xi]!;
  };
}

/**
 * Inverse-maps every output pixel through `map` (output → input coordinates, pixel centres at integers)
 * and samples the input. Pixels that fall outside the input become `fill` (0…1).
 */
export function remap(
  r: Raster,
  outW: number,
  outH: number,
  map: (u: number, v: number, out: Float64Array) => void,
  interpolation: Interpolation,
  fill = 0,
): Raster {
  const src = planes(r);
  const sample = sampler(interpolation);
  const out = src.map(() => new Float32Array(outW * outH));
  const xy = new Float64Array(2);
  for (let v = 0; v < outH; v++) {
    for (let u = 0; u < outW; u++) {
      map(u, v, xy);
      const i = v * outW + u;
      for (let c = 0; c < src.length; c++) {
        const s = sample(src[c]!, r.width, r.height, xy[0]!, xy[1]!);
        out[c]![i] = Number.isNaN(s) ? fill : s;
      }
    }
  }
  return fromPlanes(out, outW, outH, r.pxPerMm);
}
