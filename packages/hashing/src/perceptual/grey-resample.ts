import type { RawPixels } from './hasher.ts';

/**
 * Greyscale and resampling as Pillow does them for `convert('L')` and `resize(…, LANCZOS)`, which is
 * what the widely used Python `imagehash` pHash and dHash are defined over. Following the same steps
 * (ITU-R 601 weights in fixed point, a separable Lanczos-3 whose support widens with the scale factor,
 * rounding to 8 bits after each pass) keeps our pHash/dHash within a few bits of theirs; Pillow's
 * fixed-point weights make exact equality impractical, which is one reason PDQ is the primary hash.
 */
export function greyPillow(pixels: RawPixels): Uint8Array {
  const { data, width, height, channels } = pixels;
  const n = width * height;
  const out = new Uint8Array(n);
  if (channels <= 2) {
    for (let p = 0, q = 0; p < n; p++, q += channels) out[p] = data[q]!;
    return out;
  }
  for (let p = 0, q = 0; p < n; p++, q += channels) {
    out[p] = (data[q]! * 19595 + data[q + 1]! * 38470 + data[q + 2]! * 7471 + 0x8000) >>> 16;
  }
  return out;
}

function lanczos3(x: number): number {
  if (x === 0) return 1;
  if (x <= -3 || x >= 3) return 0;
  const px = Math.PI * x;
  return (3 * Math.sin(px) * Math.sin(px / 3)) / (px * px);
}

interface Taps {
  readonly start: Int32Array;
  readonly count: Int32Array;
  readonly weights: Float64Array;
  readonly stride: number;
}

function taps(inSize: number, outSize: number): Taps {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 3 * filterScale;
  const stride = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * stride);
  for (let o = 0; o < outSize; o++) {
    const centre = (o + 0.5) * scale;
    const lo = Math.max(0, Math.trunc(centre - support + 0.5));
    const hi = Math.min(inSize, Math.trunc(centre + support + 0.5));
    let total = 0;
    for (let i = lo; i < hi; i++) {
      const w = lanczos3((i - centre + 0.5) / filterScale);
      weights[o * stride + (i - lo)] = w;
      total += w;
    }
    if (total !== 0) for (let i = 0; i < hi - lo; i++) weights[o * stride + i]! /= total;
    start[o] = lo;
    count[o] = hi - lo;
  }
  return { start, count, weights, stride };
}

const clamp8 = (v: number): number => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v));

/** Lanczos-3 resample of an 8-bit grey image, horizontal pass then vertical, 8-bit between passes. */
export function resampleGrey(
  grey: Uint8Array,
  width: number,
  height: number,
  outWidth: number,
  outHeight: number,
): Uint8Array {
  const h = taps(width, outWidth);
  const mid = new Uint8Array(outWidth * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < outWidth; x++) {
      let s = 0;
      const base = y * width + h.start[x]!;
      for (let k = 0; k < h.count[x]!; k++) s += grey[base + k]! * h.weights[x * h.stride + k]!;
      mid[y * outWidth + x] = clamp8(s);
    }
  }
  const v = taps(height, outHeight);
  const out = new Uint8Array(outWidth * outHeight);
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      let s = 0;
      for (let k = 0; k < v.count[y]!; k++) s += mid[(v.start[y]! + k) * outWidth + x]! * v.weights[y * v.stride + k]!;
      out[y * outWidth + x] = clamp8(s);
    }
  }
  return out;
}

/** Packs booleans most-significant bit first, the order `imagehash` prints them in hex. */
export function packBitsMsbFirst(bits: ArrayLike<boolean>): Uint8Array {
  const out = new Uint8Array(Math.ceil(bits.length / 8));
  for (let i = 0; i < bits.length; i++) if (bits[i]) out[i >> 3]! |= 0x80 >> (i & 7);
  return out;
}
