/**
 * Measurements on a scene: the one implementation the CLI, the server and the viewer all call.
 *
 * Points are picked and stored in the source frame; values are computed in the displayed frame (after
 * the scene was scaled and levelled, +Z up) in double precision, in the scene's units. When the manifest
 * states a measurement uncertainty (reconstructed scenes), every result carries its ± as well.
 */
import { VestigeError } from '@vestige/evidence/errors';
import { toDisplayed, type SceneFrame } from './frames.ts';
import { ANGLE_UNIT, METRES_PER_UNIT, areaUnit, formatQuantity, lengthUnit, type SceneUnits } from './units.ts';
import { cross, distance, dot, length, sub, type Vec3 } from './vector.ts';

export const MEASUREMENT_KINDS = ['distance', 'polyline', 'height', 'angle', 'area'] as const;
export type MeasurementKind = (typeof MEASUREMENT_KINDS)[number];

/** How many points each kind takes; polylines and areas take more until the officer finishes them. */
export const POINTS_NEEDED: Readonly<Record<MeasurementKind, { readonly min: number; readonly max: number }>> = {
  distance: { min: 2, max: 2 },
  polyline: { min: 2, max: Infinity },
  height: { min: 2, max: 2 },
  angle: { min: 3, max: 3 },
  area: { min: 3, max: Infinity },
};

/**
 * What each kind of measurement means, in the words a report and an export give a court. The height
 * convention is decided here, once: signed, from the first point to the second.
 */
export const MEASUREMENT_DEFINITIONS: Readonly<Record<MeasurementKind, string>> = {
  distance: 'Distance: the straight-line length between the two picked points.',
  polyline:
    'Polyline: the sum of the straight lengths between consecutive picked points, in the order they were picked.',
  height:
    'Height: the vertical difference from the first picked point to the second, along the up (Z) axis of the levelled scene; positive when the second point is higher than the first, negative when it is lower. Horizontal offset between the points is not counted.',
  angle:
    'Angle: the angle at the second picked point between the lines to the first and the third point, from 0° to 180°.',
  area: "Area: the area of the polygon through the picked points in the order picked, closed back to the first point, measured in the polygon's own plane (Newell's method).",
};

/** The uncertainty a scene states for its measurements (`SceneManifest.measurementUncertainty`). */
export interface StatedUncertainty {
  /** Fraction of a measured length, e.g. 0.002 for 0.2 %. */
  readonly relative: number;
  /** Added to every length, in metres, e.g. 0.005 for 5 mm. */
  readonly absoluteMetres: number;
  /** Where the figures come from (reprojection error, check distances, the scanner's specification). */
  readonly basis: string;
}

/** A measured value's ± in its own unit, and where it comes from. */
export interface MeasurementUncertainty {
  readonly plusMinus: number;
  readonly basis: string;
}

export interface MeasurementResult {
  readonly kind: MeasurementKind;
  /** Displayed frame, in `unit`. */
  readonly value: number;
  /** `m`, `m²`, `°` … (see units.ts). */
  readonly unit: string;
  /** Present when the scene states a measurement uncertainty. */
  readonly uncertainty?: MeasurementUncertainty;
}

/** What a measurement needs of the scene: its frame, units and stated uncertainty. */
export interface MeasuredScene extends SceneFrame {
  readonly units: SceneUnits;
  readonly measurementUncertainty?: StatedUncertainty | undefined;
}

/** Why `count` points do not make a measurement of `kind`, or null when they do. */
export function pointCountProblem(kind: MeasurementKind, count: number): string | null {
  const { min, max } = POINTS_NEEDED[kind];
  if (count >= min && count <= max) return null;
  const needs = min === max ? `exactly ${min}` : `at least ${min}`;
  return `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind} measurement needs ${needs} points, not ${count}`;
}

function polylineLength(points: readonly Vec3[], closed: boolean): number {
  let sum = 0;
  for (let i = 1; i < points.length; i++) sum += distance(points[i - 1]!, points[i]!);
  if (closed && points.length > 2) sum += distance(points[points.length - 1]!, points[0]!);
  return sum;
}

/** Area of a planar (or nearly planar) polygon in 3D: half the length of Newell's normal. */
function polygonArea(points: readonly Vec3[]): number {
  let nx = 0,
    ny = 0,
    nz = 0;
  const o = points[0]!;
  for (let i = 0; i < points.length; i++) {
    const [px, py, pz] = sub(points[i]!, o);
    const [qx, qy, qz] = sub(points[(i + 1) % points.length]!, o);
    nx += py * qz - pz * qy;
    ny += pz * qx - px * qz;
    nz += px * qy - py * qx;
  }
  return Math.hypot(nx, ny, nz) / 2;
}

/** Angle at `vertex`, degrees. atan2 of |u×v| and u·v stays accurate near 0° and 180°, unlike acos. */
function angleAt(a: Vec3, vertex: Vec3, c: Vec3): number {
  const u = sub(a, vertex);
  const v = sub(c, vertex);
  if (length(u) === 0 || length(v) === 0) {
    throw new VestigeError(
      'E_PARAM_INVALID',
      'An angle needs two arms: the second point coincides with the first or the third.',
      { hint: 'Pick three distinct points; the angle is at the second.' },
    );
  }
  return (Math.atan2(length(cross(u, v)), dot(u, v)) * 180) / Math.PI;
}

