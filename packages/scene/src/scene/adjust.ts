/**
 * Scale and level a scene. Both change only the manifest's `transform` (points are never rewritten),
 * and each is recorded: an adjustment in the manifest, a provenance record with the parameters, the
 * fitted plane or the two points and distances, and a custody event for the new manifest version.
 */
import type { CaseStore } from '@vestige/evidence';
import { VestigeError, canonicalJson } from '@vestige/evidence';
import type { SceneAdjustment, SceneManifest } from '../manifest/schema.ts';
import { parseSceneManifest } from '../manifest/parse.ts';
import { loadScene } from './build-scene.ts';
import { pointLayer, scenePoints } from './read-points.ts';
import { multiply, rotationBetween, scaling, toDisplayed, translation } from '../core/frames.ts';
import { cross, distance, normalize, sub, type MutableVec3 as Vec3 } from '../core/vector.ts';
import { SCENE_LIBRARIES, SCENE_OPERATION_VERSION } from './versions.ts';

interface AdjustContext {
  operator: string;
  now: Date;
}

async function commit(
  store: CaseStore,
  manifest: SceneManifest,
  next: SceneManifest,
  adjustment: SceneAdjustment,
  step: { operation: string; description: string; parameters: unknown },
  ctx: AdjustContext,
): Promise<SceneManifest> {
  const before = await store.blobs.putBuffer(Buffer.from(canonicalJson(manifest)));
  const record = await store.blobs.putBuffer(
    Buffer.from(canonicalJson({ scene: manifest.id, transform: next.transform, adjustment })),
  );
  const { provenance } = store.recordDerivation({
    activity: step.operation,
    inputs: [{ sha256: before.sha256, role: 'scene-manifest' }],
    steps: [
      {
        operation: step.operation,
        version: SCENE_OPERATION_VERSION,
        parameters: step.parameters,
        description: step.description,
      },
    ],
    outputs: [
      {
        digests: record,
        name: `${manifest.id}/${adjustment.kind}-${manifest.adjustments.length + 1}.json`,
        mediaType: 'application/json',
      },
    ],
    libraries: SCENE_LIBRARIES,
    operator: ctx.operator,
    startedAt: ctx.now,
    finishedAt: ctx.now,
  });
  const final = parseSceneManifest({
    ...next,
    adjustments: [...manifest.adjustments, { ...adjustment, provenanceId: provenance.id }],
  });
  store.putRecord('scenes', manifest.id, final, ctx.operator, `scene.${adjustment.kind}`);
  return final;
}

/** Sets the scale so that the distance between `a` and `b` (source frame) becomes `known`. */
export async function scaleScene(
  store: CaseStore,
  id: string,
  params: { a: Vec3; b: Vec3; known: number } & AdjustContext,
): Promise<SceneManifest> {
  const manifest = loadScene(store, id);
  if (!(params.known > 0)) throw new VestigeError('E_PARAM_INVALID', 'The known distance must be a positive number.');
  const measured = distance(toDisplayed(manifest, params.a), toDisplayed(manifest, params.b));
  if (!(measured > 0))
    throw new VestigeError('E_PARAM_INVALID', 'The two points are the same point; pick two distinct points.');
  const factor = params.known / measured;
  const next = { ...manifest, transform: multiply(scaling(factor), manifest.transform) };
  const adjustment: SceneAdjustment = {
    kind: 'scale',
    a: params.a,
    b: params.b,
    measured,
    known: params.known,
    factor,
  };
  return commit(
    store,
    manifest,
    next,
    adjustment,
    {
      operation: 'scene.scale',
      parameters: { a: params.a, b: params.b, known: params.known, measured, factor },
      description: `Scale set from a known distance: the two picked points were ${measured.toPrecision(7)} ${manifest.units} apart in the scene and ${params.known} ${manifest.units} apart in reality, so the scene was scaled uniformly by ${factor.toPrecision(7)} about its origin. Points are unchanged; only the displayed scale changed.`,
    },
    params,
  );
}

