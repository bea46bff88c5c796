/**
 * PDQ, Meta's 256-bit perceptual image hash, computed so that it is bit-for-bit identical to the
 * reference implementation (facebook/ThreatExchange, pdq/cpp) given the same decoded pixels.
 *
 * The reference does all its arithmetic in 32-bit floats. JavaScript numbers are 64-bit, so every
 * intermediate value is rounded back to float32 (Math.fround or a Float32Array store) at exactly the
 * points where the C++ code would round, and sums are accumulated in the same order. A single add
 * done in double precision instead of float is enough to move a DCT coefficient across the median on
 * some images, so these roundings are the whole point of this file, not an optimisation.
 *
 * Pipeline (PDQ hashing paper, 2017):
 *   1. luminance Y = 0.299 R + 0.587 G + 0.114 B (float32), or the grey value itself for greyscale;
 *   2. a Jarosz tent filter: two passes of (box along rows, box along columns), each box as wide as
 *      ceil(dimension / 128) pixels, so the two passes together span one 64th of the image;
 *   3. decimation to 64×64 by sampling the blurred image at the centres of a 64×64 grid;
 *   4. quality from the sum of quantised neighbour gradients of that 64×64 image;
 *   5. a 2-D DCT keeping the 16×16 lowest non-DC frequencies (rows/columns 1..16);
 *   6. one bit per coefficient: set when it is strictly greater than the median coefficient.
 * The eight dihedral variants (rotations and flips) are sign/transpose patterns of the 16×16 DCT.
 */

const f32 = Math.fround;

/** Hash bits as 32 bytes, big-endian: byte 0 holds bits 255..248, matching the reference's hex. */
export type Hash256 = Uint8Array;

export interface PdqResult {
  /** 32 bytes; `pdqHex` gives the 64-character form the reference prints. */
  readonly hash: Hash256;
  /** 0–100; the reference suggests discarding hashes with quality below 50 for matching. */
  readonly quality: number;
}

export interface PdqDihedralResult {
  readonly quality: number;
  readonly original: Hash256;
  readonly rotate90: Hash256;
  readonly rotate180: Hash256;
  readonly rotate270: Hash256;
  readonly flipX: Hash256;
  readonly flipY: Hash256;
  readonly flipPlus1: Hash256;
  readonly flipMinus1: Hash256;
}

/** The reference's order for its `--pdqdih` output. */
export const PDQ_DIHEDRAL_ORDER = [
  'original',
  'rotate90',
  'rotate180',
  'rotate270',
  'flipX',
  'flipY',
  'flipPlus1',
  'flipMinus1',
] as const;

/** Images smaller than this in either dimension hash to all zeros with quality 0, as in the reference. */
export const PDQ_MIN_DIMENSION = 5;

/** float32 luminance coefficients, as the reference declares them (`const float`). */
const LUMA_R = f32(0.299);
const LUMA_G = f32(0.587);
const LUMA_B = f32(0.114);

const JAROSZ_PASSES = 2;

/**
 * 16×64 DCT-II basis for frequencies 1..16, scaled by sqrt(2/64). The cosine is taken in double and
 * the product rounded once to float32, which is what the reference's initialiser does.
 */
const DCT_16x64: Float32Array = (() => {
  const scale = f32(Math.sqrt(2 / 64));
  const m = new Float32Array(16 * 64);
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 64; j++) {
      m[i * 64 + j] = scale * Math.cos((Math.PI / 2 / 64) * (i + 1) * (2 * j + 1));
    }
  }
  return m;
})();

/**
 * Luminance of interleaved 8-bit pixels. One or two channels (grey, grey+alpha) are taken as the
 * luminance directly, as the reference does for greyscale images; three or four (RGB, RGBA) use the
 * float32 weighted sum. Alpha is ignored: the reference's decoder drops it without compositing.
 *
 * An RGB image whose every pixel has R = G = B is treated as greyscale too. The reference reads
 * images through ImageMagick's `convert … pnm:-`, which writes such an image as a greyscale PGM (or a
 * bilevel PBM), so the reference takes its grey path; the weighted sum would differ from the grey
 * value by one float32 ulp for 35 of the 256 levels, enough to flip bits.
 */
