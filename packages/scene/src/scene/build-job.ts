/**
 * `scene.build`: a scene built from scans already stored in the case, as a job, so the scans of a large case are
 * built on farm nodes. It runs `buildScene`, the same code as `vestige scene build`: each item's verified blob is
 * linked into a private folder under the item's own name, so the reader is chosen as for the original file and the
 * manifest names the inputs as the officer knows them. For the same scans, options and build time the manifest,
 * and so its hash, is the one the command writes.
 */
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { defineJobType, inJobCase, payloadItems, verifiedItemPath } from '@vestige/evidence';
import { buildScene } from './build-scene.ts';
import { manifestSha256 } from './manifest-hash.ts';

export const sceneBuildPayload = z
  .object({
    caseDir: z.string().min(1),
    /** The scan or model items to build from (files; a COLMAP folder is not an item: build it with the command). */
    itemIds: z.array(z.string().min(1)).min(1).max(1000),
    operator: z.string().min(1),
    /** The build time written into the manifest and provenance (ISO 8601); default when the job runs. */
    builtAt: z.iso.datetime({ offset: true }).optional(),
    name: z.string().min(1).optional(),
    id: z.string().min(1).optional(),
    format: z.string().min(1).optional(),
    units: z.enum(['m', 'cm', 'mm', 'ft', 'in', 'unknown']).optional(),
    scale: z.number().positive().optional(),
    maxLeafPoints: z.number().int().positive().optional(),
    sampling: z.enum(['grid', 'poisson']).optional(),
    workers: z.number().int().positive().optional(),
  })
  .strict();

export const sceneBuildJob = defineJobType({
  id: 'scene.build',
  schema: sceneBuildPayload,
  run: ({ caseDir, itemIds, operator, builtAt, ...options }, ctx) =>
    inJobCase(caseDir, async (store) => {
      const items = payloadItems(store, 'scene.build', itemIds);
      const folder = fs.mkdtempSync(join(tmpdir(), 'vestige-scene-job-'));
      try {
        const inputs: string[] = [];
        for (const [i, item] of items.entries()) {
          // One sub-folder per input: two items may share a name.
          const link = join(folder, String(i), item.name.replace(/[/\\]/g, '_'));
          fs.mkdirSync(join(folder, String(i)));
          fs.symlinkSync(await verifiedItemPath(store, item), link);
          inputs.push(link);
        }
        const result = await buildScene(store, {
          inputs,
          operator,
          now: builtAt ? new Date(builtAt) : new Date(),
          ...options,
          signal: ctx.signal,
          onProgress: (message) => ctx.log(message),
        });
        return {
          sceneId: result.manifest.id,
          manifestSha256: manifestSha256(result.manifest),
          provenanceId: result.provenanceId,
          points: result.octree?.points ?? 0,
        };
      } finally {
        fs.rmSync(folder, { recursive: true, force: true });
      }
    }),
});
