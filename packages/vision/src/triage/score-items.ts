import { createHash } from 'node:crypto';
import { VestigeError, isVestigeError, type CaseStore, type Item, type ProvenanceStep } from '@vestige/evidence';
import { DECODE_DESCRIPTION } from '../image/decode.ts';
import type { ClassifierSpec } from '../models/keras-classifier.ts';
import { modelIdentity } from '../models/model-files.ts';
import { PROPOSAL_NOTICE, VISION_ANNOTATION, backendFacts, cacheKey, round6, visionLibraries } from '../records.ts';
import type { BackendIdentity } from '../runtime/backend.ts';
import { encodeVectorFile, VECTOR_MEDIA_TYPE, type VectorRow } from '../similar/vector-file.ts';
import { decodeVideoFrames, evenlySpacedSelection, frameSeconds, openVideo } from '../video/video-frames.ts';
import type { VisionWorkerPool } from '../worker/pool.ts';
import type { ClassifiedImage } from '../worker/protocol.ts';

export const TRIAGE_ACTIVITY = 'vision.triage';

/** Stored under `vision.triage` on each scored item. */
export interface TriageAnnotation {
  readonly notice: string;
  readonly model: ReturnType<typeof modelIdentity>;
  readonly backend: Record<string, unknown>;
  readonly cacheKey: string;
  /**
   * Sum of the probabilities of the model's review classes (for a video: its highest-scoring frame). Orders review;
   * decides nothing.
   */
  readonly priority: number | null;
  readonly scores: Record<string, number> | null;
  readonly input: { width: number; height: number; format: string; pixelsSha256: string } | null;
  readonly frames?: ReadonlyArray<{ index: number; seconds: number | null; priority: number; pixelsSha256: string }>;
  /** Where the item's embedding rows are: a vector file stored as a derived item. */
  readonly embeddings: { itemId: string; sha256: string; rows: number[] } | null;
  readonly error?: { code: string; message: string };
}

export interface ScoreOptions {
  readonly operator: string;
  readonly spec: ClassifierSpec;
  readonly pool: VisionWorkerPool;
  /** Frames sampled evenly from each video (default 8). */
  readonly framesPerVideo?: number;
  /** Re-score items whose stored scores have the same cache key. */
  readonly force?: boolean;
  readonly folder?: string;
  readonly now?: () => Date;
  readonly signal?: AbortSignal;
}

export interface ScoreReport {
  readonly scored: number;
  readonly cached: number;
  readonly failed: ReadonlyArray<{ itemId: string; code: string; message: string }>;
  readonly vectorsItemId: string | null;
}

interface Scored {
  item: Item;
  key: string;
  /** One per image; one per sampled frame for a video. */
  rows: Array<{
    result: Omit<ClassifiedImage, 'width' | 'height' | 'format'>;
    frame?: { index: number; seconds: number | null };
  }>;
  input: TriageAnnotation['input'];
}

/**
 * How an item's input is prepared (videos: which frames, scaled by ffmpeg); part of its cache key and of the
 * provenance.
 */
function preparation(spec: ClassifierSpec, item: Item | null, framesPerVideo: number) {
  const image = { decode: 'sharp: upright, flatten on black, sRGB 8-bit, fill', size: 224, scale: spec.inputScale };
  return item?.mediaType.startsWith('image/')
    ? image
    : { ...image, video: { frames: framesPerVideo, scale: 'ffmpeg lanczos fill, rgb24' } };
}

/**
 * Scores a batch of image and video items with a classifier on the worker pool and records the
 * results: one vector file (the embeddings) as a derived item with provenance, and a `vision.triage`
 * annotation per item with the scores, the model, the backend and the pixel hash of the input — all in
 * one transaction. Items that cannot be decoded are recorded with their error; the batch goes on.
 */