function valueOf(kind: MeasurementKind, p: readonly Vec3[]): number {
  switch (kind) {
    case 'distance':
      return distance(p[0]!, p[1]!);
    case 'polyline':
      return polylineLength(p, false);
    case 'height':
      return p[1]![2] - p[0]![2];
    case 'angle':
      return angleAt(p[0]!, p[1]!, p[2]!);
    case 'area':
      return polygonArea(p);
  }
}

/**
 * The ± of a value from the stated uncertainty, added linearly (the conservative bound): a length L is
 * ±(a + r·L); a polyline adds that per segment; an area A with perimeter P is ±(a·P + 2r·A) (each edge
 * may move by the absolute part, and a scale error counts twice in an area); an angle is ±(atan(a/|u|) +
 * atan(a/|v|)) for arms u and v (a scale error does not change an angle).
 */
function uncertaintyOf(
  kind: MeasurementKind,
  p: readonly Vec3[],
  value: number,
  units: SceneUnits,
  stated: StatedUncertainty,
): MeasurementUncertainty {
  const perUnit = METRES_PER_UNIT[units];
  if (perUnit === null && stated.absoluteMetres !== 0)
    throw new VestigeError(
      'E_SCENE_INVALID',
      'The scene states a measurement uncertainty in metres but its units are unknown.',
      { hint: 'Scale the scene first (`vestige scene scale`), or state the uncertainty after scaling.' },
    );
  const a = stated.absoluteMetres === 0 ? 0 : stated.absoluteMetres / perUnit!;
  const r = stated.relative;
  let plusMinus: number;
  switch (kind) {
    case 'distance':
    case 'height':
      plusMinus = a + r * Math.abs(value);
      break;
    case 'polyline':
      plusMinus = (p.length - 1) * a + r * value;
      break;
    case 'area':
      plusMinus = a * polylineLength(p, true) + 2 * r * value;
      break;
    case 'angle':
      plusMinus = ((Math.atan(a / distance(p[0]!, p[1]!)) + Math.atan(a / distance(p[2]!, p[1]!))) * 180) / Math.PI;
      break;
  }
  return { plusMinus, basis: stated.basis };
}

/** Measures points already in the displayed frame. Throws `E_PARAM_INVALID` when they do not fit the kind. */
export function measureDisplayed(
  kind: MeasurementKind,
  points: readonly Vec3[],
  units: SceneUnits,
  stated?: StatedUncertainty,
): MeasurementResult {
  const problem = pointCountProblem(kind, points.length);
  if (problem) throw new VestigeError('E_PARAM_INVALID', `${problem[0]!.toUpperCase()}${problem.slice(1)}.`);
  const value = valueOf(kind, points);
  const unit = kind === 'angle' ? ANGLE_UNIT : kind === 'area' ? areaUnit(units) : lengthUnit(units);
  return { kind, value, unit, ...(stated ? { uncertainty: uncertaintyOf(kind, points, value, units, stated) } : {}) };
}

/** Measures source-frame points of a scene: the path every entry point takes for a value that is kept. */
export function measureScene(
  scene: MeasuredScene,
  kind: MeasurementKind,
  sourcePoints: readonly Vec3[],
): MeasurementResult {
  return measureDisplayed(
    kind,
    sourcePoints.map((p) => toDisplayed(scene, p)),
    scene.units,
    scene.measurementUncertainty,
  );
}

/**
 * Measures a measurement someone sent, from its points: the value kept in the case (and shown in court)
 * must be the value of the points kept with it. A value or unit sent with it must agree; returns the
 * result, or a problem in words.
 */
export function recomputeMeasurement(
  scene: MeasuredScene,
  m: { kind: MeasurementKind; points: readonly Vec3[]; value?: number | undefined; unit?: string | undefined },
): MeasurementResult | string {
  const problem = pointCountProblem(m.kind, m.points.length);
  if (problem) return problem;
  let result: MeasurementResult;
  try {
    result = measureScene(scene, m.kind, m.points);
  } catch (err) {
    return (err as Error).message;
  }
  if (m.value !== undefined && !(Math.abs(result.value - m.value) <= 1e-6 * Math.max(1, Math.abs(result.value))))
    return `the value ${m.value} does not match its points (they give ${result.value})`;
  if (m.unit !== undefined && m.unit !== result.unit)
    return `the unit ${m.unit} is not the unit of a ${m.kind} in this scene (${result.unit})`;
  return result;
}

/** `+1.250 m ± 0.008 m`: the value as a report or the viewer shows it, heights with their sign. */
export function formatMeasurement(result: Pick<MeasurementResult, 'kind' | 'value' | 'unit' | 'uncertainty'>): string {
  const value = formatQuantity(result.value, result.unit, { signed: result.kind === 'height' });
  return result.uncertainty ? `${value} ± ${formatQuantity(result.uncertainty.plusMinus, result.unit)}` : value;
}

/** `± 0.2 % + 5 mm (basis)`: the stated uncertainty in words, for export headers and the viewer. */
export function describeUncertainty(stated: StatedUncertainty): string {
  const percent = Number((stated.relative * 100).toPrecision(6));
  const mm = Number((stated.absoluteMetres * 1000).toPrecision(6));
  return `± (${percent} % of the measured length + ${mm} mm), added linearly; basis: ${stated.basis}`;
}
