/**
 * Generates the imaging sample: a dim, noisy, JPEG-compressed "CCTV still" of a scene with a number
 * plate seen at an angle, and the recipe an officer would write for it (rectify the plate to its real
 * size, stretch levels, local contrast, sharpen, annotate). The plate's true corners are known because
 * the scene is synthesised, so the recipe's points are exact.
 *
 * Deterministic: same bytes on every run with the same sharp/libvips. Run:
 * `tsx samples/imaging/generate.ts [outDir]` (default samples/generated/imaging).
 * Licence: generated data, no third-party content; CC0 like the script's output.
 */
import * as fs from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { applyHomography, homographyFromPoints } from '@vestige/imaging';
import { addNoise8, drawText, syntheticScene8 } from '@vestige/imaging/synthetic';

export const SAMPLE_WIDTH = 800;
export const SAMPLE_HEIGHT = 600;
/** UK plate: 520 mm × 111 mm. */
export const PLATE_MM = { width: 520, height: 111 } as const;
/** Where the plate's corners (TL, TR, BR, BL) land in the still, in pixels. */
export const PLATE_CORNERS: ReadonlyArray<readonly [number, number]> = [
  [318.4, 371.2],
  [507.9, 352.6],
  [512.3, 395.8],
  [321.7, 418.9],
];
export const PLATE_TEXT = 'KV19 XLD';

export interface ImagingSample {
  dir: string;
  image: string;
  recipe: string;
  frames: string[];
  frameRecipe: string;
}

function plateTexture(): { data: Uint8Array; w: number; h: number; ppm: number } {
  const ppm = 2;
  const w = PLATE_MM.width * ppm;
  const h = PLATE_MM.height * ppm;
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    data[i * 3] = 240;
    data[i * 3 + 1] = 205;
    data[i * 3 + 2] = 30;
  }
  // Characters 70 mm tall (7 cells of 10 mm).
  drawText(data, w, h, PLATE_TEXT, 40, 41, 20, [20, 20, 24]);
  return { data, w, h, ppm };
}

/** The still, 8-bit RGB, before compression. */
export function renderStill(): Uint8Array {
  const w = SAMPLE_WIDTH;
  const h = SAMPLE_HEIGHT;
  const img = syntheticScene8(w, h, 11, '');
  const plate = plateTexture();
  const corners: Array<[number, number]> = [
    [0, 0],
    [PLATE_MM.width, 0],
    [PLATE_MM.width, PLATE_MM.height],
    [0, PLATE_MM.height],
  ];
  // Image → plate (mm) mapping, so each still pixel samples the plate texture (4×4 supersampled).
  const toPlate = homographyFromPoints(PLATE_CORNERS as Array<[number, number]>, corners);
  const xy = new Float64Array(2);
  for (let y = 340; y < 430; y++) {
    for (let x = 300; x < 530; x++) {
      const acc = [0, 0, 0];
      let n = 0;
      for (let sy = 0; sy < 4; sy++)
        for (let sx = 0; sx < 4; sx++) {
          applyHomography(toPlate, x - 0.375 + sx * 0.25, y - 0.375 + sy * 0.25, xy);
          const u = Math.floor(xy[0]! * plate.ppm);
          const v = Math.floor(xy[1]! * plate.ppm);
          if (u < 0 || v < 0 || u >= plate.w || v >= plate.h) continue;
          for (let c = 0; c < 3; c++) acc[c]! += plate.data[(v * plate.w + u) * 3 + c]!;
          n++;
        }
      if (n === 0) continue;
      const i = (y * w + x) * 3;
      for (let c = 0; c < 3; c++) img[i + c] = Math.round((img[i + c]! * (16 - n) + acc[c]!) / 16);
    }
  }
  // Night-time CCTV: dim, low contrast, a blue cast.
  for (let i = 0; i < img.length; i += 3) {
    img[i] = Math.round(18 + img[i]! * 0.3);
    img[i + 1] = Math.round(20 + img[i + 1]! * 0.32);
    img[i + 2] = Math.round(30 + img[i + 2]! * 0.36);
  }
  return img;
}

