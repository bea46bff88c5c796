import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveFfmpeg } from '@vestige/ffmpeg';
import { hashVideo, matchVideos } from './vpdq.ts';

let dir: string;
const ff = (...args: string[]) =>
  execFileSync(resolveFfmpeg().path, ['-hide_banner', '-loglevel', 'error', '-y', ...args]);

beforeAll(() => {
  dir = fs.mkdtempSync(join(tmpdir(), 'vestige-vpdq-'));
  // A: 8 s of a moving test pattern. B: 3 s of something else, then A's seconds 2–6, rescaled and re-encoded.
  ff(
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=320x240:rate=25:duration=8',
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    '-threads',
    '1',
    join(dir, 'a.mp4'),
  );
  ff(
    '-f',
    'lavfi',
    '-i',
    'mandelbrot=size=480x360:rate=25',
    '-ss',
    '2',
    '-t',
    '4',
    '-i',
    join(dir, 'a.mp4'),
    '-filter_complex',
    '[0:v]trim=duration=3,setsar=1,format=yuv420p[m];[1:v]scale=480:360,setsar=1,fps=25,format=yuv420p[x];[m][x]concat=n=2:v=1:a=0[v]',
    '-map',
    '[v]',
    '-c:v',
    'libx264',
    '-crf',
    '30',
    '-threads',
    '1',
    join(dir, 'b.mp4'),
  );
  fs.writeFileSync(join(dir, 'broken.mp4'), Buffer.alloc(2000, 3));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('video hashing (vPDQ-style)', () => {
  it('hashes sampled frames and collapses consecutive near-duplicates', async () => {
    const a = await hashVideo(join(dir, 'a.mp4'));
    expect(a.sampledFrames).toBe(8);
    expect(a.segments.length).toBeGreaterThan(1);
    expect(a.segments.length).toBeLessThanOrEqual(8);
    expect(a.segments.reduce((s, x) => s + x.frames, 0)).toBe(8);
    expect(a.segments[0]!.start).toBe(0);
    expect(a.segments.at(-1)!.end).toBe(8);
    // With a huge collapse radius everything is one segment.
    const one = await hashVideo(join(dir, 'a.mp4'), { collapseRadius: 256 });
    expect(one.segments).toHaveLength(1);
  });

  it('finds a re-encoded excerpt inside another video and reports both time ranges', async () => {
    const a = await hashVideo(join(dir, 'a.mp4'), { collapseRadius: 0 });
    const b = await hashVideo(join(dir, 'b.mp4'), { collapseRadius: 0 });
    const m = matchVideos(a, b);
    expect(m.ranges.length).toBeGreaterThanOrEqual(1);
    const main = [...m.ranges].sort((x, y) => y.a[1] - y.a[0] - (x.a[1] - x.a[0]))[0]!;
    expect(main.a[0]).toBeCloseTo(2, 0);
    expect(main.a[1]).toBeCloseTo(6, 0);
    expect(main.b[0]).toBeCloseTo(3, 0);
    expect(main.b[1]).toBeCloseTo(7, 0);
    expect(main.distance).toBeLessThanOrEqual(31);
    expect(m.aMatchedFraction).toBeGreaterThan(0.4);
    expect(m.aMatchedFraction).toBeLessThan(0.7);
  });

  it('an undecodable file is a clear error', async () => {
    await expect(hashVideo(join(dir, 'broken.mp4'))).rejects.toMatchObject({ code: 'E_INPUT_CORRUPT' });
  });
});
