import type { CaseStore, Item } from '@vestige/evidence';
import type { QueueBackend } from '@vestige/jobs';
import { runInBatches } from '../batch-jobs.ts';
import { PROPOSAL_NOTICE, VISION_ANNOTATION, VISION_RECORDS } from '../records.ts';
import type { ScoreReport, TriageAnnotation } from './score-items.ts';
import { triageJob, type TriagePayload } from './triage-job.ts';

export interface ReviewOrder {
  readonly notice: string;
  readonly model: TriageAnnotation['model'] | null;
  /** The backend the scores were computed on (from the first scored item). */
  readonly backend: TriageAnnotation['backend'] | null;
  /** Highest priority first; ties keep the case's item order. */
  readonly order: ReadonlyArray<{ readonly rank: number; readonly itemId: string; readonly priority: number }>;
  readonly notScored: ReadonlyArray<{ readonly itemId: string; readonly code: string; readonly message: string }>;
}

export interface TriageCaseOptions {
  readonly operator: string;
  /** Where the scoring jobs run: the local queue (this process) or BullMQ (worker nodes). */
  readonly queue: QueueBackend;
  /** Items per job (default 32: big enough for batched inference, small enough to spread over workers). */
  readonly batchSize?: number;
  readonly framesPerVideo?: number;
  readonly force?: boolean;
  readonly classifier?: string;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface TriageCaseReport {
  readonly items: number;
  readonly scored: number;
  readonly cached: number;
  readonly failed: ScoreReport['failed'];
  readonly order: ReviewOrder;
}

/** The originals a triage run scores: every stored image and video. */
export function triageCandidates(store: CaseStore): Item[] {
  return store
    .items({ kind: 'original' })
    .filter((i) => i.mediaType.startsWith('image/') || i.mediaType.startsWith('video/'));
}

/**
 * Scores every original image and video of a case as jobs of `batchSize` items on the given queue,
 * then records the review order (case record `vision.triage/review-order`, a custody event). The order
 * only says what to look at first; nothing is categorised.
 */
export async function triageCase(store: CaseStore, options: TriageCaseOptions): Promise<TriageCaseReport> {
  const items = triageCandidates(store);
  const reports = await runInBatches<ScoreReport>(
    options.queue,
    triageJob.id,
    items.map((i) => i.id),
    options.batchSize ?? 32,
    (itemIds): TriagePayload => ({
      caseDir: store.dir,
      operator: options.operator,
      itemIds,
      ...(options.framesPerVideo ? { framesPerVideo: options.framesPerVideo } : {}),
      ...(options.force ? { force: true } : {}),
      ...(options.classifier ? { classifier: options.classifier } : {}),
    }),
    options.onProgress,
  );
  const order = reviewOrder(store);
  store.putRecord(VISION_RECORDS.triage, 'review-order', order, options.operator, 'vision.review-order');
  return {
    items: items.length,
    scored: reports.reduce((s, r) => s + r.scored, 0),
    cached: reports.reduce((s, r) => s + r.cached, 0),
    failed: reports.flatMap((r) => r.failed),
    order,
  };
}

/** The review order from the stored scores: highest priority first, then case order; unscored items listed apart. */
export function reviewOrder(store: CaseStore): ReviewOrder {
  const annotated = store.annotated(VISION_ANNOTATION.triage) as Array<{ item: Item; value: TriageAnnotation }>;
  const scored = annotated.filter((a) => a.value.priority !== null);
  const ranked = scored
    .map((a, seq) => ({ itemId: a.item.id, priority: a.value.priority!, seq }))
    .sort((a, b) => b.priority - a.priority || a.seq - b.seq);
  return {
    notice: PROPOSAL_NOTICE,
    model: scored[0]?.value.model ?? null,
    backend: scored[0]?.value.backend ?? null,
    order: ranked.map((r, i) => ({ rank: i + 1, itemId: r.itemId, priority: r.priority })),
    notScored: annotated
      .filter((a) => a.value.error)
      .map((a) => ({ itemId: a.item.id, code: a.value.error!.code, message: a.value.error!.message })),
  };
}