export const SAMPLE_RECIPE = {
  name: 'plate',
  description: 'Rectify and enhance the number plate in the CCTV still.',
  steps: [
    { op: 'white-balance', params: { method: 'grey-world' }, note: 'remove the blue cast of the street lighting' },
    {
      op: 'levels',
      params: { black: 20, white: 110, gamma: 1.2 },
      note: 'the still uses only the lower part of the range',
    },
    {
      op: 'perspective',
      params: {
        points: PLATE_CORNERS,
        widthMm: PLATE_MM.width,
        heightMm: PLATE_MM.height,
        pxPerMm: 0.8,
        marginMm: 30,
        interpolation: 'bicubic',
      },
      note: 'view the plate square-on at its real size',
    },
    { op: 'clahe', params: { tilesX: 4, tilesY: 2, clipLimit: 2.5 } },
    { op: 'unsharp', params: { radius: 1.2, amount: 0.8 } },
    {
      op: 'annotate',
      params: {
        marks: [
          { type: 'scale-bar', at: [10, 120], lengthMm: 100 },
          { type: 'text', at: [250, 18], text: 'rectified plate', size: 14 },
        ],
      },
    },
  ],
  output: { bitDepth: 8 },
};

export const FRAME_RECIPE = {
  name: 'integrated',
  steps: [
    {
      op: 'frame-average',
      params: { method: 'mean', register: true },
      note: 'eight consecutive frames of a parked car',
    },
    { op: 'crop', params: { left: 280, top: 330, width: 260, height: 110 } },
    { op: 'levels', params: { black: 15, white: 120 } },
    { op: 'resize', params: { scale: 2, interpolation: 'lanczos3' } },
  ],
};

export async function generateImagingSample(outDir: string): Promise<ImagingSample> {
  fs.mkdirSync(join(outDir, 'frames'), { recursive: true });
  const still = renderStill();
  const raw = { raw: { width: SAMPLE_WIDTH, height: SAMPLE_HEIGHT, channels: 3 as const } };
  const image = join(outDir, 'cctv-still.jpg');
  fs.writeFileSync(
    image,
    await sharp(addNoise8(still, 4, 1), raw)
      .jpeg({ quality: 70, chromaSubsampling: '4:2:0' })
      .toBuffer(),
  );
  const recipe = join(outDir, 'plate.recipe.json');
  fs.writeFileSync(recipe, JSON.stringify(SAMPLE_RECIPE, null, 2) + '\n');
  // Eight noisy frames, each shifted by a few pixels (camera shake), for frame integration.
  const frames: string[] = [];
  for (let k = 0; k < 8; k++) {
    const dx = ((k * 3) % 5) - 2;
    const dy = ((k * 2) % 5) - 2;
    const shifted = new Uint8Array(still.length);
    for (let y = 0; y < SAMPLE_HEIGHT; y++)
      for (let x = 0; x < SAMPLE_WIDTH; x++) {
        const sx = Math.min(SAMPLE_WIDTH - 1, Math.max(0, x + dx));
        const sy = Math.min(SAMPLE_HEIGHT - 1, Math.max(0, y + dy));
        for (let c = 0; c < 3; c++) shifted[(y * SAMPLE_WIDTH + x) * 3 + c] = still[(sy * SAMPLE_WIDTH + sx) * 3 + c]!;
      }
    const f = join(outDir, 'frames', `frame-${String(k + 1).padStart(2, '0')}.png`);
    fs.writeFileSync(
      f,
      await sharp(addNoise8(shifted, 14, 50 + k), raw)
        .png({ compressionLevel: 6 })
        .toBuffer(),
    );
    frames.push(f);
  }
  const frameRecipe = join(outDir, 'integrate.recipe.json');
  fs.writeFileSync(frameRecipe, JSON.stringify(FRAME_RECIPE, null, 2) + '\n');
  return { dir: outDir, image, recipe, frames, frameRecipe };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'generated', 'imaging');
  const s = await generateImagingSample(out);
  console.log(`imaging sample written to ${s.dir}: ${[s.image, s.recipe, ...s.frames, s.frameRecipe].length} files`);
}
