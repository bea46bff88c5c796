/**
 * `render.frames`: a contiguous chunk of a render's frames, on a node with the `render` capability. Each
 * frame is a blob in the case as soon as it is drawn, and a line in the job's log (`frame N sha256 …`);
 * an attempt that follows a failed or dead one (a retry, or a takeover after the worker was killed) reads
 * those lines, checks the blobs, and draws only the frames that are missing.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { CaseStore, VestigeError } from '@vestige/evidence';
import { defineJobType, type JobContext } from '@vestige/jobs';
import { RenderRecipeSchema, type RenderRecipe } from './recipe.ts';
import type { RenderIdentity, RenderNode } from './render-node.ts';
import { recipeFrames, recipeScene } from './scene-check.ts';

export const FarmSettingsSchema = z
  .object({
    /** Longest one attempt at a chunk may run before another worker gets it. */
    taskTimeoutS: z
      .number()
      .positive()
      .max(7 * 24 * 3600)
      .default(3600),
    /** A frame drawn faster than this is a failure (a node that "renders" nothing). 0: off. */
    minFrameMs: z.number().min(0).default(0),
    /** Failures of one chunk on one worker before that worker is block-listed for it. */
    failuresPerWorker: z.number().int().min(1).default(2),
  })
  .strict()
  .default({ taskTimeoutS: 3600, minFrameMs: 0, failuresPerWorker: 2 });

export const FramesPayloadSchema = z
  .object({
    caseDir: z.string().min(1),
    recipe: RenderRecipeSchema,
    range: z.object({ from: z.number().int().min(0), to: z.number().int().min(0) }).strict(),
    farm: FarmSettingsSchema,
  })
  .strict();
export type FramesPayload = z.output<typeof FramesPayloadSchema>;

/** One frame as the farm records it. */
export interface FrameRecord {
  n: number;
  sha256: string;
  size: number;
  renderClass: string;
  worker: string;
  /** Octree nodes and points drawn (every node the budget selected: render mode draws nothing less). */
  nodes: number;
  points: number;
}

export interface FramesResult {
  range: { from: number; to: number };
  frames: FrameRecord[];
  /** Every node that drew a frame of this chunk. */
  nodes: RenderIdentity[];
  resolved: { colorMode: string; edl: boolean } | null;
}

const FRAME_LINE =
  /^frame (\d+) sha256 ([0-9a-f]{64}) size (\d+) class (rc-[0-9a-f]{12}) nodes (\d+) points (\d+) worker (\S+)$/;
const NODE_LINE = /^render node (\{.*\})$/;

export function frameLine(f: FrameRecord): string {
  return `frame ${f.n} sha256 ${f.sha256} size ${f.size} class ${f.renderClass} nodes ${f.nodes} points ${f.points} worker ${f.worker}`;
}

/** Frames and nodes an earlier attempt left in the log. */
export function readFramesLog(lines: readonly string[]): {
  frames: Map<number, FrameRecord>;
  nodes: Map<string, RenderIdentity>;
} {
  const frames = new Map<number, FrameRecord>();
  const nodes = new Map<string, RenderIdentity>();
  for (const line of lines) {
    const f = FRAME_LINE.exec(line);
    if (f)
      frames.set(Number(f[1]), {
        n: Number(f[1]),
        sha256: f[2]!,
        size: Number(f[3]),
        renderClass: f[4]!,
        nodes: Number(f[5]),
        points: Number(f[6]),
        worker: f[7]!,
      });
    const n = NODE_LINE.exec(line);
    if (n) {
      const id = JSON.parse(n[1]!) as RenderIdentity;
      nodes.set(id.worker, id);
    }
  }
  return { frames, nodes };
}

/** Refuses a node whose render class or viewer bundle differs from the recipe's pins: another node may fit. */
export function checkPins(recipe: Pick<RenderRecipe, 'renderClass' | 'viewerBundle'>, me: RenderIdentity): void {
  const wrong: string[] = [];
  if (recipe.renderClass && recipe.renderClass !== me.renderClass)
    wrong.push(
      `render class ${me.renderClass}, not the ${recipe.renderClass} the recipe pins (${me.engine}, ${me.webglRenderer})`,
    );
  if (recipe.viewerBundle && recipe.viewerBundle !== me.viewerBundle)
    wrong.push(
      `viewer bundle ${me.viewerBundle.slice(0, 16)}…, not the ${recipe.viewerBundle.slice(0, 16)}… the recipe pins (another Vestige version)`,
    );
  if (wrong.length === 0) return;
  throw new VestigeError(
    'E_RENDER_CLASS_MISMATCH',
    `Worker ${me.worker} has ${wrong.join(' and ')}: its frames would not be the recipe's.`,
    {
      hint: 'Run the job on a node of that render class and version (its canary hash is in `vestige worker` output), or drop the pin to accept frames of any class (provenance names the class of each frame).',
      details: { declineWorker: true, worker: me.worker, renderClass: me.renderClass, viewerBundle: me.viewerBundle },
    },
  );
}