export function pdqLuma(
  data: Uint8Array,
  width: number,
  height: number,
  channels: number,
  options: { greyAsImageMagick?: boolean } = {},
): Float32Array {
  const n = width * height;
  const luma = new Float32Array(n);
  // vPDQ hashes decoded video frames straight from RGB (no ImageMagick in its path): greyAsImageMagick: false.
  if (channels === 1 || channels === 2 || (options.greyAsImageMagick !== false && allGrey(data, n, channels))) {
    for (let p = 0, q = 0; p < n; p++, q += channels) luma[p] = data[q]!;
  } else {
    for (let p = 0, q = 0; p < n; p++, q += channels) {
      luma[p] = f32(f32(f32(LUMA_R * data[q]!) + f32(LUMA_G * data[q + 1]!)) + f32(LUMA_B * data[q + 2]!));
    }
  }
  return luma;
}

function allGrey(data: Uint8Array, n: number, channels: number): boolean {
  for (let p = 0, q = 0; p < n; p++, q += channels) {
    const r = data[q]!;
    if (data[q + 1] !== r || data[q + 2] !== r) return false;
  }
  return true;
}

/** Box-filter window for one pass of the two-pass tent: ceil(old / (2 × new)). */
export function jaroszWindowSize(oldDimension: number, newDimension: number): number {
  return Math.trunc((oldDimension + 2 * newDimension - 1) / (2 * newDimension));
}

/**
 * One-dimensional running-mean box filter over `length` elements spaced `stride` apart, with the
 * window shrinking at both ends (never reading outside the vector). The float32 running sum is
 * updated in the reference's order: add the entering element, then subtract the leaving one.
 */
function box1D(
  input: Float32Array,
  output: Float32Array,
  offset: number,
  length: number,
  stride: number,
  window: number,
): void {
  const half = Math.trunc((window + 2) / 2);
  const phase1 = half - 1;
  const phase2 = window - half + 1;
  const phase3 = length - window;
  const phase4 = half - 1;
  let li = offset;
  let ri = offset;
  let oi = offset;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < phase1; i++) {
    sum = f32(sum + input[ri]!);
    count++;
    ri += stride;
  }
  for (let i = 0; i < phase2; i++) {
    sum = f32(sum + input[ri]!);
    count++;
    output[oi] = sum / count;
    ri += stride;
    oi += stride;
  }
  for (let i = 0; i < phase3; i++) {
    sum = f32(sum + input[ri]!);
    sum = f32(sum - input[li]!);
    output[oi] = sum / count;
    li += stride;
    ri += stride;
    oi += stride;
  }
  for (let i = 0; i < phase4; i++) {
    sum = f32(sum - input[li]!);
    count--;
    output[oi] = sum / count;
    li += stride;
    oi += stride;
  }
}

/** Two-pass tent filter in place on `buffer1` (`buffer2` is scratch of the same size). */
export function jaroszFilter(
  buffer1: Float32Array,
  buffer2: Float32Array,
  rows: number,
  cols: number,
  windowAlongRows: number,
  windowAlongCols: number,
  passes = JAROSZ_PASSES,
): void {
  for (let pass = 0; pass < passes; pass++) {
    for (let i = 0; i < rows; i++) box1D(buffer1, buffer2, i * cols, cols, 1, windowAlongRows);
    for (let j = 0; j < cols; j++) box1D(buffer2, buffer1, j, rows, cols, windowAlongCols);
  }
}

/** Samples the centres of an outRows × outCols grid (no interpolation). */
export function decimate(
  input: Float32Array,
  rows: number,
  cols: number,
  outRows: number,
  outCols: number,
): Float32Array {
  const out = new Float32Array(outRows * outCols);
  for (let oi = 0; oi < outRows; oi++) {
    const ii = Math.trunc(((oi + 0.5) * rows) / outRows);
    for (let oj = 0; oj < outCols; oj++) {
      const ij = Math.trunc(((oj + 0.5) * cols) / outCols);
      out[oi * outCols + oj] = input[ii * cols + ij]!;
    }
  }
  return out;
}

