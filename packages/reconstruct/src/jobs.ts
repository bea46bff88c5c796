/**
 * Reconstruction as jobs: sparse runs on any node; dense requires the `cuda` capability, so on BullMQ it waits for
 * a `vestige worker --capability cuda` and on the embedded queue of a machine without CUDA it is refused with a
 * typed error that says where it can run.
 */
import { z } from 'zod';
import { CaseStore } from '@vestige/evidence';
import { defineJobType } from '@vestige/jobs';
import { denseReconstruction } from './dense.ts';
import { reconstruct } from './reconstruct.ts';

const sparsePayload = z
  .object({
    caseDir: z.string().min(1),
    operator: z.string().min(1),
    photos: z.array(z.string().min(1)).optional(),
    video: z
      .object({ itemId: z.string().min(1), keyframes: z.record(z.string(), z.number()).optional() })
      .strict()
      .optional(),
    settings: z.record(z.string(), z.unknown()).optional(),
    knownDistances: z.array(z.unknown()).optional(),
    level: z.boolean().optional(),
    name: z.string().optional(),
  })
  .strict();

export const reconstructSparseJob = defineJobType({
  id: 'reconstruct.sparse',
  schema: sparsePayload,
  async run(p, ctx) {
    const store = CaseStore.open(p.caseDir);
    try {
      const result = await reconstruct(store, {
        operator: p.operator,
        now: () => new Date(),
        ...(p.photos ? { photos: p.photos } : {}),
        ...(p.video ? { video: p.video } : {}),
        ...(p.settings ? { settings: p.settings } : {}),
        ...(p.knownDistances ? { knownDistances: p.knownDistances as never } : {}),
        ...(p.level === undefined ? {} : { level: p.level }),
        ...(p.name ? { name: p.name } : {}),
        signal: ctx.signal,
        onProgress: (m) => ctx.log(m),
      });
      return {
        reconstructionId: result.id,
        sceneId: result.sceneId,
        registered: result.report.photos.registered,
        given: result.report.photos.given,
        uncertainty: result.report.uncertainty ?? null,
      };
    } finally {
      store.close();
    }
  },
});

export const reconstructDenseJob = defineJobType({
  id: 'reconstruct.dense',
  requires: 'cuda',
  schema: z
    .object({ caseDir: z.string().min(1), reconstructionId: z.string().min(1), operator: z.string().min(1) })
    .strict(),
  async run(p, ctx) {
    const store = CaseStore.open(p.caseDir);
    try {
      const result = await denseReconstruction(store, p.reconstructionId, {
        operator: p.operator,
        now: () => new Date(),
        signal: ctx.signal,
        onProgress: (m) => ctx.log(m),
      });
      return { sceneId: result.sceneId, points: result.points };
    } finally {
      store.close();
    }
  },
});
