/**
 * `reconstruct`: photos (or a video's keyframes) of a case → a scene in the same case, with a camera pose per
 * photo, a sparse point cloud, metric scale from a known distance, levelled to the floor, and a quality report
 * with the stated uncertainty of distances measured in it.
 *
 * Nothing touches the case until the engine has succeeded and every number is computed: the engine works in a
 * temp folder, and a failure there leaves the case as it was (video keyframes, when asked for, are stored first
 * as ordinary derived frame items, with their own provenance). Then, in order: the model files and the report
 * as blobs with one provenance record, the scene (built by the scene package from the model), its scale and
 * level adjustments, the stated uncertainty, and the reconstruction record. Each is a custody event.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VestigeError, type CaseStore } from '@vestige/evidence';
import { fitFloorPlane, type MeasurementUncertaintyStatement } from '@vestige/scene';
import type { KeyframeParams } from '@vestige/video';
import type { ReconstructionEngine, SparseResult } from './engine.ts';
import { colmapEngine } from './colmap/engine.ts';
import { applyMatrix, type Vec3 } from './geometry/rotation.ts';
import type { PosedCamera } from './geometry/projection.ts';
import { cameraCentre, readSparseModel, writeRotatedModel, type SparseModel } from './model/sparse-model.ts';
import { preparePhotos, type PreparedPhotos } from './prepare/photos.ts';
import { selectKeyframes, type SelectedFrames } from './prepare/video.ts';
import { medianPointSigma, statedUncertainty } from './quality/uncertainty.ts';
import { photoOutcomes } from './quality/rejections.ts';
import { posedCamera, reprojectionStats, trackStats } from './quality/reprojection.ts';
import {
  cameraSummaries,
  REPRODUCIBILITY_STATEMENT,
  RERUN_TOLERANCES,
  type LevelSummary,
  type QualityReport,
  type ScaleSummary,
} from './quality/report.ts';
import { estimateGravity, type GravityEstimate } from './scale/gravity.ts';
import { parseKnownDistances, solveScale, type KnownDistance, type ScaleSolution } from './scale/known-distance.ts';
import { parseSettings, type ReconstructionSettingsInput } from './settings.ts';
import { storeReconstruction, type StoredReconstruction } from './store.ts';

export interface ReconstructOptions {
  readonly operator: string;
  /** Clock for provenance and records (operations never read it themselves). */
  readonly now: () => Date;
  /** Photo items, in order. */
  readonly photos?: readonly string[];
  /** A video item: its keyframes are the photos. */
  readonly video?: { readonly itemId: string; readonly keyframes?: Partial<KeyframeParams> };
  readonly settings?: ReconstructionSettingsInput;
  /** The first sets the scale; the others are checks. */
  readonly knownDistances?: readonly KnownDistance[];
  /** Level to the floor (default true). */
  readonly level?: boolean;
  readonly name?: string;
  readonly engine?: ReconstructionEngine;
  readonly tempDir?: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (message: string) => void;
}

export type ReconstructionResult = StoredReconstruction;

/** Everything computed from the engine's output before anything is written to the case. */
export interface ReconstructionAnalysis {
  readonly sparse: SparseResult;
  readonly model: SparseModel;
  readonly orientedModelDir: string;
  readonly gravity: GravityEstimate;
  readonly scale?: ScaleSolution;
  /** Scale endpoints in the oriented (scene source) frame. */
  readonly scaleEnds?: [Vec3, Vec3];
  readonly floorTolerance: number;
  readonly report: QualityReport;
  readonly uncertainty?: MeasurementUncertaintyStatement;
}

function cameraLookup(
  model: SparseModel,
  prepared: PreparedPhotos,
  store: CaseStore,
): (photo: string) => PosedCamera | undefined {
  const byName = new Map<string, PosedCamera>();
  for (const image of model.images.values()) {
    const p = prepared.images.find((i) => i.name === image.name);
    if (!p) continue;
    const camera = posedCamera(model, image);
    for (const key of [image.name, p.itemId, p.sha256, store.item(p.itemId).name])
      if (!byName.has(key)) byName.set(key, camera);
  }
  return (photo) => byName.get(photo);
}

