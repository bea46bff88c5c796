/**
 * The server re-computes every measurement it is asked to save from its points and the scene's frame,
 * so the value kept in the case (and shown in court) is the value of the points kept with it, whatever
 * the client sent.
 */
import type { Measurement, SceneManifest } from '@vestige/scene';

type V = [number, number, number];

function displayed(manifest: SceneManifest, p: readonly number[]): V {
  const t = manifest.transform;
  const o = manifest.origin.offset;
  const x = p[0]! - o[0], y = p[1]! - o[1], z = p[2]! - o[2];
  // Column-major 4×4, as three.js stores it.
  return [t[0]! * x + t[4]! * y + t[8]! * z + t[12]!, t[1]! * x + t[5]! * y + t[9]! * z + t[13]!, t[2]! * x + t[6]! * y + t[10]! * z + t[14]!];
}

const sub = (a: V, b: V): V => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const len = (a: V) => Math.hypot(a[0], a[1], a[2]);
const cross = (a: V, b: V): V => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];

/** The value of a measurement in the displayed frame, or an error message when its points do not fit its kind. */
export function measurementValue(manifest: SceneManifest, m: Pick<Measurement, 'kind' | 'points'>): number | string {
  const p = m.points.map((q) => displayed(manifest, q));
  const need = { distance: 2, height: 2, angle: 3, polyline: 2, area: 3 }[m.kind];
  if (p.length < need || ((m.kind === 'distance' || m.kind === 'height') && p.length !== 2) || (m.kind === 'angle' && p.length !== 3)) {
    return `a ${m.kind} measurement needs ${m.kind === 'polyline' || m.kind === 'area' ? 'at least ' : ''}${need} points, not ${p.length}`;
  }
  switch (m.kind) {
    case 'distance':
      return len(sub(p[1]!, p[0]!));
    case 'height':
      return p[1]![2] - p[0]![2];
    case 'polyline': {
      let s = 0;
      for (let i = 1; i < p.length; i++) s += len(sub(p[i]!, p[i - 1]!));
      return s;
    }
    case 'angle': {
      const u = sub(p[0]!, p[1]!);
      const v = sub(p[2]!, p[1]!);
      return (Math.atan2(len(cross(u, v)), u[0] * v[0] + u[1] * v[1] + u[2] * v[2]) * 180) / Math.PI;
    }
    case 'area': {
      const n: V = [0, 0, 0];
      for (let i = 0; i < p.length; i++) {
        const c = cross(sub(p[i]!, p[0]!), sub(p[(i + 1) % p.length]!, p[0]!));
        n[0] += c[0];
        n[1] += c[1];
        n[2] += c[2];
      }
      return len(n) / 2;
    }
  }
}

export function checkMeasurement(manifest: SceneManifest, m: Measurement): string | null {
  const value = measurementValue(manifest, m);
  if (typeof value === 'string') return value;
  if (!(Math.abs(value - m.value) <= 1e-6 * Math.max(1, Math.abs(value)))) return `the value ${m.value} does not match its points (they give ${value})`;
  return null;
}
