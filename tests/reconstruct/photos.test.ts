/**
 * Photogrammetry end to end on photos with known geometry: a textured room ray-cast from 16 known camera
 * positions (generated here, nothing downloaded), ingested, reconstructed by the real COLMAP, scaled by one known
 * distance and checked against the truth.
 */
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseStore, ingest, verifyCase } from '@vestige/evidence';
import { JobRegistry, LocalQueue } from '@vestige/jobs';
import {
  compareRuns,
  denseReconstruction,
  reconstruct,
  reconstructDenseJob,
  RECONSTRUCTIONS_COLLECTION,
  type ReconstructionResult,
} from '@vestige/reconstruct';
import { toDisplayed } from '@vestige/scene';
import { writeRoomPhotos, type RoomPhotos } from '../../samples/reconstruct/room-views.ts';
import { makeTempDir } from '../support.ts';
import { knownDistance, pathLength, worstPositionError } from './room-truth.ts';

let dir: string;
let photos: RoomPhotos;
let store: CaseStore;
let result: ReconstructionResult;
let names: string[];

beforeAll(async () => {
  dir = makeTempDir('vestige-reconstruct-');
  photos = await writeRoomPhotos(join(dir, 'photos'));
  store = CaseStore.init(join(dir, 'case'), { operator: 'PC 1', now: () => new Date('2026-03-01T10:00:00Z') });
  await ingest(store, [photos.dir], { operator: 'PC 1' });
  const items = store.items({ mediaTypePrefix: 'image/' }).sort((a, b) => a.name.localeCompare(b.name));
  names = items.map((i) => i.name);
  result = await reconstruct(store, {
    operator: 'PC 1',
    now: () => new Date('2026-03-01T10:05:00Z'),
    photos: items.map((i) => i.id),
    // 1024 features per 640×480 photo keep exhaustive matching of 16 photos near half a CPU-minute.
    settings: { maxFeatures: 1024 },
    knownDistances: [
      knownDistance('tape across the floor', [4.5, 2, 0], [2.5, 3.7, 0], photos.cameras, names),
      knownDistance('wall to wall check', [0.000001, 1, 0.5], [2.5, 3.999999, 1], photos.cameras, names),
    ],
  });
}, 600_000);

