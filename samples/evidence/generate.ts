/**
 * Generates the demo's "seized" folder: a small, deterministic exhibit tree with the situations an
 * officer meets — photos with EXIF, the same photo twice under different names, nested folders, a
 * symbolic link, a short CCTV-like clip, and a note. Everything is synthesised here (no third-party
 * content), so it carries the project's own licence.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { resolveFfmpeg } from '@vestige/video';

export interface SeizedSample {
  dir: string;
  files: string[];
}

export async function generateSeizedSample(dir: string): Promise<SeizedSample> {
  fs.mkdirSync(join(dir, 'DCIM', '100PHONE'), { recursive: true });
  fs.mkdirSync(join(dir, 'Downloads', 'shared'), { recursive: true });
  fs.mkdirSync(join(dir, 'CCTV'), { recursive: true });

  const photos: Array<{ name: string; hue: number; taken: string }> = [
    { name: 'IMG_0001.jpg', hue: 20, taken: '2026:03:14 21:04:11' },
    { name: 'IMG_0002.jpg', hue: 140, taken: '2026:03:14 21:05:42' },
    { name: 'IMG_0003.jpg', hue: 260, taken: '2026:03:15 08:30:00' },
  ];
  for (const p of photos) {
    const buf = await syntheticScene(640, 480, p.hue)
      .jpeg({ quality: 88 })
      .withExif({
        IFD0: { Make: 'Vestige', Model: 'Sample Camera', Software: 'vestige-samples' },
        IFD2: { DateTimeOriginal: p.taken },
      } as never)
      .toBuffer();
    fs.writeFileSync(join(dir, 'DCIM', '100PHONE', p.name), buf);
  }
  // The same photo forwarded through a messaging app: identical bytes, another name and folder.
  fs.copyFileSync(
    join(dir, 'DCIM', '100PHONE', 'IMG_0002.jpg'),
    join(dir, 'Downloads', 'shared', 'forwarded-photo.jpg'),
  );
  fs.writeFileSync(
    join(dir, 'Downloads', 'plate-closeup.png'),
    await syntheticScene(320, 160, 50).png({ compressionLevel: 9 }).toBuffer(),
  );
  fs.writeFileSync(join(dir, 'notes.txt'), 'Exhibit ABC/1 — phone handset, downloaded 2026-03-16.\n');
  const link = join(dir, 'Downloads', 'latest.jpg');
  if (!fs.existsSync(link)) fs.symlinkSync('../DCIM/100PHONE/IMG_0003.jpg', link);

  const clip = join(dir, 'CCTV', 'cam1-2026-03-14-2100.mp4');
  if (!fs.existsSync(clip)) {
    const ffmpeg = resolveFfmpeg();
    execFileSync(ffmpeg.path, [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=320x240:rate=25:duration=2',
      '-c:v',
      'libx264',
      '-pix_fmt',
      'yuv420p',
      '-g',
      '12',
      '-bf',
      '2',
      '-threads',
      '1',
      '-map_metadata',
      '-1',
      '-fflags',
      '+bitexact',
      '-flags:v',
      '+bitexact',
      clip,
    ]);
  }
  const files: string[] = [];
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = join(d, name);
      const st = fs.lstatSync(p);
      if (st.isDirectory()) walk(p);
      else files.push(p);
    }
  };
  walk(dir);
  return { dir, files };
}

/** A simple street-like scene: sky, ground, a box with a "plate". Enough texture for hashing and enhancement. */
function syntheticScene(width: number, height: number, hue: number): sharp.Sharp {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="100%" height="55%" fill="hsl(${hue},45%,70%)"/>
    <rect y="55%" width="100%" height="45%" fill="hsl(${(hue + 90) % 360},20%,35%)"/>
    <rect x="${width * 0.25}" y="${height * 0.35}" width="${width * 0.5}" height="${height * 0.35}" rx="12" fill="hsl(${(hue + 180) % 360},60%,40%)"/>
    <rect x="${width * 0.38}" y="${height * 0.58}" width="${width * 0.24}" height="${height * 0.08}" fill="#f4f0c0" stroke="#222" stroke-width="2"/>
    <circle cx="${width * 0.8}" cy="${height * 0.18}" r="${height * 0.08}" fill="#fff7d0"/>
  </svg>`;
  return sharp(Buffer.from(svg));
}
