/**
 * `render.video`: a camera path into a video. The job plans and checks (scene, manifest hash, camera
 * path, frame size), splits the frames into contiguous `render.frames` chunks run as its children on
 * any number of render nodes, then one `render.encode` child, and finally records the render: one
 * derivation (tiles in; frames, nodes and encoder in the steps; video and master out), the HTML report
 * (a derivation of its own), and a `renders` record — each a custody event.
 */
import { z } from 'zod';
import { CaseStore, VestigeError, canonicalJson, sha256Hex } from '@vestige/evidence';
import { defineJobType, type JobContext } from '@vestige/jobs';
import type { EncodeOutput } from './encode.ts';
import { EncodeSettingsSchema } from './encode-job.ts';
import { FarmSettingsSchema, type FrameRecord, type FramesResult } from './frames-job.ts';
import { RENDER_ACTIVITY, REPORT_ACTIVITY, RENDER_VERSION, encodeStep, framesStep, sceneInputs } from './provenance.ts';
import { RenderRecipeSchema, type RenderRecipe } from './recipe.ts';
import { renderReport } from './report.ts';
import { recipeFrames, recipeScene } from './scene-check.ts';

export const VideoPayloadSchema = z
  .object({
    caseDir: z.string().min(1),
    operator: z.string().min(1),
    recipe: RenderRecipeSchema,
    /** Frames per `render.frames` job. */
    chunkSize: z.number().int().min(1).max(100_000).default(24),
    /** Tries per chunk (the first included). */
    attempts: z.number().int().min(1).max(20).default(3),
    farm: FarmSettingsSchema,
    video: EncodeSettingsSchema,
    report: z.boolean().default(true),
  })
  .strict();
export type VideoPayload = z.output<typeof VideoPayloadSchema>;
export type VideoPayloadInput = z.input<typeof VideoPayloadSchema>;

export interface RenderSummary {
  renderId: string;
  sceneId: string;
  frames: number;
  frameHashes: string[];
  framePixels: string[];
  renderClasses: string[];
  video: { itemId: string; sha256: string; size: number };
  master: { itemId: string; sha256: string; size: number } | null;
  report: { itemId: string; sha256: string } | null;
  provenanceId: string;
}

/** A render's id: the recipe's hash, so the same recipe is the same render. */
export function renderId(recipe: RenderRecipe): string {
  return `R-${sha256Hex(canonicalJson(recipe)).slice(0, 12)}`;
}

/** Contiguous chunks of `chunkSize` frames. */
export function chunksOf(range: { from: number; to: number }, chunkSize: number): Array<{ from: number; to: number }> {
  const chunks: Array<{ from: number; to: number }> = [];
  for (let from = range.from; from <= range.to; from += chunkSize)
    chunks.push({ from, to: Math.min(range.to, from + chunkSize - 1) });
  return chunks;
}

/** The chunks' frames in order, refused unless every frame of the range is there exactly once. */
export function mergeFrames(parts: readonly FramesResult[], range: { from: number; to: number }): FrameRecord[] {
  const frames = parts.flatMap((p) => p.frames).sort((a, b) => a.n - b.n);
  const bad = frames.findIndex((f, i) => f.n !== range.from + i);
  if (frames.length !== range.to - range.from + 1 || bad >= 0) {
    throw new VestigeError(
      'E_RENDER_FAILED',
      `the chunks hold ${frames.length} frames for frames ${range.from}–${range.to}${bad >= 0 ? ` (frame ${range.from + bad} missing or twice)` : ''}.`,
    );
  }
  return frames;
}

/** The first time the plan was made (kept in the log, so a parent that runs again keeps its start time). */
async function plannedAt(ctx: JobContext, what: string): Promise<Date> {
  const line = (await ctx.history()).find((l) => l.startsWith('render planned at '));
  if (line) return new Date(line.slice('render planned at '.length).split(' ')[0]!);
  const now = new Date();
  ctx.log(`render planned at ${now.toISOString()} ${what}`);
  return now;
}

async function renderVideo(p: VideoPayload, ctx: JobContext): Promise<RenderSummary> {
  const check = CaseStore.open(p.caseDir, { readOnly: true });
  let range: { from: number; to: number };
  try {
    recipeScene(check, p.recipe);
    range = recipeFrames(p.recipe);
  } finally {
    check.close();
  }
  const { width, height } = p.recipe.resolution;
  if (width % 2 || height % 2)
    throw new VestigeError(
      'E_RECIPE_INVALID',
      `H.264 in yuv420p needs an even width and height; the recipe asks for ${width} × ${height}.`,
      { hint: 'Use an even size such as 1920 × 1080.' },
    );
  const chunks = chunksOf(range, p.chunkSize);
  const startedAt = await plannedAt(ctx, `${range.to - range.from + 1} frames in ${chunks.length} chunks`);
  const parts = (await ctx.children(
    'frames',
    chunks.map((c) => ({
      type: 'render.frames',
      payload: { caseDir: p.caseDir, recipe: p.recipe, range: c, farm: p.farm },
      options: { attempts: p.attempts, backoffMs: 2000 },
    })),
  )) as FramesResult[];
  const frames = mergeFrames(parts, range);
  const [encoded] = (await ctx.children('encode', [
    {
      type: 'render.encode',
      payload: {
        caseDir: p.caseDir,
        frames: frames.map((f) => f.sha256),
        fps: p.recipe.cameraPath.fps,
        settings: p.video,
      },
      options: { attempts: p.attempts },
    },
  ])) as EncodeOutput[];
  return recordVideo(p, ctx, parts, frames, encoded!, startedAt);
}