/**
 * Quality: quantised absolute differences between vertical and horizontal neighbours of the 64×64
 * image, each scaled to 0..100 and truncated, summed and divided by 90, capped at 100. The constants
 * are the reference's hand-tuned ones.
 */
export function pdqQuality(buffer64: Float32Array): number {
  let gradientSum = 0;
  for (let i = 0; i < 63; i++) {
    for (let j = 0; j < 64; j++) {
      const d = Math.trunc(f32(f32(f32(buffer64[i * 64 + j]! - buffer64[(i + 1) * 64 + j]!) * 100) / 255));
      gradientSum += Math.abs(d);
    }
  }
  for (let i = 0; i < 64; i++) {
    for (let j = 0; j < 63; j++) {
      const d = Math.trunc(f32(f32(f32(buffer64[i * 64 + j]! - buffer64[i * 64 + j + 1]!) * 100) / 255));
      gradientSum += Math.abs(d);
    }
  }
  return Math.min(100, Math.trunc(gradientSum / 90));
}

/** B = D A Dᵀ for the 16 lowest non-DC frequencies, float32 sums accumulated in index order. */
export function dct64To16(a: Float32Array): Float32Array {
  const d = DCT_16x64;
  const t = new Float32Array(16 * 64);
  for (let i = 0; i < 16; i++) {
    const di = i * 64;
    for (let j = 0; j < 64; j++) {
      let sum = 0;
      for (let k = 0; k < 64; k++) sum = f32(sum + f32(d[di + k]! * a[k * 64 + j]!));
      t[i * 64 + j] = sum;
    }
  }
  const b = new Float32Array(16 * 16);
  for (let i = 0; i < 16; i++) {
    const ti = i * 64;
    for (let j = 0; j < 16; j++) {
      const dj = j * 64;
      let sum = 0;
      for (let k = 0; k < 64; k++) sum = f32(sum + f32(t[ti + k]! * d[dj + k]!));
      b[i * 16 + j] = sum;
    }
  }
  return b;
}

/**
 * The lower median (the 128th smallest of 256), which is what the reference's Torben selection
 * returns; bit k = i·16 + j is set when coefficient (i, j) is strictly greater than it.
 */
export function pdqBitsFromDct(dct: Float32Array): Hash256 {
  const sorted = Float32Array.from(dct).sort();
  const median = sorted[((dct.length + 1) / 2 - 1) | 0]!;
  const hash = new Uint8Array(32);
  for (let k = 0; k < 256; k++) {
    if (dct[k]! > median) hash[31 - (k >> 3)]! |= 1 << (k & 7);
  }
  return hash;
}

/** Blur and decimate luminance to the 64×64 image PDQ works on. `luma` is overwritten. */
function downsampleTo64(luma: Float32Array, rows: number, cols: number): Float32Array {
  const scratch = new Float32Array(rows * cols);
  jaroszFilter(luma, scratch, rows, cols, jaroszWindowSize(cols, 64), jaroszWindowSize(rows, 64));
  return decimate(luma, rows, cols, 64, 64);
}

/**
 * PDQ of a float32 luminance image (row-major, rows × cols). `luma` is used as a work buffer and
 * overwritten. A 64×64 input is taken as already downsampled (no blur), as in the reference — this
 * is the path for video frames that ffmpeg has already scaled.
 */
export function pdqFromLuma(luma: Float32Array, rows: number, cols: number): PdqResult {
  if (rows < PDQ_MIN_DIMENSION || cols < PDQ_MIN_DIMENSION) return { hash: new Uint8Array(32), quality: 0 };
  const buffer64 = rows === 64 && cols === 64 ? Float32Array.from(luma) : downsampleTo64(luma, rows, cols);
  const quality = pdqQuality(buffer64);
  return { hash: pdqBitsFromDct(dct64To16(buffer64)), quality };
}

