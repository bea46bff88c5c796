import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CaseStore } from '@vestige/evidence';
import { closeSharedVisionPool } from '@vestige/vision';
import { repoRoot } from '../support.ts';

export const visionFixtures = join(repoRoot, 'tests', 'fixtures', 'vision');

/** Faces labelled by hand (tests/fixtures/vision/SOURCES.md), [x1, y1, x2, y2]. */
export const LABELLED_FACES: Record<string, readonly [number, number, number, number] | null> = {
  'astronaut.jpg': [178, 80, 270, 188],
  'camera.jpg': [182, 118, 255, 202],
  'grace_hopper.jpg': [163, 145, 362, 335],
  'coffee.jpg': null,
  'chelsea.jpg': null,
};

export function boxIou(
  a: readonly [number, number, number, number],
  b: readonly [number, number, number, number],
): number {
  const ix = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const iy = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = ix * iy;
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
}

/** After a test file: close its case, stop the model workers, remove its folder. */
export async function closeCase(store: CaseStore | undefined, dir: string): Promise<void> {
  store?.close();
  await closeSharedVisionPool();
  rmSync(dir, { recursive: true, force: true });
}