afterAll(() => {
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('reconstruct from photos of a room with known geometry', () => {
  it('registers every photo, recovers the focal length within 1 % and fits its observations under 0.5 px', () => {
    expect(result.report.photos.registered).toBe(16);
    expect(result.report.cameras).toHaveLength(1);
    expect(Math.abs(result.report.cameras[0]!.focalPx / 560 - 1)).toBeLessThan(0.01);
    expect(result.report.cameras[0]!.priorFocalPx).toBeCloseTo(560, 6);
    expect(result.report.reprojection.meanPx).toBeLessThan(0.5);
    expect(result.report.tracks.mean).toBeGreaterThan(2);
  });

  it('places the cameras within 0.5 % of the path length after scaling by one known distance, and levels to the floor', () => {
    const viewpoints = result.manifest.layers.flatMap((l) => (l.type === 'viewpoints' ? l.viewpoints : []));
    const byName = new Map(
      viewpoints.map((v) => [store.item(v.image!.itemId!).name, toDisplayed(result.manifest, v.pose.position)]),
    );
    const measured = names.map((n) => byName.get(n)!);
    const truth = photos.cameras.map((c) => c.position);
    // Scale from the known distance only (never fitted to the truth); the best rigid alignment, then the worst camera.
    const rigid = compareRuns(
      { positions: new Map(names.map((n, i) => [n, measured[i]!])), scaleFactor: undefined, given: 16 },
      { positions: new Map(names.map((n, i) => [n, truth[i]!])), scaleFactor: undefined, given: 16 },
    );
    expect(rigid.worstPositionFraction).toBeLessThan(0.005);
    // Levelled: the floor is at height 0, so the cameras stand at their true height (1.5 m) and the room is upright.
    expect(result.report.level.levelled).toBe(true);
    for (const p of measured) expect(Math.abs(p[2] - 1.5)).toBeLessThan(0.1);
    console.log(
      `cameras within ${(rigid.worstPositionFraction * 100).toFixed(3)} % of the path after rigid alignment; levelled worst ${((worstPositionError(measured, truth) / pathLength(truth)) * 100).toFixed(3)} %; focal ${result.report.cameras[0]!.focalPx.toFixed(2)} px; mean reprojection ${result.report.reprojection.meanPx.toFixed(3)} px; check ${(result.report.scale!.checks[0]!.relativeError * 100).toFixed(3)} %; uncertainty ${JSON.stringify(result.manifest.measurementUncertainty)}`,
    );
  });

  it('reproduces a second known distance within 1 % and states the uncertainty in the manifest', () => {
    const check = result.report.scale!.checks[0]!;
    expect(Math.abs(check.relativeError)).toBeLessThan(0.01);
    const u = result.manifest.measurementUncertainty!;
    expect(Object.keys(u).sort()).toEqual(['absoluteMetres', 'basis', 'relative']);
    expect(u.relative).toBeGreaterThan(Math.abs(check.relativeError) * 0.5);
    expect(u.relative).toBeLessThan(0.05);
    expect(u.absoluteMetres).toBeGreaterThan(0);
    expect(u.basis).toMatch(/k = 2/);
  });

  it('links each oriented photo to its case item and hash, and binds every record to the custody log', async () => {
    const viewpoints = result.manifest.layers.flatMap((l) => (l.type === 'viewpoints' ? l.viewpoints : []));
    expect(viewpoints).toHaveLength(16);
    for (const v of viewpoints) expect(store.item(v.image!.itemId!).sha256).toBe(v.image!.sha256);
    expect(result.manifest.adjustments.map((a) => a.kind)).toEqual(['scale', 'level']);
    const record = store.getRecord<{ sceneId: string; photos: Array<{ sha256: string; position: number[] }> }>(
      RECONSTRUCTIONS_COLLECTION,
      result.id,
    )!;
    expect(record.sceneId).toBe(result.sceneId);
    expect(record.photos.every((p) => p.sha256 && p.position)).toBe(true);
    const provenance = store.provenance(result.provenanceId);
    expect(provenance.inputs).toHaveLength(16);
    expect(JSON.stringify(provenance.steps)).toContain('exhaustive_matcher');
    expect(provenance.software.libraries.colmap).toBe(result.report.engine.version);
    const actions = [...store.custody.events()].map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'derivation.recorded',
        'scene.built',
        'scene.scale',
        'scene.level',
        'scene.uncertainty-stated',
        'reconstruction.recorded',
      ]),
    );
    expect((await verifyCase(store)).ok).toBe(true);
    expect(result.report.reproducibility.statement).toMatch(/never by its hash/);
  });

  it('refuses dense stereo on the embedded queue without CUDA, saying where it can run', async () => {
    const queue = new LocalQueue(new JobRegistry().register(reconstructDenseJob), { capabilities: [] });
    await expect(
      queue.enqueue('reconstruct.dense', { caseDir: store.dir, reconstructionId: result.id, operator: 'PC 1' }),
    ).rejects.toMatchObject({
      code: 'E_CAPABILITY_MISSING',
      hint: expect.stringContaining('--capability cuda'),
    });
    await queue.close();
  });

  it('judges dense stereo by its output files: a COLMAP without CUDA writes no depth maps, and no dense scene is made', async () => {
    const scenesBefore = store.listRecords('scenes').length;
    const err = await denseReconstruction(store, result.id, {
      operator: 'PC 1',
      now: () => new Date('2026-03-01T11:00:00Z'),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'E_TOOL_FAILED',
      message: expect.stringContaining('no depth maps'),
      hint: expect.stringContaining('without CUDA'),
    });
    expect(store.listRecords('scenes')).toHaveLength(scenesBefore);
  });
});
