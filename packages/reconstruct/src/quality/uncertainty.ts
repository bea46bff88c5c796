/**
 * The uncertainty stated for distances measured in a reconstructed scene: ± (relative × distance + absolute),
 * an expanded uncertainty with coverage factor k = 2 (about 95 %), following the GUM (JCGM 100:2008) way of
 * combining independent standard uncertainties in quadrature.
 *
 * - Relative part: the scale. Its standard uncertainty is the triangulation uncertainty of the scale distance's two
 *   ends along the line (pixel noise propagated through the picks, Σ = σ²(JᵀJ)⁻¹), divided by the distance; when
 *   further known distances were given as checks, their RMS relative error is added in quadrature, so a scale that
 *   disagrees with the checks widens the statement.
 * - Absolute part: where a picked scene point lies. The median, over the model's points, of a point's standard
 *   positional uncertainty from its own observations (same propagation), twice for the two ends of a distance
 *   (√2), times the scale.
 * σ (pixel noise per axis) is the model's RMS reprojection error divided by √2.
 */
import type { MeasurementUncertaintyStatement } from '@vestige/scene';
import { triangulate } from '../geometry/triangulate.ts';
import type { SparseModel } from '../model/sparse-model.ts';
import type { ScaleSolution } from '../scale/known-distance.ts';
import { posedCamera } from './reprojection.ts';

const K = 2;
/** Points sampled for the positional uncertainty: enough for a stable median, bounded cost. */
const SAMPLE_POINTS = 2000;

/** Median standard positional uncertainty of a model point, per axis, in model units per pixel of noise. */
export function medianPointSigma(model: SparseModel): number {
  const observers = new Map<number, Array<{ imageId: number; x: number; y: number }>>();
  for (const image of model.images.values()) {
    for (const o of image.observations) {
      const list = observers.get(o.pointId);
      if (list) list.push({ imageId: image.id, x: o.x, y: o.y });
      else observers.set(o.pointId, [{ imageId: image.id, x: o.x, y: o.y }]);
    }
  }
  const ids = [...observers.keys()].sort((a, b) => a - b);
  const step = Math.max(1, Math.floor(ids.length / SAMPLE_POINTS));
  const sigmas: number[] = [];
  for (let i = 0; i < ids.length; i += step) {
    const obs = observers.get(ids[i]!)!;
    if (obs.length < 2) continue;
    try {
      const t = triangulate(
        obs.map((o) => ({ camera: posedCamera(model, model.images.get(o.imageId)!), x: o.x, y: o.y })),
      );
      const c = t.unitCovariance;
      if (Number.isFinite(c[0]!)) sigmas.push(Math.sqrt((c[0]! + c[4]! + c[8]!) / 3));
    } catch {
      // A degenerate track (rays nearly parallel) says nothing about the typical point; skip it.
    }
  }
  sigmas.sort((a, b) => a - b);
  return sigmas[Math.floor(sigmas.length / 2)] ?? 0;
}

export function statedUncertainty(
  model: SparseModel,
  rmsReprojectionPx: number,
  scale: ScaleSolution,
  pointSigmaPerPx: number,
): MeasurementUncertaintyStatement {
  const sigmaPx = rmsReprojectionPx / Math.SQRT2;
  const scaleRelative = (scale.scaleBy.unitSigma * sigmaPx) / scale.scaleBy.model;
  const checks = scale.checks.map((c) => c.relativeError);
  const checkRms = checks.length ? Math.sqrt(checks.reduce((s, e) => s + e * e, 0) / checks.length) : 0;
  const relative = K * Math.hypot(scaleRelative, checkRms);
  const absoluteMetres = K * Math.SQRT2 * pointSigmaPerPx * sigmaPx * scale.factor;
  const basis =
    // The ± figures themselves are written by the scene core's describeUncertainty (one wording for the
    // CLI, the server, the viewer and the reports); the basis says only where they come from.
    'Expanded uncertainty (k = 2, about 95 %) for a distance between two points of this reconstruction. ' +
    `Relative part: the scale from '${scale.scaleBy.label || 'the known distance'}' (${scale.scaleBy.known} m; its ends triangulated with ${(scaleRelative * 100).toPrecision(2)} % standard uncertainty)` +
    (checks.length
      ? `, combined with the RMS error ${(checkRms * 100).toPrecision(2)} % of ${checks.length} check distance(s)`
      : ', with no check distance given') +
    `. Absolute part: the median positional uncertainty of the model's ${model.points.size} points (from pixel noise σ = ${sigmaPx.toPrecision(2)} px, the RMS reprojection error / √2), for two ends. ` +
    'It does not cover picking the wrong point, or parts of the scene that moved between photos.';
  return { relative, absoluteMetres, basis };
}
