/**
 * Photos and a video of the textured room (see textured-room.ts), written as files an officer would bring: JPEG
 * photos with the camera's EXIF (make, model, focal length and focal-plane resolution, so the focal length in
 * pixels can be worked out as on a real camera), and an H.264 video walked along part of the ring with a few
 * frames blurred as a shaking hand blurs them. Generated data, no third-party content (CC0).
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { resolveFfmpeg } from '@vestige/video';
import { lookAt, renderView, ringOfCameras, ROOM, type PinholeCamera, type Vec3 } from './textured-room.ts';

export interface RoomPhotos {
  readonly dir: string;
  readonly files: string[];
  readonly cameras: PinholeCamera[];
}

/** Focal-plane resolution written to EXIF: 1250 pixels per centimetre (8 µm pixels). */
const PIXELS_PER_CM = 1250;

export async function writeRoomPhotos(
  dir: string,
  options: { count?: number; width?: number; height?: number; focal?: number; samples?: number } = {},
): Promise<RoomPhotos> {
  const size = { width: options.width ?? 640, height: options.height ?? 480, focal: options.focal ?? 560 };
  const cameras = ringOfCameras(options.count ?? 16, size);
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const focalMm = (size.focal / PIXELS_PER_CM) * 10;
  for (const [i, camera] of cameras.entries()) {
    const file = join(dir, `room-${String(i + 1).padStart(2, '0')}.jpg`);
    await sharp(renderView(camera, options.samples ?? 2), {
      raw: { width: size.width, height: size.height, channels: 3 },
    })
      .withExif({
        IFD0: { Make: 'Vestige', Model: 'Synthetic room camera' },
        IFD2: {
          FocalLength: `${Math.round(focalMm * 1000)}/1000`,
          FocalPlaneXResolution: `${PIXELS_PER_CM}/1`,
          FocalPlaneYResolution: `${PIXELS_PER_CM}/1`,
          FocalPlaneResolutionUnit: '3',
        },
      })
      .jpeg({ quality: 92 })
      .toFile(file);
    files.push(file);
  }
  return { dir, files, cameras };
}

export interface RoomVideo {
  readonly file: string;
  readonly cameras: PinholeCamera[];
  /** Frames blurred on purpose (a keyframe selector must never take them). */
  readonly blurred: number[];
}

/** A walk along an arc of the ring, `frames` frames at 25 fps, every `blurEvery`th frame blurred. */
export async function writeRoomVideo(
  file: string,
  options: {
    frames?: number;
    width?: number;
    height?: number;
    focal?: number;
    arcDegrees?: number;
    blurEvery?: number;
  } = {},
): Promise<RoomVideo> {
  const frames = options.frames ?? 60;
  const size = { width: options.width ?? 480, height: options.height ?? 360, focal: options.focal ?? 420 };
  const arc = ((options.arcDegrees ?? 150) * Math.PI) / 180;
  const centre: Vec3 = [ROOM.width / 2, ROOM.depth / 2, 1.5];
  const cameras: PinholeCamera[] = [];
  for (let i = 0; i < frames; i++) {
    const a = (arc * i) / (frames - 1);
    const position: Vec3 = [centre[0] + 1.3 * Math.cos(a), centre[1] + 1.3 * Math.sin(a), 1.5 + 0.05 * Math.sin(i / 5)];
    cameras.push(lookAt(position, [centre[0] - 1.2 * Math.cos(a), centre[1] - 1.2 * Math.sin(a), 0.6], size));
  }
  const blurEvery = options.blurEvery ?? 7;
  const blurred = cameras.map((_, i) => i).filter((i) => i % blurEvery === 3);
  const ffmpeg = spawn(
    resolveFfmpeg().path,
    [
      '-v',
      'error',
      '-y',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-s',
      `${size.width}x${size.height}`,
      '-r',
      '25',
      '-i',
      'pipe:0',
      '-c:v',
      'libx264',
      '-preset',
      'fast',
      '-crf',
      '16',
      '-pix_fmt',
      'yuv420p',
      '-threads',
      '1',
      file,
    ],
    { stdio: ['pipe', 'ignore', 'pipe'] },
  );
  let stderr = '';
  ffmpeg.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<void>((resolve, reject) =>
    ffmpeg.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`ffmpeg failed writing ${file}: ${stderr}`)),
    ),
  );
  for (const [i, camera] of cameras.entries()) {
    let rgb = renderView(camera, 1);
    if (blurred.includes(i))
      rgb = await sharp(rgb, { raw: { width: size.width, height: size.height, channels: 3 } })
        .blur(3)
        .raw()
        .toBuffer();
    if (!ffmpeg.stdin.write(rgb)) await new Promise((r) => ffmpeg.stdin.once('drain', r));
  }
  ffmpeg.stdin.end();
  await done;
  return { file, cameras, blurred };
}