export interface PlaneFit {
  normal: Vec3;
  d: number;
  inliers: number;
  rms: number;
}

/** Least-squares z = a·x + b·y + c over points; returns the plane as unit normal (+Z side up) and d. */
function leastSquaresPlane(points: Vec3[]): { normal: Vec3; d: number } {
  let sxx = 0,
    sxy = 0,
    sx = 0,
    syy = 0,
    sy = 0,
    sxz = 0,
    syz = 0,
    sz = 0;
  const n = points.length;
  for (const [x, y, z] of points) {
    sxx += x * x;
    sxy += x * y;
    sx += x;
    syy += y * y;
    sy += y;
    sxz += x * z;
    syz += y * z;
    sz += z;
  }
  // Solve [sxx sxy sx; sxy syy sy; sx sy n] [a b c]ᵀ = [sxz syz sz]ᵀ (Cramer).
  const det3 = (m: number[]): number =>
    m[0]! * (m[4]! * m[8]! - m[5]! * m[7]!) -
    m[1]! * (m[3]! * m[8]! - m[5]! * m[6]!) +
    m[2]! * (m[3]! * m[7]! - m[4]! * m[6]!);
  const M = [sxx, sxy, sx, sxy, syy, sy, sx, sy, n];
  const D = det3(M);
  if (Math.abs(D) < 1e-12)
    throw new VestigeError(
      'E_PARAM_INVALID',
      'The floor points are degenerate (all on a line); pick or keep more of the floor.',
    );
  const a = det3([sxz, sxy, sx, syz, syy, sy, sz, sy, n]) / D;
  const b = det3([sxx, sxz, sx, sxy, syz, sy, sx, sz, n]) / D;
  const c = det3([sxx, sxy, sxz, sxy, syy, syz, sx, sy, sz]) / D;
  const normal = normalize([-a, -b, 1]);
  const scale = Math.hypot(-a, -b, 1);
  return { normal, d: -c / scale };
}

/**
 * Finds the floor: RANSAC over a faithful sample of the points (coarse octree levels), keeping planes
 * within 30° of horizontal, choosing the one with most points within `tolerance`, refined by least
 * squares on its inliers. Deterministic: the random draws come from `seed`.
 */
export function fitFloorPlane(
  points: Vec3[],
  options: { tolerance: number; seed: number; iterations?: number },
): PlaneFit {
  if (points.length < 3) throw new VestigeError('E_PARAM_INVALID', 'Too few points to fit a floor plane.');
  let s = options.seed >>> 0 || 1;
  const rnd = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const tol = options.tolerance;
  let best: { normal: Vec3; d: number; count: number } | undefined;
  const iterations = options.iterations ?? 400;
  for (let it = 0; it < iterations; it++) {
    const p = points[Math.floor(rnd() * points.length)]!;
    const q = points[Math.floor(rnd() * points.length)]!;
    const r = points[Math.floor(rnd() * points.length)]!;
    const u = sub(q, p),
      v = sub(r, p);
    let n: Vec3 = cross(u, v);
    if (Math.hypot(...n) < 1e-12) continue;
    n = normalize(n);
    if (n[2] < 0) n = [-n[0], -n[1], -n[2]];
    if (n[2] < Math.cos((30 * Math.PI) / 180)) continue;
    const d = -(n[0] * p[0] + n[1] * p[1] + n[2] * p[2]);
    let count = 0;
    for (const x of points) if (Math.abs(n[0] * x[0] + n[1] * x[1] + n[2] * x[2] + d) <= tol) count++;
    // Prefer more support; among near-equal support, the lower plane (a floor, not a table top).
    if (!best || count > best.count * 1.05 || (count >= best.count * 0.95 && -d / n[2] < -best.d / best.normal[2]))
      best = { normal: n, d, count };
  }
  if (!best)
    throw new VestigeError('E_PARAM_INVALID', 'No near-horizontal plane found in the scene.', {
      hint: 'Level by three picked floor points instead (--points).',
    });
  const inliers = points.filter(
    (x) => Math.abs(best!.normal[0] * x[0] + best!.normal[1] * x[1] + best!.normal[2] * x[2] + best!.d) <= tol,
  );
  const refined = leastSquaresPlane(inliers);
  let ss = 0;
  for (const x of inliers)
    ss += (refined.normal[0] * x[0] + refined.normal[1] * x[1] + refined.normal[2] * x[2] + refined.d) ** 2;
  return { normal: refined.normal, d: refined.d, inliers: inliers.length, rms: Math.sqrt(ss / inliers.length) };
}

