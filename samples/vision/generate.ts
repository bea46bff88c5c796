/**
 * Generates the vision sample: a short "body-worn camera" clip in which a real face (the astronaut
 * photograph, public domain, tests/fixtures/vision/SOURCES.md) slides in from the left over a still
 * background (the CC0 "coffee" photograph), drifts up and down along its path and leaves at the right,
 * with a 440 Hz tone as its sound. Where the face is in every frame is known, because it was put there.
 *
 * Deterministic: the frames are composed with sharp and encoded by one x264 thread with bit-exact flags.
 * Run: `tsx samples/vision/generate.ts [outDir]` (default samples/generated/vision).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

export const VISION_FIXTURES = fileURLToPath(new URL('../../tests/fixtures/vision/', import.meta.url));
export const FACE_CLIP = 'moving-face.mp4';

/**
 * The face patch cut from astronaut.jpg ([x, y, width, height]) and the face inside that patch (the hand-labelled box,
 * moved).
 */
const PATCH = { left: 160, top: 55, width: 125, height: 150 } as const;
const FACE_IN_PATCH = [18, 25, 92, 108] as const;

export interface FaceClipTruth {
  readonly path: string;
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly frames: number;
  /** Per frame: the face's box [x, y, width, height] clipped to the picture, and the fraction of the face inside it. */
  readonly face: ReadonlyArray<{ readonly box: readonly [number, number, number, number]; readonly visible: number }>;
}

/** Where the patch's top-left corner is on frame n: left to right at 9 px a frame, swaying ±40 px. */
function patchAt(n: number): { x: number; y: number } {
  return { x: Math.round(-130 + 9.5 * n), y: Math.round(105 + 40 * Math.sin(n / 9)) };
}

export async function generateFaceClip(
  dir: string,
  options: { ffmpegPath?: string; frames?: number; force?: boolean } = {},
): Promise<FaceClipTruth> {
  const width = 640;
  const height = 360;
  const fps = 25;
  const frames = options.frames ?? 90;
  const path = join(dir, FACE_CLIP);
  const face = Array.from({ length: frames }, (_, n) => {
    const p = patchAt(n);
    const x0 = p.x + FACE_IN_PATCH[0];
    const y0 = p.y + FACE_IN_PATCH[1];
    const cx0 = Math.max(0, x0);
    const cx1 = Math.min(width, x0 + FACE_IN_PATCH[2]);
    const cy0 = Math.max(0, y0);
    const cy1 = Math.min(height, y0 + FACE_IN_PATCH[3]);
    const visible = (Math.max(0, cx1 - cx0) * Math.max(0, cy1 - cy0)) / (FACE_IN_PATCH[2] * FACE_IN_PATCH[3]);
    return { box: [cx0, cy0, Math.max(0, cx1 - cx0), Math.max(0, cy1 - cy0)] as const, visible };
  });
  const truth = { path, width, height, fps, frames, face };
  if (existsSync(path) && !options.force) return truth;
  mkdirSync(dir, { recursive: true });
  const background = await sharp(join(VISION_FIXTURES, 'coffee.jpg'))
    .resize(width, height, { fit: 'cover' })
    .removeAlpha()
    .raw()
    .toBuffer();
  const patch = await sharp(join(VISION_FIXTURES, 'astronaut.jpg')).extract(PATCH).removeAlpha().raw().toBuffer();
  const tmp = `${path}.part.mp4`;
  const args = [
    '-nostdin',
    '-hide_banner',
    '-v',
    'error',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-s',
    `${width}x${height}`,
    '-framerate',
    String(fps),
    '-i',
    'pipe:0',
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:sample_rate=48000:duration=${frames / fps}`,
    '-map',
    '0:v',
    '-map',
    '1:a',
    '-c:v',
    'libx264',
    '-threads',
    '1',
    '-preset',
    'medium',
    '-crf',
    '16',
    '-pix_fmt',
    'yuv420p',
    '-g',
    '25',
    '-c:a',
    'aac',
    '-b:a',
    '96k',
    '-fflags',
    '+bitexact',
    '-flags:v',
    '+bitexact',
    '-flags:a',
    '+bitexact',
    '-map_metadata',
    '-1',
    '-movflags',
    '+faststart',
    '-y',
    tmp,
  ];
  const child = spawn(options.ffmpegPath ?? process.env.FFMPEG_PATH ?? 'ffmpeg', args, {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<number | null>((res, rej) => {
    child.on('error', rej);
    child.on('close', res);
  });
  for (let n = 0; n < frames; n++) {
    const p = patchAt(n);
    const left = Math.max(0, p.x);
    const top = Math.max(0, p.y);
    const cut = {
      left: left - p.x,
      top: top - p.y,
      width: Math.min(PATCH.width - (left - p.x), width - left),
      height: Math.min(PATCH.height - (top - p.y), height - top),
    };
    let frame = background;
    if (cut.width > 0 && cut.height > 0) {
      const piece = await sharp(patch, { raw: { width: PATCH.width, height: PATCH.height, channels: 3 } })
        .extract(cut)
        .raw()
        .toBuffer();
      frame = await sharp(background, { raw: { width, height, channels: 3 } })
        .composite([{ input: piece, raw: { width: cut.width, height: cut.height, channels: 3 }, left, top }])
        .removeAlpha()
        .raw()
        .toBuffer();
    }
    if (!child.stdin.write(frame)) await new Promise((r) => child.stdin.once('drain', r));
  }
  child.stdin.end();
  if ((await done) !== 0) throw new Error(`ffmpeg could not encode the face clip: ${stderr}`);
  renameSync(tmp, path);
  return truth;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'generated', 'vision');
  const truth = await generateFaceClip(out, { force: process.argv.includes('--force') });
  process.stdout.write(`vision sample: ${truth.path} (${truth.frames} frames)\n`);
}
