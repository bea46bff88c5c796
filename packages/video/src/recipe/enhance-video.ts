import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import { z } from 'zod';
import {
  VestigeError,
  type CaseStore,
  type Item,
  type ProvenanceStep,
  schemaProblems,
  verifiedItemPath,
} from '@vestige/evidence';
import type { Raster, Recipe } from '@vestige/imaging';
import { decodeFrames } from '../decode/session.ts';
import {
  ffmpegFeatures,
  passthroughArgs,
  resolveFfmpeg,
  videoTimingArgs,
  type FfmpegFeatures,
  runTool,
  stderrTail,
} from '@vestige/ffmpeg';
import { openVideoSource, type VideoSource } from '../extract/source.ts';
import { analyseRate, scanPackets } from '../probe/packets.ts';
import { recordVideo } from '../export/record-video.ts';
import { withCaseLock } from '../export/case-lock-run.ts';
import { videoStep, videoSteps, type VideoStep } from './video-steps.ts';

export const VIDEO_ENHANCE_ACTIVITY = 'video.enhance';

/**
 * The imaging package is loaded only when a recipe has an imaging step: it brings in sharp (libvips), which would
 * otherwise add a few hundred milliseconds of start-up to every command that loads the video package.
 */
const loadImaging = () => import('@vestige/imaging');

const recipeSchema = z
  .object({
    name: z.string().max(200).optional(),
    steps: z
      .array(
        z
          .object({
            op: z.string().min(1),
            params: z.record(z.string(), z.unknown()).default({}),
            note: z.string().max(2000).optional(),
          })
          .strict(),
      )
      .min(1)
      .max(50),
    output: z
      .object({ format: z.enum(['ffv1', 'h264']).default('ffv1') })
      .strict()
      .default({ format: 'ffv1' }),
  })
  .strict();

interface PlannedStep {
  kind: 'video' | 'imaging';
  step?: VideoStep<unknown>;
  params?: unknown;
  recipe?: Recipe;
  note?: string | undefined;
}

export interface VideoRecipe {
  name: string;
  steps: PlannedStep[];
  format: 'ffv1' | 'h264';
}

/**
 * Validates a video recipe: `{ steps: [{ op, params, note? }], output?: { format: 'ffv1' | 'h264' } }`. `op` is a
 * video step (deinterlace, stabilise, denoise, average, speed) or `imaging`, whose params are an imaging recipe
 * applied to every frame. At most one imaging step; speed changes come after it.
 */
export async function parseVideoRecipe(input: unknown): Promise<VideoRecipe> {
  const top = recipeSchema.safeParse(Array.isArray(input) ? { steps: input } : input);
  if (!top.success) {
    throw new VestigeError('E_RECIPE_INVALID', schemaProblems(top.error.issues, 5, 'recipe'), {
      hint: 'A video recipe is { "steps": [ { "op": "deinterlace" }, { "op": "imaging", "params": { "recipe": { … } } } ], "output": { "format": "ffv1" } }.',
    });
  }
  const steps: PlannedStep[] = [];
  let imagingAt = -1;
  for (const [i, s] of top.data.steps.entries()) {
    if (s.op === 'imaging') {
      if (imagingAt >= 0)
        throw new VestigeError(
          'E_RECIPE_INVALID',
          `step ${i + 1}: only one imaging step; put all image operations in its recipe.`,
        );
      imagingAt = i;
      const { parseRecipe } = await loadImaging();
      const recipe = parseRecipe((s.params as { recipe?: unknown }).recipe ?? s.params);
      steps.push({ kind: 'imaging', recipe, note: s.note });
      continue;
    }
    const step = videoStep(s.op);
    if (!step)
      throw new VestigeError('E_RECIPE_INVALID', `step ${i + 1}: unknown video step '${s.op}'.`, {
        hint: `Video steps: ${videoSteps.map((v) => v.id).join(', ')}, imaging.`,
      });
    const parsed = step.schema.safeParse(s.params);
    if (!parsed.success) {
      throw new VestigeError(
        'E_RECIPE_INVALID',
        `step ${i + 1} (${s.op}): ${schemaProblems(parsed.error.issues, 5, 'params')}`,
      );
    }
    if (s.op === 'speed' && imagingAt < 0 && top.data.steps.some((x) => x.op === 'imaging')) {
      throw new VestigeError('E_RECIPE_INVALID', `step ${i + 1}: put speed changes after the imaging step.`);
    }
    steps.push({ kind: 'video', step, params: parsed.data, note: s.note });
  }
  return { name: top.data.name ?? 'video-enhanced', steps, format: top.data.output.format };
}

