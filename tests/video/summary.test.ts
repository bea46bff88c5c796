import { describe, expect, it } from 'vitest';
import { isVestigeError } from '@vestige/evidence';
import { probeMediaSummary } from '@vestige/video';
import { videoSamples } from './samples.ts';

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    if (!isVestigeError(err)) throw err;
    return err.code;
  }
}

describe('probeMediaSummary (ingest metadata)', () => {
  it('summarises container and streams of a video', async () => {
    const s = videoSamples();
    const summary = await probeMediaSummary(s.cfr.file);
    expect(summary.format).toContain('mp4');
    expect(summary.duration).toBeCloseTo(72 / 25, 2);
    const streams = summary.streams as Array<Record<string, unknown>>;
    expect(streams).toHaveLength(1);
    expect(streams[0]).toMatchObject({
      type: 'video',
      codec: 'h264',
      width: 320,
      height: 240,
      pixFmt: 'yuv420p',
      frameRate: '25/1',
      rotation: 0,
      declaredFrames: 72,
    });
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
  });

  it('summarises an audio-only file', async () => {
    const summary = await probeMediaSummary(videoSamples().audioOnly);
    expect(summary.video).toBe(0);
    expect(summary.audio).toBe(1);
    expect((summary.streams as Array<Record<string, unknown>>)[0]).toMatchObject({
      type: 'audio',
      codec: 'aac',
      sampleRate: 16000,
      channels: 1,
    });
  });

  it('reports 10-bit sources', async () => {
    const summary = await probeMediaSummary(videoSamples().tenBit.file);
    expect((summary.streams as Array<Record<string, unknown>>)[0]).toMatchObject({ codec: 'ffv1', bitDepth: 10 });
  });

  it('throws E_INPUT_UNSUPPORTED for a text file with a video extension', async () => {
    expect(await codeOf(probeMediaSummary(videoSamples().notVideo))).toBe('E_INPUT_UNSUPPORTED');
  });

  it('throws E_INPUT_CORRUPT for a media container that cannot be read', async () => {
    const { writeFileSync, readFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'vestige-corrupt-'));
    // The first 4 KiB of an MP4 that keeps its index at the end: an ftyp box and the start of mdat, no moov.
    const head = readFileSync(videoSamples().vfr.file).subarray(0, 4096);
    writeFileSync(join(dir, 'cut.mp4'), head);
    expect(await codeOf(probeMediaSummary(join(dir, 'cut.mp4')))).toBe('E_INPUT_CORRUPT');
  });

  it('throws typed errors for missing and empty files', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'vestige-empty-'));
    writeFileSync(join(dir, 'empty.mp4'), '');
    expect(await codeOf(probeMediaSummary(join(dir, 'empty.mp4')))).toBe('E_INPUT_EMPTY');
    expect(await codeOf(probeMediaSummary(join(dir, 'nope.mp4')))).toBe('E_INPUT_NOT_FOUND');
  });
});
