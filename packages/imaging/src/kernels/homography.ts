/**
 * A projective transform (3×3, h33 = 1) from 4 point correspondences, by solving the 8×8 linear system
 * (Hartley & Zisserman, "Multiple View Geometry", §4.1, direct linear transform).
 */
import { VestigeError } from '@vestige/evidence';
export type Point = readonly [number, number];
export type Homography = Float64Array; // 9 values, row-major

export function homographyFromPoints(from: readonly Point[], to: readonly Point[]): Homography {
  if (from.length !== 4 || to.length !== 4)
    throw new VestigeError('E_PARAM_INVALID', 'a homography needs exactly 4 point pairs', {
      hint: 'Give four corners, in order, for both quadrilaterals.',
    });
  const A: number[][] = [];
  const b: number[] = [];
  for (let i = 0; i < 4; i++) {
    const [x, y] = from[i]!;
    const [u, v] = to[i]!;
    A.push([x, y, 1, 0, 0, 0, -u * x, -u * y]);
    b.push(u);
    A.push([0, 0, 0, x, y, 1, -v * x, -v * y]);
    b.push(v);
  }
  const h = solve(A, b);
  if (!h)
    throw new VestigeError('E_PARAM_INVALID', 'the 4 points are degenerate (three on one line, or repeated)', {
      hint: 'Pick four corners of a quadrilateral, no three on one line.',
    });
  return Float64Array.from([...h, 1]);
}

export function applyHomography(H: Homography, x: number, y: number, out: Float64Array): void {
  const w = H[6]! * x + H[7]! * y + H[8]!;
  out[0] = (H[0]! * x + H[1]! * y + H[2]!) / w;
  out[1] = (H[3]! * x + H[4]! * y + H[5]!) / w;
}

/** Gaussian elimination with partial pivoting; undefined when singular. */
function solve(A: number[][], b: number[]): number[] | undefined {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[piv]![c]!)) piv = r;
    if (Math.abs(M[piv]![c]!) < 1e-12) return undefined;
    [M[c], M[piv]] = [M[piv]!, M[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r]![c]! / M[c]![c]!;
      for (let k = c; k <= n; k++) M[r]![k]! -= f * M[c]![k]!;
    }
  }
  return M.map((row, i) => row[n]! / row[i]!);
}
