/**
 * `render.still`: one frame from one camera, up to 8192 px a side, stored as a derived item with its
 * provenance (tiles in; node, recipe and frame hash in the step), on a node with the `render` capability.
 */
import { z } from 'zod';
import { CaseStore, VestigeError, digestBuffer } from '@vestige/evidence';
import { defineJobType, type JobContext } from '@vestige/jobs';
import { checkPins, type FrameRecord } from './frames-job.ts';
import { STILL_ACTIVITY, framesStep, sceneInputs } from './provenance.ts';
import { StillRecipeSchema, stillAsRecipe } from './recipe.ts';
import type { RenderNode } from './render-node.ts';
import { recipeScene } from './scene-check.ts';

export const StillPayloadSchema = z
  .object({
    caseDir: z.string().min(1),
    operator: z.string().min(1),
    recipe: StillRecipeSchema,
    name: z.string().max(200).optional(),
    timeoutS: z.number().positive().default(3600),
  })
  .strict();
type StillPayload = z.output<typeof StillPayloadSchema>;

export interface StillResult {
  itemId: string;
  sha256: string;
  size: number;
  renderClass: string;
  provenanceId: string;
}

async function renderStill(node: RenderNode, p: StillPayload, ctx: JobContext): Promise<StillResult> {
  const recipe = stillAsRecipe(p.recipe);
  const store = CaseStore.open(p.caseDir);
  try {
    const manifest = recipeScene(store, recipe);
    const me = await node.identity();
    checkPins(recipe, me);
    const startedAt = new Date();
    let frame: FrameRecord | undefined;
    let png: Buffer | undefined;
    const resolved = await node.renderFrames(p.caseDir, recipe, [0], ctx.signal, async (n, bytes, stats) => {
      png = bytes;
      frame = {
        n,
        sha256: '',
        size: bytes.length,
        renderClass: me.renderClass,
        worker: me.worker,
        nodes: stats.nodes,
        points: stats.points,
      };
    });
    if (!png || !frame) throw new VestigeError('E_RENDER_FAILED', 'the still was not drawn');
    const digests = digestBuffer(png);
    await store.blobs.putBuffer(png);
    frame.sha256 = digests.sha256;
    const name = p.name ?? `${recipe.sceneId}-still-${recipe.resolution.width}x${recipe.resolution.height}.png`;
    const recorded = store.recordDerivation({
      activity: STILL_ACTIVITY,
      inputs: sceneInputs(manifest),
      steps: [framesStep({ recipe, manifest, frames: [frame], nodes: [me], resolved })],
      outputs: [
        {
          digests,
          name,
          mediaType: 'image/png',
          metadata: {
            kind: 'render-still',
            sceneId: recipe.sceneId,
            width: recipe.resolution.width,
            height: recipe.resolution.height,
            renderClass: me.renderClass,
          },
        },
      ],
      libraries: { chromium: me.engine },
      operator: p.operator,
      startedAt,
      finishedAt: new Date(),
    });
    const item = recorded.items[0]!;
    ctx.log(`still ${item.id} sha256 ${item.sha256} class ${me.renderClass}`);
    return {
      itemId: item.id,
      sha256: item.sha256,
      size: item.size,
      renderClass: me.renderClass,
      provenanceId: recorded.provenance.id,
    };
  } finally {
    store.close();
  }
}

export function stillJob(node: () => RenderNode) {
  return defineJobType({
    id: 'render.still',
    requires: 'render',
    schema: StillPayloadSchema,
    timeoutMs: (p) => p.timeoutS * 1000,
    run: (p, ctx) => renderStill(node(), p, ctx),
  });
}