function pathLength(model: SparseModel): number {
  const centres = [...model.images.values()].sort((a, b) => a.name.localeCompare(b.name)).map((i) => cameraCentre(i));
  let length = 0;
  for (let i = 1; i < centres.length; i++)
    length += Math.hypot(
      centres[i]![0] - centres[i - 1]![0],
      centres[i]![1] - centres[i - 1]![1],
      centres[i]![2] - centres[i - 1]![2],
    );
  return length;
}

function checkFloor(model: SparseModel, gravity: GravityEstimate, factor: number, tolerance: number): LevelSummary {
  const points = [...model.points.values()].map(
    (p) => applyMatrix(gravity.rotation, p.xyz).map((v) => v * factor) as Vec3,
  );
  try {
    const plane = fitFloorPlane(points, { tolerance, seed: 1 });
    return {
      levelled: true,
      gravityFromPhotos: { spreadDegrees: gravity.spreadDegrees },
      floor: {
        inliers: plane.inliers,
        rmsMetres: plane.rms,
        tiltDegrees: (Math.acos(Math.min(1, plane.normal[2])) * 180) / Math.PI,
      },
    };
  } catch (err) {
    return {
      levelled: false,
      gravityFromPhotos: { spreadDegrees: gravity.spreadDegrees },
      note: `no floor found (${(err as Error).message}); the scene is turned so that the photos' mean up is up`,
    };
  }
}

/**
 * Reads the engine's model and computes the report, scale, orientation and uncertainty. Writes only in the workspace.
 */
export function analyseReconstruction(
  store: CaseStore,
  sparse: SparseResult,
  prepared: PreparedPhotos,
  options: ReconstructOptions,
  matching: 'exhaustive' | 'sequential',
): ReconstructionAnalysis {
  const settings = parseSettings(options.settings);
  const model = readSparseModel(sparse.textModelDir);
  const registered = new Set([...model.images.values()].map((i) => i.name));
  const itemNames = new Map(prepared.images.map((i) => [i.itemId, store.item(i.itemId).name]));
  const outcomes = [
    ...photoOutcomes(prepared.images, registered, sparse.diagnostics, sparse.otherModels, itemNames),
    ...prepared.rejected.map((r) => ({
      itemId: r.itemId,
      name: r.name,
      registered: false,
      code: r.code,
      reason: r.reason,
    })),
  ];
  if (registered.size < 2 || model.points.size === 0) {
    throw new VestigeError(
      'E_RECONSTRUCTION_FAILED',
      `The engine placed ${registered.size} photo(s) and ${model.points.size} point(s): no usable model.`,
      { details: { outcomes } },
    );
  }
  const gravity = estimateGravity(model);
  const orientedModelDir = join(sparse.textModelDir, '..', 'oriented');
  writeRotatedModel(sparse.textModelDir, orientedModelDir, gravity.rotation);
  const distances = options.knownDistances?.length ? parseKnownDistances(options.knownDistances) : [];
  const scale = distances.length ? solveScale(distances, cameraLookup(model, prepared, store)) : undefined;
  const factor = scale?.factor ?? 1;
  const floorTolerance = scale ? 0.02 : 0.005 * pathLength(model);
  const level: LevelSummary =
    options.level === false
      ? { levelled: false, gravityFromPhotos: { spreadDegrees: gravity.spreadDegrees }, note: 'not asked (--no-level)' }
      : checkFloor(model, gravity, factor, floorTolerance);
  const reprojection = reprojectionStats(model);
  const uncertainty = scale ? statedUncertainty(model, reprojection.rmsPx, scale, medianPointSigma(model)) : undefined;
  const folderOfCamera = new Map([...model.images.values()].map((i) => [i.cameraId, i.name.split('/')[0]!]));
  const scaleSummary: ScaleSummary | undefined = scale && {
    label: scale.scaleBy.label,
    knownMetres: scale.scaleBy.known,
    modelDistance: scale.scaleBy.model,
    factor: scale.factor,
    endResidualsPx: [scale.scaleBy.a.rmsPx, scale.scaleBy.b.rmsPx],
    relativeStandardUncertainty: (scale.scaleBy.unitSigma * reprojection.rmsPx) / Math.SQRT2 / scale.scaleBy.model,
    checks: scale.checks.map((c) => ({
      label: c.label,
      knownMetres: c.known,
      measuredMetres: c.measured,
      relativeError: c.relativeError,
    })),
  };
  const report: QualityReport = {
    photos: { given: outcomes.length, registered: registered.size, outcomes },
    reprojection,
    tracks: trackStats(model),
    points: model.points.size,
    cameras: cameraSummaries(
      prepared.groups,
      [...model.cameras.values()].map((c) => ({ ...c, folder: folderOfCamera.get(c.id) ?? '?' })),
    ),
    cameraPathLength: pathLength(model) * factor,
    ...(scaleSummary ? { scale: scaleSummary } : {}),
    level,
    ...(uncertainty
      ? { uncertainty }
      : {
          uncertaintyNote:
            'none stated: without a known distance the scene has no scale, so no distance measured in it has a unit',
        }),
    settings,
    matching,
    engine: sparse.engine,
    commands: sparse.commands,
    conversions: prepared.conversions,
    reproducibility: { statement: REPRODUCIBILITY_STATEMENT, tolerances: RERUN_TOLERANCES },
  };
  return {
    sparse,
    model,
    orientedModelDir,
    gravity,
    ...(scale
      ? {
          scale,
          scaleEnds: [
            applyMatrix(gravity.rotation, scale.scaleBy.a.point),
            applyMatrix(gravity.rotation, scale.scaleBy.b.point),
          ] as [Vec3, Vec3],
        }
      : {}),
    floorTolerance,
    report,
    ...(uncertainty ? { uncertainty } : {}),
  };
}

