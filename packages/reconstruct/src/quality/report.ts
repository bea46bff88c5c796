/**
 * The quality report of one reconstruction: what went in, what was placed and what was not (with reasons), how
 * well the model fits its own observations, its scale and levelling with their residuals, the stated uncertainty,
 * and what a re-run can and cannot be expected to repeat.
 */
import type { MeasurementUncertaintyStatement } from '@vestige/scene';
import type { CameraGroup, EngineCommand, EngineIdentity } from '../engine.ts';
import type { ReconstructionSettings } from '../settings.ts';
import type { PhotoOutcome } from './rejections.ts';
import type { ReprojectionStats, TrackStats } from './reprojection.ts';

export interface CameraSummary {
  readonly folder: string;
  readonly label: string;
  readonly model: string;
  readonly width: number;
  readonly height: number;
  readonly params: readonly number[];
  readonly focalPx: number;
  readonly priorFocalPx?: number;
  readonly priorSource?: string;
}

export interface ScaleSummary {
  readonly label: string;
  readonly knownMetres: number;
  readonly modelDistance: number;
  readonly factor: number;
  /** RMS reprojection error of the picks of each end at its triangulated position (px). */
  readonly endResidualsPx: [number, number];
  readonly relativeStandardUncertainty: number;
  readonly checks: ReadonlyArray<{ label: string; knownMetres: number; measuredMetres: number; relativeError: number }>;
}

export interface LevelSummary {
  readonly levelled: boolean;
  readonly gravityFromPhotos: { readonly spreadDegrees: number };
  readonly floor?: { readonly inliers: number; readonly rmsMetres: number; readonly tiltDegrees: number };
  readonly note?: string;
}

/** Tolerances within which a re-run of the same inputs and settings must agree, by geometry, never by hash. */
export const RERUN_TOLERANCES = {
  /** Camera positions, after a rigid alignment, as a fraction of the camera path length. */
  cameraPositions: 0.005,
  /** Relative difference of the scale factor (the same known distance, re-picked in the new model). */
  scale: 0.01,
  /** Registered photos may differ by at most this fraction. */
  registered: 0.05,
} as const;

export const REPRODUCIBILITY_STATEMENT =
  'COLMAP is not byte-identical between runs, even with a fixed seed: its threads finish in varying order and floating-point sums differ. ' +
  'What is repeatable is recorded: the input photos by SHA-256, the selected video frames, the settings, the engine version and every command line. ' +
  `A re-run is validated by its geometry, never by its hash: camera positions within ${RERUN_TOLERANCES.cameraPositions * 100} % of the camera path length after a rigid alignment, the scale within ${RERUN_TOLERANCES.scale * 100} %, and the registered photos within ${RERUN_TOLERANCES.registered * 100} %.`;

export interface QualityReport {
  readonly photos: { readonly given: number; readonly registered: number; readonly outcomes: readonly PhotoOutcome[] };
  readonly reprojection: ReprojectionStats;
  readonly tracks: TrackStats;
  readonly points: number;
  readonly cameras: readonly CameraSummary[];
  readonly cameraPathLength: number;
  readonly scale?: ScaleSummary;
  readonly level: LevelSummary;
  readonly uncertainty?: MeasurementUncertaintyStatement;
  readonly uncertaintyNote?: string;
  readonly settings: ReconstructionSettings;
  readonly matching: 'exhaustive' | 'sequential';
  readonly engine: EngineIdentity;
  readonly commands: readonly EngineCommand[];
  readonly conversions: Record<string, string>;
  readonly reproducibility: { readonly statement: string; readonly tolerances: typeof RERUN_TOLERANCES };
}

export function cameraSummaries(
  groups: readonly CameraGroup[],
  cameras: ReadonlyArray<{ folder: string; model: string; width: number; height: number; params: readonly number[] }>,
): CameraSummary[] {
  return cameras.map((c) => {
    const group = groups.find((g) => g.folder === c.folder);
    return {
      folder: c.folder,
      label: group?.label ?? 'unknown camera',
      model: c.model,
      width: c.width,
      height: c.height,
      params: c.params,
      focalPx: c.params[0]!,
      ...(group?.priorFocalPx ? { priorFocalPx: group.priorFocalPx, priorSource: group.priorSource! } : {}),
    };
  });
}

/** Plain-words lines for the terminal and the court report. */
export function summariseReport(r: QualityReport): string[] {
  const rejected = r.photos.outcomes.filter((o) => !o.registered);
  const lines = [
    `photos: ${r.photos.registered} of ${r.photos.given} registered${rejected.length ? `; not used: ${rejected.map((o) => `${o.name} (${o.reason})`).join('; ')}` : ''}`,
    `points: ${r.points}; mean track length ${r.tracks.mean.toFixed(2)}; reprojection error mean ${r.reprojection.meanPx.toFixed(3)} px, RMS ${r.reprojection.rmsPx.toFixed(3)} px over ${r.reprojection.observations} observations`,
    ...r.cameras.map(
      (c) =>
        `camera ${c.folder} (${c.label}): ${c.model} ${c.width}×${c.height}, focal ${c.focalPx.toFixed(2)} px${c.priorFocalPx ? ` (EXIF prior ${c.priorFocalPx.toFixed(2)} px)` : ''}`,
    ),
  ];
  if (r.scale) {
    lines.push(
      `scale: ×${r.scale.factor.toPrecision(7)} from '${r.scale.label}' (${r.scale.knownMetres} m; ends fit their picks to ${r.scale.endResidualsPx.map((e) => e.toFixed(2)).join(' and ')} px)`,
    );
    for (const c of r.scale.checks)
      lines.push(
        `check: '${c.label}' known ${c.knownMetres} m, measured ${c.measuredMetres.toFixed(4)} m (${(c.relativeError * 100).toFixed(2)} %)`,
      );
  } else lines.push('scale: none (no known distance given): distances in this scene have no unit');
  lines.push(
    r.level.levelled && r.level.floor
      ? `levelled to the floor: ${r.level.floor.inliers} points, RMS ${(r.level.floor.rmsMetres * 1000).toFixed(1)} mm, turned ${r.level.floor.tiltDegrees.toFixed(2)}°`
      : `not levelled: ${r.level.note ?? 'not asked'}`,
  );
  if (r.uncertainty)
    lines.push(
      `uncertainty: ± (${(r.uncertainty.relative * 100).toFixed(2)} % + ${(r.uncertainty.absoluteMetres * 1000).toFixed(1)} mm) (k = 2)`,
    );
  else if (r.uncertaintyNote) lines.push(`uncertainty: ${r.uncertaintyNote}`);
  return lines;
}
