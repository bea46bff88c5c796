import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { VestigeError } from '@vestige/evidence';
import { inCase } from '../batch-jobs.ts';
import { defineJobType } from '@vestige/jobs';
import { NSFW_CLASSIFIER } from '../models/classifiers.ts';
import type { ClassifierSpec } from '../models/keras-classifier.ts';
import { sharedVisionPool } from '../worker/pool.ts';
import { scoreItems } from './score-items.ts';

export const triagePayload = z
  .object({
    caseDir: z.string().min(1),
    itemIds: z
      .array(z.string().regex(/^I-\d+$/))
      .min(1)
      .max(10_000),
    operator: z.string().min(1),
    framesPerVideo: z.number().int().min(1).max(256).optional(),
    force: z.boolean().optional(),
    /** A classifier spec file (JSON) for a model a lab plugs in from disk; the default is NSFWJS MobileNetV2. */
    classifier: z.string().min(1).optional(),
  })
  .strict();

export type TriagePayload = z.infer<typeof triagePayload>;

/** Reads a lab's classifier spec: a `ClassifierSpec` whose model lives in a folder, with every file's SHA-256. */
export function loadClassifierSpec(path: string | undefined): ClassifierSpec {
  if (!path) return NSFW_CLASSIFIER;
  let spec: ClassifierSpec;
  try {
    spec = JSON.parse(readFileSync(path, 'utf8')) as ClassifierSpec;
  } catch (err) {
    throw new VestigeError('E_PARAM_INVALID', `${path} is not a readable classifier spec (JSON)`, {
      file: path,
      cause: err,
    });
  }
  if (!spec?.model || !('folder' in (spec.model.location ?? {})) || !Array.isArray(spec.classes) || !spec.model.files) {
    throw new VestigeError(
      'E_PARAM_INVALID',
      `${path}: a classifier spec needs model.location.folder, model.files (with SHA-256) and classes`,
      { file: path },
    );
  }
  return spec;
}

/**
 * Scores a batch of items for review priority on whichever node runs it (the local queue or a
 * `vestige worker` on BullMQ); the models run on the process's vision worker pool.
 */
export const triageJob = defineJobType({
  id: 'vision.triage',
  schema: triagePayload,
  run: (payload, ctx) =>
    inCase(payload.caseDir, (store) =>
      scoreItems(store, payload.itemIds, {
        operator: payload.operator,
        spec: loadClassifierSpec(payload.classifier),
        pool: sharedVisionPool(),
        ...(payload.framesPerVideo ? { framesPerVideo: payload.framesPerVideo } : {}),
        ...(payload.force ? { force: true } : {}),
        signal: ctx.signal,
      }),
    ),
});
