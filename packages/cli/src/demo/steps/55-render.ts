import { CaseStore } from '@vestige/evidence';
import { runRender } from '@vestige/render';
import { loadScene, saveSceneRecord, type CameraPath } from '@vestige/scene';
import { closeRenderNode } from '../../render-host.ts';
import { recipeSettings, renderQueue } from '../../render-options.ts';
import type { DemoStep } from '../step.ts';

/** Round the sample room (6 × 5 m, table at 1–2.6 × 1–1.9 m), looking at the table and the box: 2 s at 12 fps. */
const WALK_ROUND: CameraPath = {
  id: 'demo-walk',
  name: 'Round the table',
  fps: 12,
  keyframes: [
    { position: [0.4, 0.4, 1.7], target: [2.5, 2, 0.5], fov: 60, time: 0 },
    { position: [3, 0.5, 2], target: [2.6, 2.2, 0.5], fov: 55, time: 1 },
    { position: [5.6, 1.2, 1.8], target: [3.5, 2.4, 0.4], fov: 60, time: 2 },
  ],
};

export const step: DemoStep = {
  title:
    'Render farm: a 2-second fly-through of the scene, drawn by the viewer in headless Chromium on the local queue, encoded to H.264',
  async run(ctx) {
    const sceneId = ctx.shared.get('sceneId') as string | undefined;
    if (!sceneId) throw new Error('the scene step built no scene to render');
    const store = CaseStore.open(ctx.caseDir);
    let recipe: Record<string, unknown>;
    try {
      saveSceneRecord(store, loadScene(store, sceneId), 'camera-paths', WALK_ROUND, ctx.operator);
      recipe = {
        ...(await recipeSettings(store, sceneId, {
          size: '480x270',
          budget: '500000',
          overlay: 'case,frame,time,scale',
        })),
        cameraPath: WALK_ROUND,
      };
    } finally {
      store.close();
    }
    const queue = await renderQueue({});
    try {
      const started = Date.now();
      const s = await runRender(queue, {
        caseDir: ctx.caseDir,
        operator: ctx.operator,
        recipe: recipe as never,
        chunkSize: 12,
        video: { preset: 'fast' },
      });
      const seconds = (Date.now() - started) / 1000;
      ctx.summary(
        `render ${s.renderId}: ${s.frames} frames at 480×270 in ${seconds.toFixed(1)} s (${(s.frames / seconds).toFixed(1)} frames/s), render class ${s.renderClasses.join(', ')}`,
      );
      ctx.summary(
        `  video ${s.video.itemId} sha256 ${s.video.sha256.slice(0, 16)}…; frame 0 sha256 ${s.frameHashes[0]!.slice(0, 16)}…; report ${s.report?.itemId ?? 'none'}; provenance ${s.provenanceId}`,
      );
    } finally {
      await queue.close();
      await closeRenderNode();
    }
  },
};
