import type { CaseStore } from '@vestige/evidence';
import type { QueueBackend } from '@vestige/jobs';
import { runInBatches } from '../batch-jobs.ts';
import { proposeFaceGroups, type FaceGroup } from './face-groups.ts';
import { facesJob, type FindFacesReport } from './find-faces.ts';

export interface FacesCaseOptions {
  readonly operator: string;
  readonly queue: QueueBackend;
  /** Images per job (default 16). */
  readonly batchSize?: number;
  readonly force?: boolean;
  /** Descriptor distance for grouping (default FACE_GROUP_DISTANCE). */
  readonly threshold?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface FacesCaseReport {
  readonly images: number;
  readonly analysed: number;
  readonly cached: number;
  readonly faces: number;
  readonly groupable: number;
  readonly failed: FindFacesReport['failed'];
  readonly proposed: readonly FaceGroup[];
  readonly kept: readonly FaceGroup[];
}

/** Finds faces in every original still image of the case (as jobs), then proposes groups of the same person. */
export async function facesCase(store: CaseStore, options: FacesCaseOptions): Promise<FacesCaseReport> {
  const images = store.items({ kind: 'original', mediaTypePrefix: 'image/' });
  const reports = await runInBatches<FindFacesReport>(
    options.queue,
    facesJob.id,
    images.map((i) => i.id),
    options.batchSize ?? 16,
    (itemIds) => ({
      caseDir: store.dir,
      operator: options.operator,
      itemIds,
      ...(options.force ? { force: true } : {}),
    }),
    options.onProgress,
  );
  const groups = proposeFaceGroups(store, {
    operator: options.operator,
    ...(options.threshold ? { threshold: options.threshold } : {}),
  });
  const sum = (k: 'analysed' | 'cached' | 'faces' | 'groupable') => reports.reduce((s, r) => s + r[k], 0);
  return {
    images: images.length,
    analysed: sum('analysed'),
    cached: sum('cached'),
    faces: sum('faces'),
    groupable: sum('groupable'),
    failed: reports.flatMap((r) => r.failed),
    proposed: groups.proposed,
    kept: groups.kept,
  };
}
