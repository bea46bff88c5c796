import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isVestigeError } from '@vestige/evidence';
import {
  clearFfmpegCache,
  ffmpegFeatures,
  inspectCandidates,
  passthroughArgs,
  resolveFfmpeg,
  resolveFfprobe,
} from './resolve.ts';

const saved = { ...process.env };
afterEach(() => {
  for (const key of ['FFMPEG_PATH', 'FFPROBE_PATH', 'PATH']) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
  clearFfmpegCache();
});

describe('resolveFfmpeg / resolveFfprobe', () => {
  it('finds a working ffmpeg and ffprobe with their versions', () => {
    const ffmpeg = resolveFfmpeg();
    const ffprobe = resolveFfprobe();
    expect(ffmpeg.path).toMatch(/ffmpeg/);
    expect(ffmpeg.version.length).toBeGreaterThan(0);
    expect(['env', 'ffmpeg-static', 'path', 'installer']).toContain(ffmpeg.source);
    expect(ffprobe.path).toMatch(/ffprobe/);
  });

  it('prefers FFMPEG_PATH and FFPROBE_PATH', () => {
    const onPath = resolveFfmpeg();
    clearFfmpegCache();
    process.env.FFMPEG_PATH = onPath.path;
    const chosen = resolveFfmpeg();
    expect(chosen.source).toBe('env');
    expect(chosen.version).toBe(onPath.version);
  });

  it('refuses an FFMPEG_PATH that points nowhere instead of quietly using another build', () => {
    process.env.FFMPEG_PATH = '/nonexistent/ffmpeg';
    let caught: unknown;
    try {
      resolveFfmpeg();
    } catch (err) {
      caught = err;
    }
    expect(isVestigeError(caught, 'E_FFMPEG_MISSING')).toBe(true);
    expect((caught as Error).message).toContain('/nonexistent/ffmpeg');
  });

  it('throws E_FFMPEG_MISSING with a hint when nothing works', () => {
    // A PATH with only a fake, non-working ffprobe; the installer's ffprobe may also be unusable (not executable).
    const dir = mkdtempSync(join(tmpdir(), 'vestige-noff-'));
    writeFileSync(join(dir, 'ffprobe'), '#!/bin/sh\nexit 3\n');
    chmodSync(join(dir, 'ffprobe'), 0o755);
    process.env.PATH = dir;
    const { chosen, rejected } = inspectCandidates('ffprobe');
    expect(rejected.find((r) => r.source === 'path')?.reason).toBe('does not run');
    if (chosen === null) {
      let caught: unknown;
      try {
        resolveFfprobe();
      } catch (err) {
        caught = err;
      }
      expect(isVestigeError(caught, 'E_FFMPEG_MISSING')).toBe(true);
      expect((caught as { hint?: string }).hint).toMatch(/FFPROBE_PATH/);
    } else {
      expect(chosen.source).toBe('installer');
    }
  });

  it('detects what the build supports', () => {
    const features = ffmpegFeatures();
    expect(features.filters.has('scale')).toBe(true);
    expect(features.encoders.has('png')).toBe(true);
    expect(features.decoders.has('h264')).toBe(true);
    expect(passthroughArgs(features)).toEqual(
      features.fpsMode ? ['-fps_mode', 'passthrough'] : ['-vsync', 'passthrough'],
    );
  });
});
