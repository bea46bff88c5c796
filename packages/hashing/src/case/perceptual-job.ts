/**
 * `hashing.perceptual`: perceptual hashing of a batch of case items as a job, so the images and videos of a large
 * seizure are hashed across farm nodes. It runs `hashCaseImages` and `hashCaseVideos`, the same code as
 * `vestige phash --case`, limited to the batch: the hashes are stored as the same item annotations.
 */
import { z } from 'zod';
import { defineJobType, inJobCase, payloadItems } from '@vestige/evidence';
import { ANNOTATION, type PdqAnnotation } from './annotations.ts';
import { hashCaseImages, hashCaseVideos } from './hash-items.ts';

export const perceptualHashPayload = z
  .object({
    caseDir: z.string().min(1),
    itemIds: z.array(z.string().min(1)).min(1).max(10_000),
    operator: z.string().min(1),
    /** Re-hash items that already carry hashes of the current versions. */
    force: z.boolean().optional(),
  })
  .strict();

export const perceptualHashJob = defineJobType({
  id: 'hashing.perceptual',
  schema: perceptualHashPayload,
  run: (p, ctx) =>
    inJobCase(p.caseDir, async (store) => {
      const items = payloadItems(store, 'hashing.perceptual', p.itemIds, {
        mediaTypePrefixes: ['image/', 'video/'],
        what: 'an image or a video',
      });
      const ids = (prefix: string) => items.filter((i) => i.mediaType.startsWith(prefix)).map((i) => i.id);
      const options = { operator: p.operator, ...(p.force ? { force: true } : {}) };
      const images = await hashCaseImages(store, {
        ...options,
        itemIds: ids('image/'),
        onProgress: (done) => ctx.progress(done / items.length),
      });
      ctx.signal.throwIfAborted();
      const videos = ids('video/').length
        ? await hashCaseVideos(store, { ...options, itemIds: ids('video/') })
        : { images: 0, hashed: 0, alreadyHashed: 0, failed: [] };
      const pdq = Object.fromEntries(
        ids('image/').map((id) => [
          id,
          (store.annotations(id)[ANNOTATION.pdq] as PdqAnnotation | undefined)?.hex ?? null,
        ]),
      );
      return { images, videos, pdq };
    }),
});