async function recordVideo(
  p: VideoPayload,
  ctx: JobContext,
  parts: readonly FramesResult[],
  frames: FrameRecord[],
  encoded: EncodeOutput,
  startedAt: Date,
): Promise<RenderSummary> {
  const store = CaseStore.open(p.caseDir);
  try {
    const manifest = recipeScene(store, p.recipe);
    const id = renderId(p.recipe);
    const stem = `${p.recipe.sceneId}-${p.recipe.cameraPath.id}`.replace(/[^A-Za-z0-9._-]+/g, '_');
    const nodes = [...new Map(parts.flatMap((x) => x.nodes).map((n) => [n.worker, n])).values()];
    const facts = {
      recipe: p.recipe,
      manifest,
      frames,
      nodes,
      resolved: parts.find((x) => x.resolved)?.resolved ?? null,
    };
    const settings = { ...p.video, fps: p.recipe.cameraPath.fps };
    const engines = [...new Set(nodes.map((n) => n.engine))].join('; ');
    const recorded = store.recordDerivation({
      activity: RENDER_ACTIVITY,
      inputs: sceneInputs(manifest),
      steps: [framesStep(facts), encodeStep(settings, encoded)],
      outputs: [
        {
          digests: encoded.video,
          name: `${stem}.mp4`,
          mediaType: 'video/mp4',
          metadata: { kind: 'render-video', renderId: id, sceneId: p.recipe.sceneId, frames: frames.length },
        },
        ...(encoded.master
          ? [
              {
                digests: encoded.master,
                name: `${stem}-master.mkv`,
                mediaType: 'video/x-matroska',
                metadata: { kind: 'render-master', renderId: id, sceneId: p.recipe.sceneId, frames: frames.length },
              },
            ]
          : []),
      ],
      libraries: { chromium: engines, ffmpeg: encoded.ffmpeg.version },
      operator: p.operator,
      startedAt,
      finishedAt: new Date(),
    });
    const [videoItem, masterItem] = recorded.items;
    let report: RenderSummary['report'] = null;
    if (p.report) {
      ctx.progress(0.99, 'writing the render report');
      const html = await renderReport({
        ...facts,
        store,
        renderId: id,
        jobId: ctx.jobId,
        operator: p.operator,
        startedAt,
        finishedAt: new Date(),
        provenanceId: recorded.provenance.id,
        encode: { settings, output: encoded, videoItemId: videoItem!.id, masterItemId: masterItem?.id ?? null },
      });
      const digests = await store.blobs.putBuffer(Buffer.from(html));
      const made = store.recordDerivation({
        activity: REPORT_ACTIVITY,
        inputs: [{ sha256: videoItem!.sha256, itemId: videoItem!.id, role: 'video' }, ...sceneInputs(manifest)],
        steps: [
          {
            operation: 'render.report',
            version: RENDER_VERSION,
            parameters: { renderId: id, provenanceId: recorded.provenance.id },
            description: `Render report for ${id}: the chain of hashes from the scan to the video, a plan view of the camera path, sample frames and every frame's hash, from provenance ${recorded.provenance.id}.`,
          },
        ],
        outputs: [
          {
            digests,
            name: `${stem}-report.html`,
            mediaType: 'text/html',
            metadata: { kind: 'render-report', renderId: id },
          },
        ],
        operator: p.operator,
        startedAt,
        finishedAt: new Date(),
      });
      report = { itemId: made.items[0]!.id, sha256: digests.sha256 };
    }
    const summary: RenderSummary = {
      renderId: id,
      sceneId: p.recipe.sceneId,
      frames: frames.length,
      frameHashes: frames.map((f) => f.sha256),
      framePixels: encoded.framePixels,
      renderClasses: [...new Set(frames.map((f) => f.renderClass))],
      video: { itemId: videoItem!.id, sha256: videoItem!.sha256, size: videoItem!.size },
      master: masterItem ? { itemId: masterItem.id, sha256: masterItem.sha256, size: masterItem.size } : null,
      report,
      provenanceId: recorded.provenance.id,
    };
    const { frameHashes: _h, framePixels: _p, ...kept } = summary;
    store.putRecord(
      'renders',
      id,
      { ...kept, cameraPathId: p.recipe.cameraPath.id, manifestSha256: p.recipe.manifestSha256, jobId: ctx.jobId },
      p.operator,
      'render.recorded',
    );
    return summary;
  } finally {
    store.close();
  }
}

export const videoJob = defineJobType({
  id: 'render.video',
  schema: VideoPayloadSchema,
  run: renderVideo,
});