/** Width and height from a PNG's IHDR, or null when the bytes are not a PNG. */
function pngSize(png: Buffer): { width: number; height: number } | null {
  if (png.length < 24 || png.readUInt32BE(0) !== 0x89504e47 || png.toString('latin1', 12, 16) !== 'IHDR') return null;
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

async function renderChunk(node: RenderNode, p: FramesPayload, ctx: JobContext): Promise<FramesResult> {
  const store = CaseStore.open(p.caseDir);
  try {
    recipeScene(store, p.recipe);
    const all = recipeFrames(p.recipe);
    if (p.range.from < all.from || p.range.to > all.to || p.range.from > p.range.to)
      throw new VestigeError(
        'E_RECIPE_INVALID',
        `Chunk ${p.range.from}–${p.range.to} is outside the recipe's frames ${all.from}–${all.to}.`,
      );
    const me = await node.identity();
    checkPins(p.recipe, me);
    const earlier = readFramesLog(await ctx.history());
    const frames = new Map<number, FrameRecord>();
    for (const [n, f] of earlier.frames)
      if (n >= p.range.from && n <= p.range.to && (await store.blobs.verify(f.sha256).catch(() => false)))
        frames.set(n, f);
    const total = p.range.to - p.range.from + 1;
    const missing = Array.from({ length: total }, (_, i) => p.range.from + i).filter((n) => !frames.has(n));
    ctx.log(`render node ${JSON.stringify(me)}`);
    if (frames.size > 0)
      ctx.log(
        `${frames.size} of ${total} frames were drawn by an earlier attempt and are kept; drawing ${missing.length}`,
      );
    const { width, height } = p.recipe.resolution;
    const resolved = await node.renderFrames(p.caseDir, p.recipe, missing, ctx.signal, async (n, png, stats) => {
      const size = pngSize(png);
      if (!size || size.width !== width || size.height !== height)
        throw new VestigeError(
          'E_RENDER_FAILED',
          `frame ${n} came back as ${size ? `${size.width} × ${size.height}` : 'no PNG'}, not ${width} × ${height}.`,
        );
      const ms = stats.loadMs + stats.drawMs + stats.encodeMs;
      if (ms < p.farm.minFrameMs)
        throw new VestigeError(
          'E_RENDER_FAILED',
          `frame ${n} took ${ms.toFixed(0)} ms, under the minimum render time of ${p.farm.minFrameMs} ms: treated as a failed render.`,
        );
      const digests = await store.blobs.putBuffer(png);
      if (digests.sha256 !== createHash('sha256').update(png).digest('hex'))
        throw new VestigeError('E_CASE_WRITE', `frame ${n} was not stored intact`);
      const f: FrameRecord = {
        n,
        sha256: digests.sha256,
        size: digests.size,
        renderClass: me.renderClass,
        worker: me.worker,
        nodes: stats.nodes,
        points: stats.points,
      };
      frames.set(n, f);
      ctx.log(frameLine(f));
      ctx.progress(frames.size / total, `frame ${n} rendered (${frames.size}/${total})`);
    });
    const ordered = [...frames.values()].sort((a, b) => a.n - b.n);
    const nodes = new Map(earlier.nodes);
    nodes.set(me.worker, me);
    const used = new Set(ordered.map((f) => f.worker));
    return { range: p.range, frames: ordered, nodes: [...nodes.values()].filter((n) => used.has(n.worker)), resolved };
  } finally {
    store.close();
  }
}

export function framesJob(node: () => RenderNode) {
  return defineJobType({
    id: 'render.frames',
    requires: 'render',
    schema: FramesPayloadSchema,
    timeoutMs: (p) => p.farm.taskTimeoutS * 1000,
    failuresPerWorker: (p) => p.farm.failuresPerWorker,
    run: (p, ctx) => renderChunk(node(), p, ctx),
  });
}