type DihedralTransform = (a: Float32Array) => Float32Array;

/** Sign and transpose patterns mapping the original's DCT to that of the transformed image. */
function signTranspose(transpose: boolean, sign: (i: number, j: number) => number): DihedralTransform {
  return (a) => {
    const b = new Float32Array(256);
    for (let i = 0; i < 16; i++) {
      for (let j = 0; j < 16; j++) {
        const v = sign(i, j) < 0 ? -a[i * 16 + j]! : a[i * 16 + j]!;
        if (transpose) b[j * 16 + i] = v;
        else b[i * 16 + j] = v;
      }
    }
    return b;
  };
}

const DIHEDRAL: Record<(typeof PDQ_DIHEDRAL_ORDER)[number], DihedralTransform> = {
  original: (a) => a,
  rotate90: signTranspose(true, (_i, j) => (j & 1 ? 1 : -1)),
  rotate180: signTranspose(false, (i, j) => ((i + j) & 1 ? -1 : 1)),
  rotate270: signTranspose(true, (i) => (i & 1 ? 1 : -1)),
  flipX: signTranspose(false, (i) => (i & 1 ? 1 : -1)),
  flipY: signTranspose(false, (_i, j) => (j & 1 ? 1 : -1)),
  flipPlus1: signTranspose(true, () => 1),
  flipMinus1: signTranspose(true, (i, j) => ((i + j) & 1 ? -1 : 1)),
};

/**
 * All eight dihedral hashes from one DCT. Unlike `pdqFromLuma`, the reference always blurs here,
 * even for a 64×64 input, so this does too.
 */
export function pdqDihedralFromLuma(luma: Float32Array, rows: number, cols: number): PdqDihedralResult {
  if (rows < PDQ_MIN_DIMENSION || cols < PDQ_MIN_DIMENSION) {
    const zero = new Uint8Array(32);
    return {
      quality: 0,
      original: zero,
      rotate90: zero,
      rotate180: zero,
      rotate270: zero,
      flipX: zero,
      flipY: zero,
      flipPlus1: zero,
      flipMinus1: zero,
    };
  }
  const buffer64 = downsampleTo64(luma, rows, cols);
  const quality = pdqQuality(buffer64);
  const dct = dct64To16(buffer64);
  const result: Record<string, Hash256 | number> = { quality };
  for (const name of PDQ_DIHEDRAL_ORDER) result[name] = pdqBitsFromDct(DIHEDRAL[name](dct));
  return result as unknown as PdqDihedralResult;
}

/**
 * The reference photo hasher first shrinks any image wider or taller than 512 pixels to exactly
 * 512×512 with CImg's nearest-neighbour resize (aspect ratio not kept), for speed. Hashes from the
 * reference tool therefore depend on this step; it is reproduced here exactly: output pixel x takes
 * source column floor(x · width / 512), and likewise for rows.
 */
export const PDQ_REFERENCE_MAX_DIMENSION = 512;

export function referencePreResize(
  data: Uint8Array,
  width: number,
  height: number,
  channels: number,
): { data: Uint8Array; width: number; height: number } {
  const size = PDQ_REFERENCE_MAX_DIMENSION;
  if (width <= size && height <= size) return { data, width, height };
  const out = new Uint8Array(size * size * channels);
  const colOffset = new Int32Array(size);
  for (let x = 0; x < size; x++) colOffset[x] = Math.trunc((x * width) / size) * channels;
  let o = 0;
  for (let y = 0; y < size; y++) {
    const row = Math.trunc((y * height) / size) * width * channels;
    for (let x = 0; x < size; x++) {
      const s = row + colOffset[x]!;
      for (let c = 0; c < channels; c++) out[o++] = data[s + c]!;
    }
  }
  return { data: out, width: size, height: size };
}

export function pdqHex(hash: Hash256): string {
  return Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength).toString('hex');
}