export async function scoreItems(
  store: CaseStore,
  itemIds: readonly string[],
  options: ScoreOptions,
): Promise<ScoreReport> {
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  const framesPerVideo = options.framesPerVideo ?? 8;
  const { backend } = await options.pool.loadClassifier(options.spec, options.folder);
  const models = modelIdentity(options.spec.model);
  const prep = preparation(options.spec, null, framesPerVideo);
  const items = itemIds.map((id) => store.item(id));
  const todo: Array<{ item: Item; key: string }> = [];
  let cached = 0;
  for (const item of items) {
    const key = cacheKey({
      input: item.sha256,
      models,
      preparation: preparation(options.spec, item, framesPerVideo),
      backend,
    });
    const existing = store.annotations(item.id)[VISION_ANNOTATION.triage] as TriageAnnotation | undefined;
    if (!options.force && existing?.cacheKey === key && !existing.error) cached++;
    else todo.push({ item, key });
  }
  const failed: Array<{ item: Item; key: string; error: { code: string; message: string } }> = [];
  const scored: Scored[] = [];
  const ffmpegArgs: string[][] = [];
  const label = (item: Item) => `${item.id} (${item.name})`;
  const images = todo.filter((t) => t.item.mediaType.startsWith('image/'));
  if (images.length > 0) {
    const results = await options.pool.classifyFiles(
      options.spec,
      images.map(({ item }) => ({ path: store.blobs.pathOf(item.sha256), sha256: item.sha256, label: label(item) })),
    );
    results.forEach((r, i) => {
      const { item, key } = images[i]!;
      if ('error' in r) failed.push({ item, key, error: { code: r.error.code, message: r.error.message } });
      else
        scored.push({
          item,
          key,
          rows: [{ result: r }],
          input: { width: r.width, height: r.height, format: r.format, pixelsSha256: r.pixelsSha256 },
        });
    });
  }
  for (const { item, key } of todo.filter((t) => t.item.mediaType.startsWith('video/'))) {
    try {
      scored.push(await scoreVideo(store, item, key, options, framesPerVideo, ffmpegArgs));
    } catch (err) {
      if (!isVestigeError(err) || err.code === 'E_CANCELLED') throw err;
      failed.push({ item, key, error: { code: err.code, message: err.message } });
    }
  }
  const vectorsItemId = await record(store, {
    scored,
    failed,
    backend,
    models,
    prep,
    ffmpegArgs,
    options,
    startedAt,
    finishedAt: now(),
  });
  return {
    scored: scored.length,
    cached,
    failed: failed.map((f) => ({ itemId: f.item.id, ...f.error })),
    vectorsItemId,
  };
}

async function scoreVideo(
  store: CaseStore,
  item: Item,
  key: string,
  options: ScoreOptions,
  count: number,
  ffmpegArgs: string[][],
): Promise<Scored> {
  const path = store.blobs.pathOf(item.sha256);
  if (!(await store.blobs.verify(item.sha256))) {
    throw new VestigeError(
      'E_BLOB_CORRUPT',
      `the stored copy of ${item.id} (${item.name}) does not match its SHA-256`,
      { file: item.id, hint: "Run 'vestige verify' on the case." },
    );
  }
  const label = `${item.id} (${item.name})`;
  const source = await openVideo(path, label);
  const frames: Array<{ ordinal: number; pixels: { width: number; height: number; data: Uint8Array } }> = [];
  const result = await decodeVideoFrames(source, label, {
    select: evenlySpacedSelection(source, count),
    scaling: { kind: 'fill', width: 224, height: 224 },
    onFrame: (f) => {
      if (f.ordinal < count) frames.push(f);
    },
    ...(options.signal ? { signal: options.signal } : {}),
  });
  ffmpegArgs.push(result.args.map((a) => (a === path ? '<source>' : a)));
  const scoredFrames = await options.pool.classifyPixels(
    options.spec,
    frames.map((f) => f.pixels),
  );
  return {
    item,
    key,
    input: null,
    rows: frames.map((f, i) => ({
      result: { ...scoredFrames[i]!, pixelsSha256: createHash('sha256').update(f.pixels.data).digest('hex') },
      frame: { index: result.selected[f.ordinal]!.index, seconds: frameSeconds(result, f.ordinal) },
    })),
  };
}

function priorityOf(spec: ClassifierSpec, p: Float32Array): number {
  return round6(spec.reviewClasses.reduce((s, c) => s + p[spec.classes.indexOf(c)]!, 0));
}

