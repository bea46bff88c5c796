/**
 * A render recipe: everything that decides a frame's pixels, as plain JSON checked by a schema. With the
 * scene's tiles (named by the manifest hash), the viewer bundle and the render class, it is the whole
 * input of a frame: same recipe ⇒ same bytes. Defaults are filled in by the schema, so the recipe stored
 * in provenance states every value that was used.
 */
import { z } from 'zod';
import { CameraPathSchema } from '@vestige/scene';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lower-case hex SHA-256');
const vec3 = z.tuple([z.number(), z.number(), z.number()]);

/** The largest frame side: SwiftShader's (and most GPUs') largest renderbuffer. */
export const MAX_FRAME_SIDE = 8192;

const side = z.number().int().min(16).max(MAX_FRAME_SIDE);

export const RenderSettingsSchema = z.object({
  /** The scene, and the SHA-256 of its manifest (canonical JSON) as the case holds it: the tiles by hash. */
  sceneId: z.string().min(1).max(200),
  manifestSha256: sha256,
  resolution: z.object({ width: side, height: side }).strict(),
  pointBudget: z.number().int().min(10_000).max(100_000_000).default(2_000_000),
  /** Refine an octree node while its point spacing covers more than this many pixels (the viewer's default). */
  maxScreenError: z.number().positive().max(100).default(1.5),
  point: z
    .object({
      /** Smallest point drawn, pixels. */
      size: z.number().positive().max(64).default(2),
      /** Point size as a multiple of the node's point spacing on screen. */
      sizeFactor: z.number().positive().max(10).default(1.2),
      shape: z.enum(['circle', 'square']).default('circle'),
    })
    .strict()
    .default({ size: 2, sizeFactor: 1.2, shape: 'circle' }),
  /** 'auto' is the viewer's own choice: RGB when the scene has colour, else intensity or none. */
  colorMode: z.enum(['auto', 'rgb', 'intensity', 'height', 'uniform']).default('auto'),
  edl: z
    .object({
      enabled: z.union([z.boolean(), z.literal('auto')]).default('auto'),
      strength: z.number().min(0).max(10).default(1),
      radius: z.number().min(0.5).max(10).default(1.4),
    })
    .strict()
    .default({ enabled: 'auto', strength: 1, radius: 1.4 }),
  /** Burned-in overlays, each opt-in. */
  overlays: z
    .object({
      caseReference: z.boolean().default(false),
      frameNumber: z.boolean().default(false),
      time: z.boolean().default(false),
      scaleBar: z.boolean().default(false),
    })
    .strict()
    .default({ caseReference: false, frameNumber: false, time: false, scaleBar: false }),
  /** Pins: refuse to render unless the worker's render class / viewer bundle is this one. */
  renderClass: z
    .string()
    .regex(/^rc-[0-9a-f]{12}$/)
    .optional(),
  viewerBundle: sha256.optional(),
});

export const RenderRecipeSchema = RenderSettingsSchema.extend({
  cameraPath: CameraPathSchema,
  /** Frames to render, inclusive (default: the whole path). */
  frames: z
    .object({ from: z.number().int().min(0), to: z.number().int().min(0) })
    .strict()
    .optional(),
}).strict();

/** A still: one camera instead of a path (a path of one keyframe inside). */
export const StillRecipeSchema = RenderSettingsSchema.extend({
  camera: z.object({ position: vec3, target: vec3, fov: z.number().positive().lt(180).default(60) }).strict(),
}).strict();

export type RenderRecipe = z.output<typeof RenderRecipeSchema>;
export type RenderRecipeInput = z.input<typeof RenderRecipeSchema>;
export type StillRecipe = z.output<typeof StillRecipeSchema>;
export type RenderSettings = z.output<typeof RenderSettingsSchema>;

/** The still as the one-frame path the viewer's render mode draws. */
export function stillAsRecipe(still: StillRecipe): RenderRecipe {
  const { camera, ...settings } = still;
  return {
    ...settings,
    cameraPath: {
      id: 'still',
      name: 'still',
      fps: 1,
      keyframes: [{ position: camera.position, target: camera.target, fov: camera.fov, time: 0 }],
    },
    frames: { from: 0, to: 0 },
  };
}
