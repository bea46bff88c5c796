/**
 * What the render tests share: a case with the generated scene, a 48-frame camera path through it, small
 * frames (the benchmark does 1080p), and a render node of this process.
 */
import { CaseStore } from '@vestige/evidence';
import { RenderNode, manifestSha256, type RenderRecipeInput } from '@vestige/render';
import { serverViewerHost } from '@vestige/cli';
import { ORIGIN, makeSceneCase } from '../viewer/scene-fixture.ts';

const at = (x: number, y: number, z: number): [number, number, number] => [ORIGIN[0] + x, ORIGIN[1] + y, ORIGIN[2] + z];

/** 24 fps over 47/24 s: frames 0–47. */
export const WALK = {
  id: 'walk',
  name: 'Walk to the table',
  fps: 24,
  keyframes: [
    { position: at(5, -3, 1.7), target: at(5, 4, 0.5), fov: 60, time: 0 },
    { position: at(9, 2, 2.5), target: at(7.5, 5.25, 1.2), fov: 50, time: 1 },
    { position: at(2, 6, 3), target: at(7.5, 5.25, 1.2), fov: 55, time: 47 / 24 },
  ],
};

/** A case with the generated scene, and the recipe of the 48-frame walk at `width` × `height`. */
export async function walkCase(
  dir: string,
  width = 96,
  height = 64,
): Promise<{ dir: string; recipe: RenderRecipeInput }> {
  await makeSceneCase(dir);
  const store = CaseStore.open(dir, { readOnly: true });
  try {
    const recipe: RenderRecipeInput = {
      sceneId: 'scene-1',
      manifestSha256: manifestSha256(store, 'scene-1'),
      resolution: { width, height },
      pointBudget: 200_000,
      cameraPath: WALK,
      overlays: { frameNumber: true, scaleBar: true },
    };
    return { dir, recipe };
  } finally {
    store.close();
  }
}

/** A render node of this test process (one browser, closed by the caller). */
export function testRenderNode(): RenderNode {
  return new RenderNode(serverViewerHost());
}