export async function reconstruct(store: CaseStore, options: ReconstructOptions): Promise<ReconstructionResult> {
  const settings = parseSettings(options.settings);
  const engine = options.engine ?? colmapEngine;
  const progress = options.onProgress ?? (() => undefined);
  if (!options.video && !options.photos?.length)
    throw new VestigeError('E_USAGE', 'Nothing to reconstruct from.', {
      hint: 'Give photo items, or a video item with --video.',
    });
  const probe = engine.probe();
  if (!probe.available)
    throw new VestigeError('E_TOOL_MISSING', `The ${engine.id} engine is not available: ${probe.note ?? ''}`.trim(), {
      hint: 'Install COLMAP (apt-get install colmap) or set COLMAP_PATH; `vestige doctor` shows what was found.',
    });
  if (options.knownDistances?.length) parseKnownDistances(options.knownDistances);
  let frames: SelectedFrames | undefined;
  if (options.video) {
    progress('choosing keyframes');
    frames = await selectKeyframes(store, options.video.itemId, options.video.keyframes ?? {}, {
      operator: options.operator,
      now: options.now,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    progress(`${frames.itemIds.length} keyframes`);
  }
  const itemIds = [...(options.photos ?? []), ...(frames?.itemIds ?? [])];
  const matching =
    settings.matching === 'auto'
      ? frames && !options.photos?.length
        ? 'sequential'
        : 'exhaustive'
      : settings.matching;
  const workspace = await mkdtemp(join(options.tempDir ?? tmpdir(), 'vestige-reconstruct-'));
  const startedAt = options.now();
  try {
    progress('preparing photos');
    const prepared = await preparePhotos(store, itemIds, workspace, {
      shareIntrinsics: settings.shareIntrinsics,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (prepared.images.length < 2) {
      throw new VestigeError(
        'E_INPUT_INSUFFICIENT',
        `${prepared.images.length === 0 ? 'No' : 'Only one'} usable photo of ${itemIds.length}: a reconstruction needs at least two overlapping photos, in practice many more.${prepared.rejected.length ? ` Not usable: ${prepared.rejected.map((r) => `${r.name}: ${r.reason}`).join('; ')}` : ''}`,
        {
          hint: 'Photograph the scene from many places, each part in at least three photos with about two thirds overlap between neighbours.',
          details: { rejected: prepared.rejected },
        },
      );
    }
    const sparse = await engine.sparse({
      workspace,
      imageDir: prepared.imageDir,
      images: prepared.images,
      groups: prepared.groups,
      matching,
      settings,
      ...(options.signal ? { signal: options.signal } : {}),
      onProgress: (stage) => progress(`${engine.id}: ${stage}`),
    });
    progress('analysing the model');
    const analysis = analyseReconstruction(store, sparse, prepared, options, matching);
    progress('storing the scene');
    return await storeReconstruction(store, {
      analysis,
      prepared,
      frames,
      options,
      engine,
      startedAt,
      workspace,
      matching,
    });
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
}
