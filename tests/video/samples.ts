import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveFfmpeg, resolveFfprobe } from '@vestige/video';
import { generateVideoSamples, type VideoSamples } from '@vestige/samples/video/generate.ts';
import { withWorkerLock } from '../support.ts';

let cached: VideoSamples | undefined;

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
  if (!existsSync(done)) {
    withWorkerLock(`${dir}.lock`, () => {
      if (existsSync(done)) return; // built by the worker that held the lock before us
      generateVideoSamples(dir, { ffmpegPath: ffmpeg.path, ffprobePath: resolveFfprobe().path });
      writeFileSync(done, new Date(0).toISOString());
    });
  }
  cached = generateVideoSamples(dir, { ffmpegPath: ffmpeg.path, ffprobePath: resolveFfprobe().path });
  return cached;
}
