// @vestige/render — the render farm: deterministic stills and fly-through videos of a scene, drawn by the
// viewer's own code in headless Chromium on any number of worker nodes.
import type { JobType } from '@vestige/jobs';
import { encodeJob } from './encode-job.ts';
import { framesJob } from './frames-job.ts';
import type { RenderNode } from './render-node.ts';
import { stillJob } from './still-job.ts';
import { videoJob } from './video-job.ts';

export {
  RenderRecipeSchema,
  RenderSettingsSchema,
  StillRecipeSchema,
  stillAsRecipe,
  MAX_FRAME_SIDE,
  type RenderRecipe,
  type RenderRecipeInput,
  type StillRecipe,
} from './recipe.ts';
export type { RenderBackend, RenderPage } from './backend.ts';
export type { ViewerHost, ViewerSite } from './viewer-host.ts';
export type { FrameStats, RenderInfo, RenderPageSettings } from './page-contract.ts';
export { ChromiumBackend, CHROMIUM_PATH } from './chromium-backend.ts';
export { RenderNode, viewerBundleHash, pageSettings, type RenderIdentity } from './render-node.ts';
export { CANARY_SIZE, makeCanaryCase, removeCanaryCase } from './canary.ts';
export { manifestSha256, recipeScene, recipeFrames } from './scene-check.ts';
export {
  FarmSettingsSchema,
  FramesPayloadSchema,
  checkPins,
  readFramesLog,
  type FrameRecord,
  type FramesResult,
} from './frames-job.ts';
export {
  VideoPayloadSchema,
  renderId,
  chunksOf,
  mergeFrames,
  type RenderSummary,
  type VideoPayload,
  type VideoPayloadInput,
} from './video-job.ts';
export { RenderProgress, submitRender, runRender, formatEta, type RenderProgressReport } from './submit.ts';
export { StillPayloadSchema, type StillResult } from './still-job.ts';
export { EncodeSettingsSchema, encodeJob } from './encode-job.ts';
export { encodeFrames, encodeArgs, type EncodeOutput, type EncodeSettings } from './encode.ts';
export { RENDER_ACTIVITY, STILL_ACTIVITY, REPORT_ACTIVITY, RENDER_VERSION, framesByNode } from './provenance.ts';
export { renderReport, sampleFrames } from './report.ts';

/** The render job types, drawing through `node` (one per process; made on first use). */
export function renderJobTypes(node: () => RenderNode): Array<JobType<never, unknown>> {
  return [framesJob(node), stillJob(node), videoJob, encodeJob] as unknown as Array<JobType<never, unknown>>;
}
