import { availableParallelism } from 'node:os';
import type { CaseStore, Item } from '@vestige/evidence';
import { canonicalJson, isVestigeError } from '@vestige/evidence';
import { bytesToHex } from '../hex.ts';
import { decodeImage } from '../image/decode.ts';
import { pdqHash, PDQ_VERSION } from '../perceptual/pdq-hasher.ts';
import { dHasher } from '../perceptual/dhash.ts';
import { pHasher } from '../perceptual/phash.ts';
import { ANNOTATION, type PdqAnnotation, type SimpleHashAnnotation } from './annotations.ts';
import { hashVideo, type VideoHash } from '../video/vpdq.ts';
import { hashVideoVpdq } from '../video/vpdq-reference.ts';
import type { VpdqFrameHash } from '../sets/types.ts';

export interface HashCaseOptions {
  readonly operator: string;
  /** Re-hash items that already carry hashes of the current versions. */
  readonly force?: boolean;
  /** Only these items (a batch of a farm job), in case order; default every item of the kind. */
  readonly itemIds?: readonly string[];
  /** Images decoded at once (default: one per core). */
  readonly concurrency?: number;
  readonly onProgress?: (done: number, total: number, item: Item) => void;
}

export interface HashCaseReport {
  readonly images: number;
  readonly hashed: number;
  readonly alreadyHashed: number;
  readonly failed: Array<{ itemId: string; name: string; code: string; message: string }>;
}

/**
 * Computes PDQ, pHash and dHash for every still image in the case and stores them as item
 * annotations (one custody event each). Blobs are read through the store's verified read, so a
 * hash is never computed over bytes that no longer match the evidence. An image that cannot be
 * decoded is recorded (annotation `hashing.error`) and skipped; the rest go on.
 */
export async function hashCaseImages(store: CaseStore, options: HashCaseOptions): Promise<HashCaseReport> {
  const items = caseItems(store, 'image/', options.itemIds);
  const report = { images: items.length, hashed: 0, alreadyHashed: 0, failed: [] as HashCaseReport['failed'] };
  const todo: Item[] = [];
  for (const item of items) {
    const existing = store.annotations(item.id);
    const pdq = existing[ANNOTATION.pdq] as PdqAnnotation | undefined;
    const current =
      pdq?.version === PDQ_VERSION &&
      (existing[ANNOTATION.phash] as SimpleHashAnnotation | undefined)?.version === pHasher.version;
    if (current && !options.force) report.alreadyHashed++;
    else todo.push(item);
  }
  // Decoding runs on libvips' own threads, so a few images in flight keep every core busy; results
  // are written in item order so the custody log reads the same on every run.
  const inFlight = Math.max(1, options.concurrency ?? availableParallelism());
  let done = report.alreadyHashed;
  for (let i = 0; i < todo.length; i += inFlight) {
    const batch = todo.slice(i, i + inFlight);
    const results = await Promise.all(batch.map((item) => hashOne(store, item).catch((err: unknown) => err)));
    store.transaction(() => {
      batch.forEach((item, k) => {
        const r = results[k];
        if (r instanceof Error || !r) {
          if (!isVestigeError(r)) throw r;
          report.failed.push({ itemId: item.id, name: item.name, code: r.code, message: r.message });
          const error = { code: r.code, message: r.message, pdqVersion: PDQ_VERSION };
          // Every `match` retries undecodable images; the same failure is recorded once, not once per run.
          if (canonicalJson(store.annotations(item.id)[ANNOTATION.error] ?? null) !== canonicalJson(error))
            store.setAnnotation(item.id, ANNOTATION.error, error, options.operator);
          return;
        }
        const v = r as Awaited<ReturnType<typeof hashOne>>;
        store.setAnnotation(item.id, ANNOTATION.pdq, v.pdq, options.operator);
        store.setAnnotation(item.id, ANNOTATION.phash, v.phash, options.operator);
        store.setAnnotation(item.id, ANNOTATION.dhash, v.dhash, options.operator);
        report.hashed++;
      });
    });
    for (const item of batch) options.onProgress?.(++done, items.length, item);
  }
  return report;
}

/** The case's items of one media kind, or those of them a batch names. */
function caseItems(store: CaseStore, mediaTypePrefix: string, itemIds: readonly string[] | undefined): Item[] {
  const items = store.items({ mediaTypePrefix });
  if (!itemIds) return items;
  const wanted = new Set(itemIds);
  return items.filter((item) => wanted.has(item.id));
}

