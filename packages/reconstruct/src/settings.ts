/**
 * Reconstruction settings: plain JSON, validated at the edge, recorded in provenance and the quality report.
 * Defaults are COLMAP's own where Vestige has no reason to differ; every difference is said here.
 */
import { z } from 'zod';
import { VestigeError, schemaProblems } from '@vestige/evidence';

export const CAMERA_MODELS = ['SIMPLE_PINHOLE', 'PINHOLE', 'SIMPLE_RADIAL', 'RADIAL', 'OPENCV'] as const;

export const ReconstructionSettingsSchema = z
  .object({
    /** COLMAP camera model; SIMPLE_RADIAL (COLMAP's default) suits most phone and compact cameras. */
    cameraModel: z.enum(CAMERA_MODELS).default('SIMPLE_RADIAL'),
    /** Largest image side SIFT works on (COLMAP default 3200). */
    maxImageSize: z.number().int().min(256).max(10_000).default(3200),
    /** SIFT features kept per image (COLMAP default 8192). Fewer is faster to match. */
    maxFeatures: z.number().int().min(256).max(65_536).default(8192),
    /**
     * `exhaustive` compares every pair of photos; `sequential` only neighbours in order (video). `auto`: exhaustive for
     * photos, sequential for video frames.
     */
    matching: z.enum(['auto', 'exhaustive', 'sequential']).default('auto'),
    /** Neighbours each frame is matched with in sequential matching (COLMAP default 10). */
    sequentialOverlap: z.number().int().min(1).max(200).default(10),
    /** Seed for COLMAP's RANSAC and sampling. COLMAP is still not bit-repeatable across thread schedules. */
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(1),
    /** Threads COLMAP may use; -1 = all cores. */
    threads: z.number().int().min(-1).max(1024).default(-1),
    /** Photos from one camera body share intrinsics (grouped by EXIF make, model, size and focal length). */
    shareIntrinsics: z.boolean().default(true),
  })
  .strict();

export type ReconstructionSettings = z.infer<typeof ReconstructionSettingsSchema>;
export type ReconstructionSettingsInput = z.input<typeof ReconstructionSettingsSchema>;

export function parseSettings(input: unknown): ReconstructionSettings {
  const parsed = ReconstructionSettingsSchema.safeParse(input ?? {});
  if (!parsed.success) {
    throw new VestigeError(
      'E_PARAM_INVALID',
      `bad reconstruction settings: ${schemaProblems(parsed.error.issues, 5, 'settings')}`,
      {
        hint: `Settings: ${Object.keys(ReconstructionSettingsSchema.shape).join(', ')}.`,
      },
    );
  }
  return parsed.data;
}