/**
 * Levels the scene: the floor plane (fitted, or through three picked source-frame points) becomes the
 * displayed z = 0 plane with its normal up. The plane is recorded in the displayed frame before the step.
 */
export async function levelScene(
  store: CaseStore,
  id: string,
  params: (
    | { method: 'fitted'; tolerance?: number; seed?: number; samplePoints?: number }
    | { method: 'picked'; points: [Vec3, Vec3, Vec3] }
  ) &
    AdjustContext,
): Promise<SceneManifest> {
  const manifest = loadScene(store, id);
  let plane: PlaneFit;
  let parameters: Record<string, unknown>;
  if (params.method === 'picked') {
    const [p, q, r] = params.points.map((x) => toDisplayed(manifest, x)) as [Vec3, Vec3, Vec3];
    const u = sub(q, p),
      v = sub(r, p);
    let n: Vec3 = cross(u, v);
    if (Math.hypot(...n) < 1e-12)
      throw new VestigeError(
        'E_PARAM_INVALID',
        'The three picked points lie on a line; pick three floor points that form a triangle.',
      );
    n = normalize(n);
    if (n[2] < 0) n = [-n[0], -n[1], -n[2]];
    plane = { normal: n, d: -(n[0] * p[0] + n[1] * p[1] + n[2] * p[2]), inliers: 3, rms: 0 };
    parameters = { method: 'picked', points: params.points };
  } else {
    const layer = pointLayer(manifest);
    const sample: Vec3[] = [];
    const limit = params.samplePoints ?? 200_000;
    for await (const node of scenePoints(store, layer, { maxPoints: limit })) {
      const c = node.chunk;
      for (let i = 0; i < c.count; i++)
        sample.push(toDisplayed(manifest, [c.positions[i * 3]!, c.positions[i * 3 + 1]!, c.positions[i * 3 + 2]!]));
    }
    const tolerance = params.tolerance ?? 0.02;
    const seed = params.seed ?? 1;
    plane = fitFloorPlane(sample, { tolerance, seed });
    parameters = {
      method: 'fitted',
      tolerance,
      seed,
      samplePoints: sample.length,
      iterations: 400,
      maxTiltDegrees: 30,
    };
  }
  const R = rotationBetween(plane.normal, [0, 0, 1]);
  // After rotating, the plane is z = −d; lift it to z = 0.
  const L = multiply(translation(0, 0, plane.d), R);
  const next = { ...manifest, transform: multiply(L, manifest.transform) };
  const tilt = (Math.acos(Math.min(1, plane.normal[2])) * 180) / Math.PI;
  const adjustment: SceneAdjustment = {
    kind: 'level',
    method: params.method,
    plane: { normal: plane.normal, d: plane.d },
    inliers: plane.inliers,
    rms: plane.rms,
  };
  return commit(
    store,
    manifest,
    next,
    adjustment,
    {
      operation: 'scene.level',
      parameters: { ...parameters, plane, tiltDegrees: tilt },
      description:
        params.method === 'fitted'
          ? `Levelled to the floor: a plane was fitted (RANSAC, ${plane.inliers} points within the tolerance, RMS ${plane.rms.toPrecision(3)} ${manifest.units}) and the scene turned by ${tilt.toFixed(3)}° so that this plane is horizontal at height 0. Points are unchanged; only the displayed orientation changed.`
          : `Levelled to the plane through three picked floor points; the scene was turned by ${tilt.toFixed(3)}° so that this plane is horizontal at height 0. Points are unchanged; only the displayed orientation changed.`,
    },
    params,
  );
}
