/**
 * The cases the repeatability test runs both in the test process and in a fresh child process: one per
 * operation, plus a 10-step recipe. Each returns the SHA-256 of the encoded PNG.
 */
import { createHash } from 'node:crypto';
import { encodePng, listOperations, parseRecipe, runRecipe, type Raster } from '@vestige/imaging';
import { addNoise8, rasterFrom8, syntheticScene8 } from '@vestige/imaging/synthetic';

const W = 128;
const H = 96;

export const OPERATION_PARAMS: Record<string, unknown> = {
  crop: { left: 10, top: 8, width: 80, height: 60 },
  rotate: { angle: 7.5, interpolation: 'bicubic', background: 128 },
  flip: { axis: 'both' },
  resize: { scale: 1.7, interpolation: 'lanczos3' },
  perspective: {
    points: [
      [20.5, 15.2],
      [100.1, 20.3],
      [95.4, 80.7],
      [25.3, 70.9],
    ],
    widthMm: 60,
    heightMm: 40,
    pxPerMm: 1.5,
    marginMm: 4,
  },
  'lens-correct': { k1: -0.12, k2: 0.02, p1: 0.001, p2: -0.002 },
  levels: { black: 12, white: 230, gamma: 1.3 },
  curves: {
    points: [
      [0, 0],
      [70, 40],
      [180, 210],
      [255, 255],
    ],
  },
  'brightness-contrast': { brightness: 8, contrast: 25 },
  'white-balance': { method: 'neutral-point', x: 60, y: 40, radius: 4 },
  equalize: {},
  clahe: { tilesX: 4, tilesY: 3, clipLimit: 2.5 },
  channel: { channel: 'green' },
  greyscale: { weights: 'rec709' },
  invert: {},
  unsharp: { radius: 1.5, amount: 1.2, threshold: 2 },
  median: { size: 3 },
  bilateral: { spatialSigma: 1.5, rangeSigma: 25 },
  'deblur-wiener': { psf: { type: 'motion', length: 7, angle: 20 }, nsr: 0.01 },
  'deblur-richardson-lucy': { psf: { type: 'defocus', radius: 2 }, iterations: 5 },
  'frame-average': { method: 'median', register: true },
  annotate: {
    marks: [
      { type: 'arrow', from: [10, 10], to: [50, 40] },
      { type: 'text', at: [5, 90], text: 'Exhibit 1', size: 12 },
      { type: 'inset', region: { left: 40, top: 30, width: 16, height: 12 }, at: [80, 5], scale: 2 },
      { type: 'scale-bar', at: [60, 80], lengthMm: 10, pxPerMm: 2 },
    ],
  },
};

export const TEN_STEP_RECIPE = {
  name: 'ten-steps',
  steps: [
    { op: 'white-balance', params: { method: 'grey-world' } },
    { op: 'rotate', params: { angle: -3 } },
    { op: 'crop', params: { left: 6, top: 6, width: 110, height: 80 } },
    { op: 'lens-correct', params: { k1: -0.05 } },
    { op: 'levels', params: { black: 10, white: 240, gamma: 1.1 } },
    {
      op: 'curves',
      params: {
        points: [
          [0, 0],
          [128, 140],
          [255, 255],
        ],
      },
    },
    { op: 'clahe', params: { tilesX: 4, tilesY: 4 } },
    { op: 'bilateral', params: { spatialSigma: 1, rangeSigma: 20 } },
    { op: 'unsharp', params: { radius: 1, amount: 0.7 } },
    { op: 'resize', params: { scale: 2, interpolation: 'bicubic' } },
    { op: 'annotate', params: { marks: [{ type: 'text', at: [4, 20], text: 'Vestige', size: 14 }] } },
  ],
};

function inputs(): Raster[] {
  const base = syntheticScene8(W, H, 21);
  return [0, 1, 2].map((k) => rasterFrom8(k === 0 ? base : addNoise8(base, 10, k), W, H, 3));
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export async function computeHashes(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const imgs = inputs();
  for (const op of listOperations()) {
    const params = OPERATION_PARAMS[op.id];
    if (params === undefined) throw new Error(`no repeatability case for operation ${op.id}`);
    const recipe = parseRecipe([{ op: op.id, params }]);
    const result = await runRecipe(op.multiInput ? imgs : [imgs[0]!], recipe);
    out[op.id] = sha(await encodePng(result.annotated ?? result.enhanced, { bitDepth: 16 }));
  }
  const r = await runRecipe([imgs[0]!], parseRecipe(TEN_STEP_RECIPE));
  out['recipe:enhanced'] = sha(await encodePng(r.enhanced));
  out['recipe:annotated'] = sha(await encodePng(r.annotated!));
  return out;
}