async function record(
  store: CaseStore,
  run: {
    scored: Scored[];
    failed: Array<{ item: Item; key: string; error: { code: string; message: string } }>;
    backend: BackendIdentity;
    models: ReturnType<typeof modelIdentity>;
    prep: unknown;
    ffmpegArgs: string[][];
    options: ScoreOptions;
    startedAt: Date;
    finishedAt: Date;
  },
): Promise<string | null> {
  const { spec, operator } = run.options;
  const rows: VectorRow[] = [];
  const vectors: Float32Array[] = [];
  for (const s of run.scored) {
    for (const r of s.rows) {
      rows.push({ itemId: s.item.id, sha256: s.item.sha256, ...(r.frame ? { frame: r.frame.index } : {}) });
      vectors.push(r.result.embedding);
    }
  }
  const dims = vectors[0]?.length ?? 0;
  const file =
    rows.length > 0
      ? encodeVectorFile({ dims, model: { id: run.models.id, version: run.models.version }, rows }, vectors)
      : null;
  const digests = file ? await store.blobs.putBuffer(file) : null;
  const backend = backendFacts(run.backend);
  return store.transaction(() => {
    let vectorsItem: { id: string; sha256: string } | null = null;
    if (file && digests) {
      const steps: ProvenanceStep[] = [
        { operation: 'vision.prepare-input', version: '1', parameters: run.prep, description: DECODE_DESCRIPTION },
        ...(run.ffmpegArgs.length
          ? [
              {
                operation: 'vision.video-frames',
                version: '1',
                parameters: { ffmpegArgs: run.ffmpegArgs },
                description:
                  'Frames spread evenly over each video were decoded and scaled by ffmpeg (command lines as run).',
              },
            ]
          : []),
        {
          operation: 'vision.classify',
          version: spec.model.version,
          parameters: {
            model: run.models,
            backend,
            outputs: { scores: spec.outputLayer, embedding: spec.embeddingLayer },
          },
          description: `${spec.model.description} ${PROPOSAL_NOTICE}`,
          reference: spec.model.source,
        },
      ];
      const recorded = store.recordDerivation({
        activity: TRIAGE_ACTIVITY,
        inputs: run.scored.map((s) => ({ sha256: s.item.sha256, itemId: s.item.id, role: 'scored' })),
        steps,
        outputs: [
          {
            digests,
            name: `embeddings-${run.models.id}-${run.scored[0]!.item.id}-${rows.length}.vec`,
            mediaType: VECTOR_MEDIA_TYPE,
            metadata: { kind: 'vision-embeddings', model: run.models, dims, rows: rows.length },
          },
        ],
        libraries: visionLibraries(run.backend),
        operator,
        startedAt: run.startedAt,
        finishedAt: run.finishedAt,
      });
      vectorsItem = { id: recorded.items[0]!.id, sha256: recorded.items[0]!.sha256 };
    }
    let row = 0;
    for (const s of run.scored) {
      const perRow = s.rows.map((r) => ({ r, row: row++, priority: priorityOf(spec, r.result.probabilities) }));
      const top = [...perRow].sort((a, b) => b.priority - a.priority || a.row - b.row)[0]!;
      const value: TriageAnnotation = {
        notice: PROPOSAL_NOTICE,
        model: run.models,
        backend,
        cacheKey: s.key,
        priority: top.priority,
        scores: Object.fromEntries(spec.classes.map((c, i) => [c, round6(top.r.result.probabilities[i]!)])),
        input: s.input,
        ...(s.rows[0]?.frame
          ? {
              frames: perRow.map((p) => ({
                index: p.r.frame!.index,
                seconds: p.r.frame!.seconds,
                priority: p.priority,
                pixelsSha256: p.r.result.pixelsSha256,
              })),
            }
          : {}),
        embeddings: vectorsItem
          ? { itemId: vectorsItem.id, sha256: vectorsItem.sha256, rows: perRow.map((p) => p.row) }
          : null,
      };
      store.setAnnotation(s.item.id, VISION_ANNOTATION.triage, value, operator);
    }
    for (const f of run.failed) {
      const value: TriageAnnotation = {
        notice: PROPOSAL_NOTICE,
        model: run.models,
        backend,
        cacheKey: f.key,
        priority: null,
        scores: null,
        input: null,
        embeddings: null,
        error: f.error,
      };
      store.setAnnotation(f.item.id, VISION_ANNOTATION.triage, value, operator);
    }
    return vectorsItem?.id ?? null;
  });
}
