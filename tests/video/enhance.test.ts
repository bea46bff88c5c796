/** Video recipes: ffmpeg video steps and imaging recipes applied frame by frame, with provenance. */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseStore, ingest, isVestigeError } from '@vestige/evidence';
import { decodeFrames, enhanceVideo, parseVideoRecipe, probeVideo } from '@vestige/video';
import { decodeFrameIndex } from '@vestige/samples/video/generate.ts';
import { makeTempDir } from '../support.ts';
import { videoSamples } from './samples.ts';

let store: CaseStore;
let dir: string;
const ids: Record<string, string> = {};
const operator = 'DC 4711 Test';

beforeAll(async () => {
  dir = makeTempDir('vestige-video-enhance-');
  store = CaseStore.init(join(dir, 'case'), { operator });
  const s = videoSamples();
  const r = await ingest(store, [s.vfr.file, s.duplicates.file], { operator, workers: 1 });
  ids.vfr = r.files.find((f) => f.path === s.vfr.file)!.itemId;
  ids.cfr = r.files.find((f) => f.path === s.duplicates.file)!.itemId;
});
afterAll(() => store?.close());

async function framesOf(sha256: string, name: string) {
  const path = join(dir, name);
  copyFileSync(store.blobs.pathOf(sha256), path);
  return (await probeVideo(path, { frames: true })).video[0]!.frames!;
}

describe('video recipes', () => {
  it('video steps keep every frame; speed rescales timestamps without dropping any', async () => {
    const r = await enhanceVideo(
      store,
      ids.vfr!,
      {
        name: 'cleaned',
        steps: [
          { op: 'deinterlace' },
          { op: 'denoise', params: { strength: 3 } },
          { op: 'average', params: { frames: 3 } },
          { op: 'speed', params: { factor: 2 } },
        ],
      },
      { operator },
    );
    expect(r.frames).toBe(60);
    const frames = await framesOf(r.sha256, 'cleaned.mkv');
    const t = (n: number) => (40 * n + 60 * Math.floor(n / 7)) / 2;
    expect(frames.map((f) => Math.round(f.seconds! * 1000))).toEqual(Array.from({ length: 60 }, (_, n) => t(n)));
    const prov = store.provenance(r.provenanceId);
    expect(prov.activity).toBe('video.enhance');
    expect(prov.steps.map((s) => s.operation)).toEqual([
      'video.deinterlace',
      'video.denoise',
      'video.average',
      'video.speed',
      'video.encode',
    ]);
    expect(prov.steps[3]!.description).toMatch(/no frame is dropped/);
    expect(store.item(r.itemId).mediaType).toBe('video/x-matroska');
  });

  it('stabilisation runs (vid.stab two-pass when built in) and keeps the frame count', async () => {
    const r = await enhanceVideo(
      store,
      ids.cfr!,
      { steps: [{ op: 'stabilise', params: { smoothing: 5 } }], output: { format: 'h264' } },
      { operator },
    );
    expect(r.frames).toBe(30);
    expect(store.provenance(r.provenanceId).steps[0]!.description).toMatch(/Stabilised/);
  });

  it('an imaging recipe runs on every frame, in order, losslessly', async () => {
    const r = await enhanceVideo(
      store,
      ids.cfr!,
      { name: 'negative', steps: [{ op: 'imaging', params: { recipe: { steps: [{ op: 'invert' }] } } }] },
      { operator },
    );
    expect(r.frames).toBe(30);
    const path = join(dir, 'negative.mkv');
    copyFileSync(store.blobs.pathOf(r.sha256), path);
    const seen: number[] = [];
    await decodeFrames({
      input: path,
      stream: { index: 0, width: 160, height: 120, pixFmt: 'gray' },
      outputs: [
        { kind: 'raw', pixFmt: 'gray', filters: ['negate'], onUnit: (u) => void seen.push(decodeFrameIndex(u, 160)) },
      ],
    });
    // Frames 11–14 and 21–22 of the sample repeat 10 and 20.
    expect(seen).toEqual(Array.from({ length: 30 }, (_, n) => (n >= 11 && n <= 14 ? 10 : n >= 21 && n <= 22 ? 20 : n)));
    expect(store.provenance(r.provenanceId).steps[0]!.operation).toBe('imaging.invert');
  });

  it('refuses imaging steps on variable-rate video (timing would be lost) and bad recipes, leaving the case unchanged', async () => {
    const items = store.itemCount();
    await expect(
      enhanceVideo(
        store,
        ids.vfr!,
        { steps: [{ op: 'imaging', params: { recipe: { steps: [{ op: 'invert' }] } } }] },
        { operator },
      ),
    ).rejects.toSatisfy((e: unknown) => isVestigeError(e, 'E_INPUT_UNSUPPORTED'));
    await expect(parseVideoRecipe({ steps: [{ op: 'warp-drive' }] })).rejects.toThrow(/unknown video step/);
    await expect(parseVideoRecipe({ steps: [{ op: 'average', params: { frames: 1 } }] })).rejects.toThrow(/average/);
    expect(store.itemCount()).toBe(items);
  });
});