async function hashOne(
  store: CaseStore,
  item: Item,
): Promise<{ pdq: PdqAnnotation; phash: SimpleHashAnnotation; dhash: SimpleHashAnnotation }> {
  const pixels = await decodeImage(await store.blobs.read(item.sha256), item.name);
  const r = pdqHash(pixels);
  return {
    pdq: {
      hex: bytesToHex(r.hash),
      quality: r.quality,
      version: PDQ_VERSION,
      width: pixels.width,
      height: pixels.height,
    },
    phash: { hex: bytesToHex(pHasher.hash(pixels).bits), version: pHasher.version },
    dhash: { hex: bytesToHex(dHasher.hash(pixels).bits), version: dHasher.version },
  };
}

/** Stored under `hashing.vpdq`. */
export interface VpdqAnnotation extends VideoHash {
  readonly version: string;
}

export const VPDQ_VERSION = `${PDQ_VERSION}+vpdq-1`;

/** Stored under `hashing.vpdq-frames`: the reference's vPDQ of the video (`hashVideoVpdq`). */
export interface VpdqFramesAnnotation {
  readonly version: string;
  readonly secondsPerHash: number;
  readonly frames: VpdqFrameHash[];
}

/** Version of the reference-style frame hashes (accurate-rounding YUV → RGB, see hashVideoVpdq). */
export const VPDQ_FRAMES_VERSION = `${PDQ_VERSION}+vpdq-reference-2`;

/**
 * vPDQ-style hashes (PDQ of one frame per second, consecutive near-duplicates collapsed) for every
 * video item, stored under `hashing.vpdq`. ffmpeg reads the blob file in place (videos are not read
 * into memory); `vestige verify` is what proves the blob still matches its hash.
 */
export async function hashCaseVideos(
  store: CaseStore,
  options: HashCaseOptions & { fps?: number },
): Promise<HashCaseReport> {
  return hashEachVideo(store, options, ANNOTATION.vpdq, VPDQ_VERSION, async (path, item) => ({
    ...(await hashVideo(path, { label: item.name, ...(options.fps ? { fps: options.fps } : {}) })),
    version: VPDQ_VERSION,
  }));
}

/**
 * The reference's vPDQ (one frame hash per `secondsPerHash`, default 1 as python-threatexchange) of
 * every video item, stored under `hashing.vpdq-frames`: what a set entry's video hash is matched
 * against, with the reference's metric.
 */
export async function hashCaseVideoFrames(
  store: CaseStore,
  options: HashCaseOptions & { secondsPerHash?: number },
): Promise<HashCaseReport> {
  const secondsPerHash = options.secondsPerHash ?? 1;
  return hashEachVideo(
    store,
    options,
    ANNOTATION.vpdqFrames,
    VPDQ_FRAMES_VERSION,
    async (path, item) => ({
      version: VPDQ_FRAMES_VERSION,
      secondsPerHash,
      frames: await hashVideoVpdq(path, { secondsPerHash, label: item.name }),
    }),
    (existing) => (existing as VpdqFramesAnnotation).secondsPerHash === secondsPerHash,
  );
}

/**
 * Hashes every video item not yet carrying `annotation` at `version` (and, if given, `stillValid`),
 * one annotation (a custody event) each; a video ffmpeg cannot read is reported and skipped.
 */
async function hashEachVideo(
  store: CaseStore,
  options: HashCaseOptions,
  annotation: string,
  version: string,
  compute: (path: string, item: Item) => Promise<object>,
  stillValid: (existing: object) => boolean = () => true,
): Promise<HashCaseReport> {
  const items = caseItems(store, 'video/', options.itemIds);
  const report = { images: items.length, hashed: 0, alreadyHashed: 0, failed: [] as HashCaseReport['failed'] };
  let done = 0;
  for (const item of items) {
    const existing = store.annotations(item.id)[annotation] as { version?: string } | undefined;
    if (existing?.version === version && stillValid(existing) && !options.force) report.alreadyHashed++;
    else {
      try {
        store.setAnnotation(
          item.id,
          annotation,
          await compute(store.blobs.pathOf(item.sha256), item),
          options.operator,
        );
        report.hashed++;
      } catch (err) {
        if (!isVestigeError(err)) throw err;
        report.failed.push({ itemId: item.id, name: item.name, code: err.code, message: err.message });
      }
    }
    options.onProgress?.(++done, items.length, item);
  }
  return report;
}