function chainFor(steps: PlannedStep[], features: FfmpegFeatures, tmp: (suffix: string) => string) {
  const apply: string[] = [];
  const passes: string[][] = [];
  for (const s of steps) {
    const file = tmp('.trf');
    const f = s.step!.filters(s.params as never, features, file);
    if (f.analyse) passes.push([...apply, ...f.analyse]);
    apply.push(...f.apply);
  }
  return { apply, passes };
}

export interface EnhanceVideoOptions {
  readonly operator: string;
  readonly now?: () => Date;
  readonly signal?: AbortSignal;
}

export interface EnhanceVideoReport {
  readonly itemId: string;
  readonly sha256: string;
  readonly name: string;
  readonly provenanceId: string;
  readonly frames: number;
}

/**
 * Runs a video recipe over a video item and stores the result as a derived item (FFV1 in Matroska, lossless, by
 * default; H.264 MP4 for viewing) with provenance naming every step. Video steps run as ffmpeg filters with each
 * frame's own timing kept; an imaging step decodes every frame to 16-bit RGB, runs the imaging recipe on it and
 * encodes the result.
 */
export async function enhanceVideo(
  store: CaseStore,
  itemId: string,
  recipeInput: unknown,
  options: EnhanceVideoOptions,
): Promise<EnhanceVideoReport> {
  const now = options.now ?? (() => new Date());
  const recipe = await parseVideoRecipe(recipeInput);
  const item: Item = store.item(itemId);
  return withCaseLock(store, 'enhance video', async (tmpFiles) => {
    const tmp = (suffix: string) => {
      const p = store.blobs.newTempPath() + suffix;
      tmpFiles.push(p);
      return p;
    };
    const path = await verifiedItemPath(store, item);
    const startedAt = now();
    const source = await openVideoSource(path, { displayName: `${item.id} (${item.name})` });
    const ffmpeg = resolveFfmpeg();
    const features = ffmpegFeatures(ffmpeg);
    const imagingAt = recipe.steps.findIndex((s) => s.kind === 'imaging');
    const before = recipe.steps.slice(0, imagingAt < 0 ? recipe.steps.length : imagingAt);
    const after = imagingAt < 0 ? [] : recipe.steps.slice(imagingAt + 1);
    const pre = chainFor(before, features, tmp);
    const post = chainFor(after, features, tmp);
    const out = tmp(recipe.format === 'ffv1' ? '.mkv' : '.mp4');
    const codec =
      recipe.format === 'ffv1'
        ? ['-c:v', 'ffv1', '-level', '3', '-g', '1', '-slicecrc', '1']
        : ['-c:v', 'libx264', '-preset', 'medium', '-crf', '18', '-pix_fmt', 'yuv420p', '-movflags', '+faststart'];
    const common = ['-fflags', '+bitexact', '-flags:v', '+bitexact', '-map_metadata', '-1'];
    const input = [
      '-nostdin',
      '-hide_banner',
      '-v',
      'error',
      '-copyts',
      '-noautorotate',
      '-i',
      path,
      '-map',
      `0:${source.index}`,
      '-an',
      '-sn',
      '-dn',
    ];
    const commands: string[][] = [];
    // Two-pass steps (stabilisation) analyse the video as the steps before them leave it.
    for (const pass of pre.passes) {
      const args = [...input, '-vf', pass.join(','), ...passthroughArgs(features), '-f', 'null', '-'];
      commands.push(args);
      const r = await runTool(ffmpeg.path, args, options.signal ? { signal: options.signal } : {});
      if (r.code !== 0)
        throw new VestigeError('E_FFMPEG_FAILED', `analysis pass failed: ${stderrTail(r.stderr)}`, { file: item.id });
    }
    let imagingSteps: ProvenanceStep[] = [];
    if (imagingAt < 0) {
      const args = [
        ...input,
        '-vf',
        pre.apply.length ? pre.apply.join(',') : 'null',
        ...videoTimingArgs(features),
        ...codec,
        ...common,
        out,
      ];
      commands.push(args);
      const r = await runTool(ffmpeg.path, args, options.signal ? { signal: options.signal } : {});
      if (r.code !== 0)
        throw new VestigeError('E_FFMPEG_FAILED', `ffmpeg could not apply the video steps: ${stderrTail(r.stderr)}`, {
          file: item.id,
        });
    } else {
      if (post.passes.length > 0)
        throw new VestigeError('E_RECIPE_INVALID', 'two-pass steps (stabilise) must come before the imaging step.');
      imagingSteps = await runImagingStage(source, recipe.steps[imagingAt]!.recipe!, pre.apply, post.apply, {
        ffmpegPath: ffmpeg.path,
        features,
        out,
        codec,
        common,
        commands,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    }
    const frames = (await scanPackets(out, 0, options.signal)).packets;
    const digests = await store.blobs.putFile(out);
    const stem = item.name.replace(/\.[^./]+$/, '') || item.id;
    const name = `${stem}_${recipe.name.replace(/[^0-9A-Za-z._-]/g, '_')}.${recipe.format === 'ffv1' ? 'mkv' : 'mp4'}`;
    const steps: ProvenanceStep[] = [];
    for (const s of recipe.steps) {
      if (s.kind === 'imaging') steps.push(...imagingSteps);
      else
        steps.push({
          operation: `video.${s.step!.id}`,
          version: s.step!.version,
          parameters: s.params,
          description: s.step!.describe(s.params as never, features) + (s.note ? ` Reason given: ${s.note}` : ''),
          reference: s.step!.reference,
        });
    }
    steps.push({
      operation: 'video.encode',
      version: '1',
      parameters: {
        format: recipe.format,
        ffmpegArgs: commands.map((c) => c.map((a) => (a === path ? '<source>' : a === out ? '<output>' : a))),
      },
      description:
        recipe.format === 'ffv1'
          ? 'Encoded losslessly as FFV1 (every frame an intra frame, slice checksums) in Matroska, each frame with its own timestamp.'
          : 'Encoded as H.264 (lossy, for viewing) in MP4, each frame with its own timestamp.',
    });
    const output = {
      digests,
      name,
      mediaType: recipe.format === 'ffv1' ? 'video/x-matroska' : 'video/mp4',
      metadata: {
        kind: 'video-enhanced',
        sourceItemId: item.id,
        sourceSha256: item.sha256,
        recipe: recipeInput,
        frames,
      },
    };
    const made = recordVideo(store, {
      activity: VIDEO_ENHANCE_ACTIVITY,
      source: item,
      steps,
      output,
      ffmpegVersion: ffmpeg.version,
      operator: options.operator,
      startedAt,
      finishedAt: now(),
    });
    return { ...made, frames };
  });
}

async function runImagingStage(
  source: VideoSource,
  recipe: Recipe,
  preFilters: string[],
  postFilters: string[],
  ctx: {
    ffmpegPath: string;
    features: FfmpegFeatures;
    out: string;
    codec: string[];
    common: string[];
    commands: string[][];
    signal?: AbortSignal;
  },
): Promise<ProvenanceStep[]> {
  // Raw frames carry no timestamps; re-timing them at the nominal rate is exact only for constant-rate video.
  const packets = await scanPackets(source.path, source.index, ctx.signal);
  if (
    analyseRate(packets.sortedPts, source.timeBase).mode !== 'constant' ||
    preFilters.some((f) => f.startsWith('setpts'))
  ) {
    throw new VestigeError(
      'E_INPUT_UNSUPPORTED',
      'imaging steps run frame by frame only on constant-frame-rate video: the frame timing of this video would be lost.',
      {
        hint: 'Use the video steps (deinterlace, stabilise, denoise, average, speed), or extract frames with `vestige frames` and enhance them as images.',
      },
    );
  }
  const rate = source.stream.r_frame_rate && source.stream.r_frame_rate !== '0/0' ? source.stream.r_frame_rate : '25/1';
  const { runRecipe } = await loadImaging();
  let encoder: ReturnType<typeof spawn> | undefined;
  let encoderDone: Promise<{ code: number | null; stderr: string }> | undefined;
  let applied: ProvenanceStep[] = [];
  const startEncoder = (width: number, height: number, channels: 1 | 3) => {
    const args = [
      '-nostdin',
      '-hide_banner',
      '-v',
      'error',
      '-f',
      'rawvideo',
      '-pix_fmt',
      channels === 3 ? 'rgb48le' : 'gray16le',
      '-s',
      `${width}x${height}`,
      '-framerate',
      rate,
      '-i',
      'pipe:0',
      '-vf',
      postFilters.length ? postFilters.join(',') : 'null',
      ...videoTimingArgs(ctx.features),
      ...ctx.codec,
      ...ctx.common,
      ctx.out,
    ];
    ctx.commands.push(args);
    encoder = spawn(ctx.ffmpegPath, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    encoder.stderr!.setEncoding('utf8');
    encoder.stderr!.on('data', (c: string) => (stderr = (stderr + c).slice(-4000)));
    encoderDone = new Promise((resolve) => encoder!.on('close', (code) => resolve({ code, stderr })));
  };
  const write = (stream: Writable, data: Uint8Array) =>
    new Promise<void>((resolve, reject) => {
      stream.write(data, (err) => (err ? reject(err) : resolve()));
    });
  const decodeArgs = await decodeFrames({
    input: source.path,
    stream: { index: source.index, width: source.width, height: source.height, pixFmt: source.pixFmt },
    preFilters,
    outputs: [
      {
        kind: 'raw',
        pixFmt: 'rgb48le',
        onUnit: async (unit) => {
          const samples = new Uint16Array(unit.buffer, unit.byteOffset, unit.byteLength / 2);
          const raster: Raster = {
            width: source.width,
            height: source.height,
            channels: 3,
            data: samples.byteOffset % 2 === 0 ? samples : new Uint16Array(samples),
          };
          const result = await runRecipe([raster], recipe);
          if (!encoder) {
            applied = result.steps.map((s) => ({
              operation: s.operation,
              version: s.version,
              parameters: s.parameters,
              description: `Every frame: ${s.description}`,
              reference: s.reference,
            }));
            startEncoder(result.enhanced.width, result.enhanced.height, result.enhanced.channels);
          }
          const image = result.annotated ?? result.enhanced;
          await write(encoder!.stdin!, new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength));
        },
      },
    ],
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  ctx.commands.unshift([...decodeArgs.args]);
  if (!encoder) throw new VestigeError('E_INPUT_CORRUPT', 'no frame could be decoded for the imaging step.');
  encoder.stdin!.end();
  const done = await encoderDone!;
  if (done.code !== 0)
    throw new VestigeError(
      'E_FFMPEG_FAILED',
      `ffmpeg could not encode the enhanced frames: ${stderrTail(done.stderr)}`,
    );
  return applied;
}
