/** Faces on public-domain photographs: found where a person labelled them, grouped by person, decided by an officer. */
import * as fs from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseStore, ingest, verifyCase } from '@vestige/evidence';
import { JobRegistry, LocalQueue } from '@vestige/jobs';
import {
  VISION_ANNOTATION,
  confirmFaceGroup,
  faceGroups,
  facesCase,
  facesJob,
  proposeFaceGroups,
  rejectFaceGroup,
  splitFaceGroup,
  type FacesAnnotation,
  type FacesCaseReport,
} from '@vestige/vision';
import { makeTempDir } from '../support.ts';
import { LABELLED_FACES, boxIou, visionFixtures, closeCase } from './fixtures.ts';

const dir = makeTempDir('vestige-faces-');
let store: CaseStore;
let report: FacesCaseReport;
const ids = new Map<string, string>();

beforeAll(async () => {
  const exhibit = join(dir, 'exhibit');
  fs.mkdirSync(exhibit);
  for (const f of Object.keys(LABELLED_FACES)) fs.copyFileSync(join(visionFixtures, f), join(exhibit, f));
  const astronaut = join(visionFixtures, 'astronaut.jpg');
  // The same face recompressed, cropped, and cropped + rescaled + recompressed.
  await sharp(astronaut).jpeg({ quality: 30 }).toFile(join(exhibit, 'variant-recompressed.jpg'));
  await sharp(astronaut)
    .extract({ left: 100, top: 20, width: 300, height: 300 })
    .png()
    .toFile(join(exhibit, 'variant-cropped.png'));
  await sharp(astronaut)
    .extract({ left: 120, top: 30, width: 220, height: 240 })
    .resize(160)
    .jpeg({ quality: 50 })
    .toFile(join(exhibit, 'variant-rescaled.jpg'));
  store = CaseStore.init(join(dir, 'case'), { operator: 'PC 1' });
  const ingested = await ingest(store, [exhibit], { operator: 'PC 1' });
  for (const f of ingested.files) ids.set(f.path.split('/').pop()!, f.itemId);
  const queue = new LocalQueue(new JobRegistry().register(facesJob), { concurrency: 2 });
  report = await facesCase(store, { operator: 'PC 1', queue, batchSize: 3 });
  await queue.close();
}, 900_000);

afterAll(() => closeCase(store, dir));

function facesOf(file: string): FacesAnnotation {
  return store.annotations(ids.get(file)!)[VISION_ANNOTATION.faces] as FacesAnnotation;
}

describe('faces', () => {
  it('finds exactly one face on each portrait, overlapping the hand-labelled box by IoU ≥ 0.5, and none on the coffee cup or the cat', () => {
    expect(report).toMatchObject({ images: 8, analysed: 8, failed: [] });
    for (const [file, label] of Object.entries(LABELLED_FACES)) {
      const found = facesOf(file).faces.filter((f) => f.groupable);
      if (label === null) {
        expect(found, file).toHaveLength(0);
        continue;
      }
      expect(found, file).toHaveLength(1);
      const [x, y, w, h] = found[0]!.box;
      expect(boxIou([x, y, x + w, y + h], label), file).toBeGreaterThanOrEqual(0.5);
      expect(found[0]!.descriptor).toMatch(/^[A-Za-z0-9+/]+=*$/);
      expect(found[0]!.landmarks).toHaveLength(5);
    }
    // SSD alone is sure of a face on the cat; the second detector does not confirm it, so it is only a redaction
    // proposal.
    expect(facesOf('chelsea.jpg').faces.every((f) => !f.groupable && f.confirmation === null)).toBe(true);
    expect(facesOf('astronaut.jpg').input).toMatchObject({
      width: 512,
      height: 512,
      format: 'jpeg',
      pixelsSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('proposes the recompressed, cropped and rescaled copies of a face as one person, and keeps different people apart', () => {
    const astronaut = ['astronaut.jpg', 'variant-recompressed.jpg', 'variant-cropped.png', 'variant-rescaled.jpg'].map(
      (f) => `${ids.get(f)}#0`,
    );
    expect(report.proposed).toHaveLength(1);
    expect([...report.proposed[0]!.members].sort()).toEqual(astronaut.sort());
    expect(report.proposed[0]!.maxDistance).toBeLessThan(0.5);
    expect(report.proposed[0]!.status).toBe('proposed');
    expect(report.proposed[0]!.notice).toMatch(/proposes; a person decides/);
  });

  it('records each officer decision (confirm, split, reject) as a custody event, and keeps decided groups when proposing again', async () => {
    const group = report.proposed[0]!;
    const moved = group.members.find((m) => m.startsWith(ids.get('variant-rescaled.jpg')!))!;
    const { from, to } = splitFaceGroup(store, group.id, [moved], {
      operator: 'DS 9',
      note: 'different photo session',
    });
    expect(from.members).not.toContain(moved);
    expect(to).toMatchObject({
      members: [moved],
      status: 'proposed',
      decisions: [{ action: 'split-from', from: group.id, operator: 'DS 9' }],
    });
    confirmFaceGroup(store, group.id, { operator: 'DS 9', note: 'same person' });
    rejectFaceGroup(store, to.id, { operator: 'DS 9' });
    const again = proposeFaceGroups(store, { operator: 'DS 9' });
    expect(again.proposed).toEqual([]);
    expect(faceGroups(store).map((g) => [g.id, g.status])).toEqual([
      [group.id, 'confirmed'],
      [to.id, 'rejected'],
    ]);
    const actions = [...store.custody.events()].map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'vision.face-group.proposed',
        'vision.face-group.split',
        'vision.face-group.confirmed',
        'vision.face-group.rejected',
      ]),
    );
    expect((await verifyCase(store)).ok).toBe(true);
  });
});
