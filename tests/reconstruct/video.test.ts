/**
 * Photogrammetry from video: a walk through the textured room encoded as H.264 with some frames blurred; the
 * keyframe selector picks frames that have moved, still overlap and are never blurred, and most of them register
 * with sequential matching.
 */
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseStore, ingest } from '@vestige/evidence';
import {
  reconstruct,
  RECONSTRUCTIONS_COLLECTION,
  type ReconstructionRecord,
  type ReconstructionResult,
} from '@vestige/reconstruct';
import { writeRoomVideo, type RoomVideo } from '../../samples/reconstruct/room-views.ts';
import { makeTempDir } from '../support.ts';

let dir: string;
let video: RoomVideo;
let store: CaseStore;
let result: ReconstructionResult;

beforeAll(async () => {
  dir = makeTempDir('vestige-reconstruct-video-');
  video = await writeRoomVideo(join(dir, 'walk.mp4'));
  store = CaseStore.init(join(dir, 'case'), { operator: 'PC 1' });
  await ingest(store, [video.file], { operator: 'PC 1' });
  const item = store.items()[0]!;
  result = await reconstruct(store, {
    operator: 'PC 1',
    now: () => new Date('2026-03-03T12:00:00Z'),
    video: { itemId: item.id },
    settings: { maxFeatures: 1024 },
  });
}, 600_000);

afterAll(() => {
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('reconstruct from a video of the room', () => {
  it('picks keyframes that are never blurred, and at least 80 % of them register', () => {
    const record = store.getRecord<ReconstructionRecord>(RECONSTRUCTIONS_COLLECTION, result.id)!;
    const frames = record.video!.frames.map((f) => f.index);
    expect(frames.length).toBeGreaterThanOrEqual(6);
    console.log(
      `keyframes ${frames.join(', ')} of ${video.cameras.length}; registered ${result.report.photos.registered}`,
    );
    expect(frames.length).toBeLessThan(video.cameras.length / 2);
    for (const f of frames) expect(video.blurred).not.toContain(f);
    expect(result.report.photos.registered / frames.length).toBeGreaterThanOrEqual(0.8);
  });

  it('matches frames sequentially and records the selection so a re-run uses the same frames', () => {
    expect(result.report.matching).toBe('sequential');
    expect(JSON.stringify(result.report.commands)).toContain('sequential_matcher');
    const record = store.getRecord<ReconstructionRecord>(RECONSTRUCTIONS_COLLECTION, result.id)!;
    expect(record.video!.selector).toMatchObject({ id: 'keyframes' });
    expect(record.video!.frames.every((f) => /^[0-9a-f]{64}$/.test(f.sha256))).toBe(true);
    // Without a known distance there is no scale, so no uncertainty in metres is claimed.
    expect(result.manifest.units).toBe('unknown');
    expect(result.manifest.measurementUncertainty).toBeUndefined();
  });
});
