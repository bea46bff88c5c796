/**
 * What a render records: the chain scan → tiles → frames → video by hash. The derivation's inputs are
 * the scene's tiles (and the builder's tile hashes when the manifest has them); its steps name the
 * manifest hash, camera path, recipe, viewer bundle, every render node (class, canary, Chromium, WebGL
 * renderer) with the frames it drew, every frame's SHA-256 and decoded-pixel SHA-256, and the encoder's
 * command line; its outputs are the video and the lossless master.
 */
import type { ProvenanceInput, ProvenanceStep } from '@vestige/evidence';
import { CAMERA_PATH_DESCRIPTION, CAMERA_PATH_INTERPOLATION, type SceneManifest } from '@vestige/scene';
import type { EncodeOutput, EncodeSettings } from './encode.ts';
import type { FrameRecord } from './frames-job.ts';
import type { RenderRecipe } from './recipe.ts';
import type { RenderIdentity } from './render-node.ts';

export const RENDER_VERSION = '1';
export const RENDER_ACTIVITY = 'render.video';
export const STILL_ACTIVITY = 'render.still';
export const REPORT_ACTIVITY = 'render.report';

/** A layer's builder tile hashes (issue 19), when the manifest has them. */
export function tileHashesOf(
  layer: SceneManifest['layers'][number],
): { sha256: string; size: number; root: string } | undefined {
  return (layer as { tileHashes?: { sha256: string; size: number; root: string } }).tileHashes;
}

/** The scene's blobs a render reads: each point layer's three Potree files (and tile hashes), each mesh. */
export function sceneInputs(manifest: SceneManifest): ProvenanceInput[] {
  const inputs: ProvenanceInput[] = [];
  for (const layer of manifest.layers) {
    if (layer.type === 'pointcloud') {
      for (const [name, ref] of Object.entries(layer.files))
        inputs.push({ sha256: ref.sha256, role: `tiles:${layer.id}:${name}` });
      const hashes = tileHashesOf(layer);
      if (hashes) inputs.push({ sha256: hashes.sha256, role: `tile-hashes:${layer.id}` });
    } else if (layer.type === 'mesh') inputs.push({ sha256: layer.file.sha256, role: `mesh:${layer.id}` });
  }
  return inputs;
}

/** Contiguous frame ranges per render class and worker, e.g. `0–23`, for the report and provenance. */
export function framesByNode(
  frames: readonly FrameRecord[],
): Array<{ renderClass: string; worker: string; ranges: string; count: number }> {
  const groups = new Map<string, { renderClass: string; worker: string; frames: number[] }>();
  for (const f of frames) {
    const key = `${f.renderClass} ${f.worker}`;
    const g = groups.get(key) ?? { renderClass: f.renderClass, worker: f.worker, frames: [] };
    g.frames.push(f.n);
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => ({
    renderClass: g.renderClass,
    worker: g.worker,
    ranges: ranges(g.frames),
    count: g.frames.length,
  }));
}

function ranges(ns: number[]): string {
  const out: string[] = [];
  const sorted = [...ns].sort((a, b) => a - b);
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    out.push(i === j ? String(sorted[i]) : `${sorted[i]}–${sorted[j]}`);
    i = j + 1;
  }
  return out.join(', ');
}

export interface RenderFacts {
  recipe: RenderRecipe;
  manifest: SceneManifest;
  frames: FrameRecord[];
  nodes: RenderIdentity[];
  resolved: { colorMode: string; edl: boolean } | null;
}

export function describeFrames(f: RenderFacts): string {
  const r = f.recipe;
  const classes = new Set(f.frames.map((x) => x.renderClass));
  return (
    `Rendered ${f.frames.length} frame${f.frames.length === 1 ? '' : 's'} of ${r.resolution.width} × ${r.resolution.height} pixels of scene '${f.manifest.name}' (${r.sceneId}, manifest SHA-256 ${r.manifestSha256}) ` +
    `with the Vestige viewer's own drawing code in headless Chromium, in render mode: a fixed drawing size at pixel ratio 1, no antialiasing, ` +
    `every octree node the point budget (${r.pointBudget.toLocaleString('en-GB')} points, screen error ${r.maxScreenError} px) selects for the camera loaded and checked against its hash before the one draw, draw order by node name, no clock. ` +
    `Colour ${f.resolved?.colorMode ?? r.colorMode}, eye-dome lighting ${f.resolved ? (f.resolved.edl ? 'on' : 'off') : r.edl.enabled}, points ${r.point.shape} of at least ${r.point.size} px. ` +
    `Camera: ${CAMERA_PATH_DESCRIPTION} ` +
    `Each frame is a PNG stored under its SHA-256. ${classes.size === 1 ? `All frames come from one render class (${[...classes][0]}).` : `Frames come from ${classes.size} render classes; the list says which frame came from which.`}`
  );
}

export function framesStep(f: RenderFacts): ProvenanceStep {
  return {
    operation: 'render.frames',
    version: RENDER_VERSION,
    parameters: {
      recipe: f.recipe,
      manifestSha256: f.recipe.manifestSha256,
      cameraPath: f.recipe.cameraPath,
      interpolation: CAMERA_PATH_INTERPOLATION,
      resolved: f.resolved,
      viewerBundles: [...new Set(f.nodes.map((n) => n.viewerBundle))],
      renderNodes: f.nodes,
      framesByNode: framesByNode(f.frames),
      frames: f.frames.map((x) => ({
        n: x.n,
        sha256: x.sha256,
        size: x.size,
        renderClass: x.renderClass,
        worker: x.worker,
        nodes: x.nodes,
        points: x.points,
      })),
    },
    description: describeFrames(f),
  };
}

export function encodeStep(settings: EncodeSettings, out: EncodeOutput): ProvenanceStep {
  return {
    operation: 'render.encode',
    version: RENDER_VERSION,
    parameters: {
      ...settings,
      ffmpegVersion: out.ffmpeg.version,
      ffmpegArgs: out.ffmpeg.args,
      framePixelsSha256: out.framePixels,
      videoFrames: out.videoFrames,
      video: out.video.sha256,
      master: out.master?.sha256 ?? null,
    },
    description:
      `Encoded the ${out.videoFrames} frames in order at ${settings.fps} frames per second as H.264 (libx264, CRF ${settings.crf}, preset ${settings.preset}, 4 threads, yuv420p, BT.709, fast start for court players)` +
      (out.master ? ' and as a lossless FFV1 master (RGB)' : '') +
      `; ffmpeg decoded the result and found ${out.videoFrames} frames` +
      (out.master ? ', and the master decodes to exactly the pixels of every frame, each once, in order.' : '.'),
  };
}
