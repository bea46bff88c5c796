/** `vestige probe` and probeVideo on generated videos whose frame index is written in their pixels. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { VestigeError, isVestigeError } from '@vestige/evidence';
import { decodeFrames, probeVideo, resolveFfmpeg } from '@vestige/video';
import { decodeFrameIndex } from '@vestige/samples/video/generate.ts';
import { cliPath } from '../support.ts';
import { videoSamples } from './samples.ts';

describe('probeVideo', () => {
  it('CFR with B-frames and open GOP: counts, rate, picture types, exact timestamps', async () => {
    const s = videoSamples().cfr;
    const report = await probeVideo(s.file, { frames: true });
    const v = report.video[0]!;
    expect(v).toMatchObject({
      codec: 'h264',
      declaredFrames: 72,
      countedFrames: 72,
      decodedFrames: 72,
      frameCountMismatch: false,
      keyframes: 3,
    });
    expect(s.iFrames).toHaveLength(3);
    expect(v.rate.mode).toBe('constant');
    expect(v.rate.meanFps).toBeCloseTo(25, 9);
    expect(v.frames!.map((f) => f.index)).toEqual(Array.from({ length: 72 }, (_, i) => i));
    expect(v.frames!.filter((f) => f.pictType === 'I').map((f) => f.index)).toEqual(s.iFrames);
    expect(v.frames!.some((f) => f.pictType === 'B')).toBe(true);
    for (const f of v.frames!) {
      const t = s.ptsOf(f.index);
      expect(f.time).toBe(t.num === 0 ? '0/1' : `${t.num / gcd(t.num, t.den)}/${t.den / gcd(t.num, t.den)}`);
    }
    expect(report.warnings).toEqual([]);
  });

  it('VFR: reports a variable rate and the gaps where frames are missing', async () => {
    const s = videoSamples().vfr;
    const report = await probeVideo(s.file, { frames: true });
    const v = report.video[0]!;
    expect(v.rate.mode).toBe('variable');
    expect(v.rate.gapCount).toBe(8);
    expect(v.rate.gaps.map((g) => g.afterFrame)).toEqual([6, 13, 20, 27, 34, 41, 48, 55]);
    expect(v.frames!.map((f) => f.seconds)).toEqual(
      Array.from({ length: 60 }, (_, n) => s.ptsOf(n).num / s.ptsOf(n).den),
    );
  });

  it('a header that lies about the frame count is caught by counting packets', async () => {
    const s = videoSamples().lyingCount;
    const report = await probeVideo(s.file, { decode: false });
    expect(report.video[0]).toMatchObject({
      declaredFrames: 500,
      countedFrames: 50,
      frameCountMismatch: true,
      decodedFrames: null,
    });
    expect(report.warnings.join(' ')).toMatch(/declares 500 frames but the file holds 50/);
  });

  it('finds runs of identical frames', async () => {
    const s = videoSamples().duplicates;
    const v = (await probeVideo(s.file)).video[0]!;
    expect(v.duplicateRuns!.map((r) => ({ first: r.first, last: r.last }))).toEqual(s.duplicateRuns);
    expect(v.duplicateFrames).toBe(6);
  });

  it('per-frame pixel hashes equal ffmpeg framehash (sha256), so anyone can re-check them', async () => {
    const s = videoSamples().cfr;
    const v = (await probeVideo(s.file, { frames: true })).video[0]!;
    const r = spawnSync(
      resolveFfmpeg().path,
      [
        '-v',
        'error',
        '-i',
        s.file,
        '-map',
        '0:v:0',
        '-fps_mode',
        'passthrough',
        '-f',
        'framehash',
        '-hash',
        'sha256',
        '-',
      ],
      { encoding: 'utf8' },
    );
    const hashes = r.stdout
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) =>
        l
          .split(',')
          .pop()!
          .trim()
          .replace(/^SHA256=/i, ''),
      );
    expect(hashes).toHaveLength(72);
    expect(v.frames!.map((f) => f.pixelHash)).toEqual(hashes);
  });

  it('decodes frames in presentation order with the index in the pixels matching the frame index', async () => {
    for (const s of [videoSamples().cfr, videoSamples().vfr, videoSamples().lyingCount]) {
      const seen: number[] = [];
      const result = await decodeFrames({
        input: s.file,
        stream: { index: 0, width: s.width, height: s.height, pixFmt: 'gray' },
        outputs: [{ kind: 'raw', pixFmt: 'gray', onUnit: (unit) => void seen.push(decodeFrameIndex(unit, s.width)) }],
      });
      expect(seen).toEqual(Array.from({ length: s.frames }, (_, i) => i));
      expect(result.decoded.map((f) => (f.pts! * result.timeBase[0] * 1e6) / result.timeBase[1])).toEqual(
        Array.from({ length: s.frames }, (_, n) => Math.round((s.ptsOf(n).num / s.ptsOf(n).den) * 1e6)),
      );
    }
  });

  it('a consumer that fails mid-stream stops ffmpeg and its error is what the decode reports; open PNGs are dropped', async () => {
    const s = videoSamples().cfr;
    const ended: number[] = [];
    const aborted: number[] = [];
    const refusal = new VestigeError('E_CASE_WRITE', 'the case refused the third frame');
    const decoding = decodeFrames({
      input: s.file,
      stream: { index: 0, width: s.width, height: s.height, pixFmt: 'yuv420p' },
      outputs: [
        {
          kind: 'png',
          openUnit: (k) => {
            if (k === 2) throw refusal;
            return { write: () => undefined, end: () => void ended.push(k), abort: () => void aborted.push(k) };
          },
        },
        { kind: 'raw', onDigest: () => undefined },
      ],
    });
    await expect(decoding).rejects.toBe(refusal);
    expect(ended).toEqual([0, 1]);
    expect(aborted).toEqual([]);
  });

  it('a consumer that holds the stream (a slow disk) gets every PNG, whole and in order, once it resumes', async () => {
    const s = videoSamples().cfr;
    const sizes: number[] = [];
    const result = await decodeFrames({
      input: s.file,
      stream: { index: 0, width: s.width, height: s.height, pixFmt: 'yuv420p' },
      outputs: [
        {
          kind: 'png',
          openUnit: (k) => {
            let bytes = 0;
            return {
              write: (b) => void (bytes += b.length),
              // Every third image holds the stream for a moment before more is read.
              end: () => {
                sizes[k] = bytes;
                return k % 3 === 0 ? new Promise<void>((resolve) => setTimeout(resolve, 10)) : undefined;
              },
              abort: () => expect.unreachable(),
            };
          },
        },
        { kind: 'raw', onDigest: () => undefined },
      ],
    });
    expect(result.units).toEqual([s.frames, s.frames]);
    expect(sizes).toHaveLength(s.frames);
    expect(sizes.every((n) => n > 0)).toBe(true);
  });

  it('a truncated file: frames before the damage are reported and the warning says where decoding failed', async () => {
    const report = await probeVideo(videoSamples().truncated);
    const v = report.video[0]!;
    expect(v.declaredFrames).toBe(72);
    expect(v.countedFrames).toBeLessThan(72);
    expect(v.decodedFrames).toBeGreaterThan(30);
    expect(report.warnings.join('\n')).toMatch(/after frame \d+/);
  });

  it('no video, audio only, unknown codec and non-media files', async () => {
    const s = videoSamples();
    expect((await probeVideo(s.noVideo)).warnings).toContain('The file has no video stream.');
    expect((await probeVideo(s.audioOnly)).summary.audio).toBe(1);
    const unknown = await probeVideo(s.unknownCodec);
    expect(unknown.video[0]).toMatchObject({ codec: null, codecTag: 'VSTG', decodable: false });
    await expect(probeVideo(s.notVideo)).rejects.toSatisfy((e: unknown) => isVestigeError(e, 'E_INPUT_UNSUPPORTED'));
  });
});

describe('vestige probe', () => {
  it('prints JSON with --json and a plain typed error for a non-video', () => {
    const s = videoSamples();
    const ok = spawnSync(process.execPath, [cliPath, 'probe', s.lyingCount.file, '--quick', '--json'], {
      encoding: 'utf8',
    });
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout).video[0].countedFrames).toBe(50);
    const text = spawnSync(process.execPath, [cliPath, 'probe', s.vfr.file, '--quick'], { encoding: 'utf8' });
    expect(text.stdout).toMatch(/VARIABLE/);
    const bad = spawnSync(process.execPath, [cliPath, 'probe', s.notVideo], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/E_INPUT_UNSUPPORTED/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a || 1;
}
