import { z } from 'zod';
import type { CaseStore, Item } from '@vestige/evidence';
import { defineJobType } from '@vestige/jobs';
import { DEFAULT_FACE_THRESHOLDS, FaceAnalyser, type FaceThresholds } from '../models/face-analyser.ts';
import {
  PROPOSAL_NOTICE,
  VISION_ANNOTATION,
  backendFacts,
  cacheKey,
  encodeFloats,
  round2,
  round6,
} from '../records.ts';
import { sharedVisionPool, type VisionWorkerPool } from '../worker/pool.ts';
import type { FoundFace } from '../worker/protocol.ts';
import { inCase } from '../batch-jobs.ts';

/**
 * One face in an image, as stored under `vision.faces`: its number in the image, and the descriptor as base64 of its
 * 128 little-endian float32 values (exact).
 */
export type StoredFace = Omit<FoundFace, 'descriptor'> & { readonly face: number; readonly descriptor: string | null };

/** Stored under `vision.faces` on each analysed image. */
export interface FacesAnnotation {
  readonly notice: string;
  readonly models: ReturnType<typeof FaceAnalyser.models>;
  readonly backend: Record<string, unknown>;
  readonly thresholds: FaceThresholds;
  readonly cacheKey: string;
  readonly input: {
    width: number;
    height: number;
    format: string;
    pixelsSha256: string;
    analysedWidth: number;
    analysedHeight: number;
  } | null;
  readonly faces: readonly StoredFace[];
  readonly error?: { code: string; message: string };
}

export interface FindFacesOptions {
  readonly operator: string;
  readonly pool: VisionWorkerPool;
  readonly thresholds?: FaceThresholds;
  readonly force?: boolean;
}

export interface FindFacesReport {
  readonly analysed: number;
  readonly cached: number;
  readonly faces: number;
  readonly groupable: number;
  readonly failed: ReadonlyArray<{ itemId: string; code: string; message: string }>;
}

const PREPARATION = {
  decode: 'sharp: upright, flatten on black, sRGB 8-bit, longer side at most 1280',
  ssd: 'letterbox 512 top-left, black',
};

/** A face's reference across the case: item id and its face number, e.g. `I-000012#0`. */
export function faceRef(itemId: string, face: number): string {
  return `${itemId}#${face}`;
}

/**
 * Finds faces in a batch of images on the worker pool and records each image's faces (boxes, scores,
 * the second detector's confirmation, landmarks and descriptors) as a `vision.faces` annotation, one
 * custody event each, in one transaction. Damaged images are recorded with their error; the batch goes on.
 */
export async function findFaces(
  store: CaseStore,
  itemIds: readonly string[],
  options: FindFacesOptions,
): Promise<FindFacesReport> {
  const thresholds = options.thresholds ?? DEFAULT_FACE_THRESHOLDS;
  const { backend } = await options.pool.loadFaces(thresholds);
  const models = FaceAnalyser.models();
  const todo: Array<{ item: Item; key: string }> = [];
  let cached = 0;
  for (const id of itemIds) {
    const item = store.item(id);
    const key = cacheKey({ input: item.sha256, models, preparation: { ...PREPARATION, thresholds }, backend });
    const existing = store.annotations(id)[VISION_ANNOTATION.faces] as FacesAnnotation | undefined;
    if (!options.force && existing?.cacheKey === key && !existing.error) cached++;
    else todo.push({ item, key });
  }
  const results = todo.length
    ? await options.pool.facesInFiles(
        thresholds,
        todo.map(({ item }) => ({
          path: store.blobs.pathOf(item.sha256),
          sha256: item.sha256,
          label: `${item.id} (${item.name})`,
        })),
      )
    : [];
  const report = {
    analysed: 0,
    cached,
    faces: 0,
    groupable: 0,
    failed: [] as Array<{ itemId: string; code: string; message: string }>,
  };
  const base = { notice: PROPOSAL_NOTICE, models, backend: backendFacts(backend), thresholds };
  store.transaction(() => {
    results.forEach((r, i) => {
      const { item, key } = todo[i]!;
      if ('error' in r) {
        report.failed.push({ itemId: item.id, code: r.error.code, message: r.error.message });
        store.setAnnotation(
          item.id,
          VISION_ANNOTATION.faces,
          {
            ...base,
            cacheKey: key,
            input: null,
            faces: [],
            error: { code: r.error.code, message: r.error.message },
          } satisfies FacesAnnotation,
          options.operator,
        );
        return;
      }
      const faces: StoredFace[] = r.faces.map((f, face) => ({
        face,
        box: f.box.map(round2) as unknown as readonly [number, number, number, number],
        score: round6(f.score),
        confirmation: f.confirmation === null ? null : round6(f.confirmation),
        groupable: f.groupable,
        landmarks: f.landmarks ? f.landmarks.map(([x, y]) => [round2(x), round2(y)] as const) : null,
        descriptor: f.descriptor ? encodeFloats(f.descriptor) : null,
      }));
      report.analysed++;
      report.faces += faces.length;
      report.groupable += faces.filter((f) => f.groupable).length;
      const input = {
        width: r.width,
        height: r.height,
        format: r.format,
        pixelsSha256: r.pixelsSha256,
        analysedWidth: r.analysedWidth,
        analysedHeight: r.analysedHeight,
      };
      store.setAnnotation(
        item.id,
        VISION_ANNOTATION.faces,
        { ...base, cacheKey: key, input, faces } satisfies FacesAnnotation,
        options.operator,
      );
    });
  });
  return report;
}

export const facesPayload = z
  .object({
    caseDir: z.string().min(1),
    itemIds: z
      .array(z.string().regex(/^I-\d+$/))
      .min(1)
      .max(10_000),
    operator: z.string().min(1),
    force: z.boolean().optional(),
  })
  .strict();

/** Finds faces in a batch of images on whichever node runs it (local queue or a `vestige worker`). */
export const facesJob = defineJobType({
  id: 'vision.faces',
  schema: facesPayload,
  run: (payload) =>
    inCase(payload.caseDir, (store) =>
      findFaces(store, payload.itemIds, {
        operator: payload.operator,
        pool: sharedVisionPool(),
        ...(payload.force ? { force: true } : {}),
      }),
    ),
});
