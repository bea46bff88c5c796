import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveFfmpeg, resolveFfprobe } from '@vestige/video';
import { generateVideoSamples, type VideoSamples } from '@vestige/samples/video/generate.ts';

let cached: VideoSamples | undefined;

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * The generated video samples, built once per generator version and ffmpeg build into the temp folder and shared
 * by all test files: the first worker to take the lock builds them, the others wait for its "done" marker.
 */
export function videoSamples(): VideoSamples {
  if (cached) return cached;
  const ffmpeg = resolveFfmpeg();
  const script = readFileSync(fileURLToPath(import.meta.resolve('@vestige/samples/video/generate.ts')));
  const key = createHash('sha256').update(script).update(ffmpeg.path).update(ffmpeg.version).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), `vestige-video-samples-${key}`);
  const done = join(dir, '.done');
  const lock = `${dir}.lock`;
  const deadline = Date.now() + 180_000;
  while (!existsSync(done)) {
    try {
      mkdirSync(lock);
    } catch {
      // Another worker is building; a lock older than three minutes belongs to a crashed run.
      if (Date.now() > deadline || Date.now() - statSync(lock).mtimeMs > 180_000) rmSync(lock, { recursive: true, force: true });
      sleep(200);
      continue;
    }
    try {
      generateVideoSamples(dir, { ffmpegPath: ffmpeg.path, ffprobePath: resolveFfprobe().path });
      writeFileSync(done, new Date(0).toISOString());
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  cached = generateVideoSamples(dir, { ffmpegPath: ffmpeg.path, ffprobePath: resolveFfprobe().path });
  return cached;
}
