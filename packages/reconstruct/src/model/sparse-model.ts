/**
 * A COLMAP sparse model in memory, read from its text format (cameras.txt, images.txt, points3D.txt): every
 * observation and track, which the scene importer does not keep but the quality report needs. Also writes the
 * model back turned by a rotation, for the scene to import in a gravity-up frame.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { VestigeError } from '@vestige/evidence';
import { matrixFromQuaternion, quaternionFromMatrix, type Mat3, type Vec3 } from '../geometry/rotation.ts';

export interface ModelCamera {
  readonly id: number;
  readonly model: string;
  readonly width: number;
  readonly height: number;
  readonly params: readonly number[];
}

export interface ModelImage {
  readonly id: number;
  /** World → camera rotation (w, x, y, z) and translation: x_cam = R·x_world + t. */
  readonly q: readonly [number, number, number, number];
  readonly t: Vec3;
  readonly cameraId: number;
  readonly name: string;
  /** Observed keypoints (x, y) that belong to a 3D point, and that point's id. */
  readonly observations: ReadonlyArray<{ readonly x: number; readonly y: number; readonly pointId: number }>;
}

export interface ModelPoint {
  readonly id: number;
  readonly xyz: Vec3;
  readonly error: number;
  readonly trackLength: number;
}

export interface SparseModel {
  readonly cameras: ReadonlyMap<number, ModelCamera>;
  readonly images: ReadonlyMap<number, ModelImage>;
  readonly points: ReadonlyMap<number, ModelPoint>;
}

function rows(path: string): string[][] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new VestigeError('E_TOOL_FAILED', `The engine's model file ${path} is missing or unreadable.`, {
      file: path,
      cause: err,
    });
  }
  return text
    .split('\n')
    .filter((l) => l.length > 0 && !l.startsWith('#'))
    .map((l) => l.trim().split(/\s+/));
}

export function readSparseModel(dir: string): SparseModel {
  const cameras = new Map<number, ModelCamera>();
  for (const f of rows(join(dir, 'cameras.txt'))) {
    cameras.set(Number(f[0]), {
      id: Number(f[0]),
      model: f[1]!,
      width: Number(f[2]),
      height: Number(f[3]),
      params: f.slice(4).map(Number),
    });
  }
  const images = new Map<number, ModelImage>();
  // images.txt: a pose line, then an observations line that may be empty (so read raw lines, not `rows`).
  const lines = readFileSync(join(dir, 'images.txt'), 'utf8')
    .split('\n')
    .filter((l) => !l.startsWith('#'));
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const f = lines[i]!.trim().split(/\s+/);
    if (f.length < 10) continue;
    const o = lines[i + 1]!.trim().split(/\s+/).filter(Boolean).map(Number);
    const observations: Array<{ x: number; y: number; pointId: number }> = [];
    for (let k = 0; k + 2 < o.length; k += 3)
      if (o[k + 2]! >= 0) observations.push({ x: o[k]!, y: o[k + 1]!, pointId: o[k + 2]! });
    const n = f.slice(1, 8).map(Number);
    images.set(Number(f[0]), {
      id: Number(f[0]),
      q: [n[0]!, n[1]!, n[2]!, n[3]!],
      t: [n[4]!, n[5]!, n[6]!],
      cameraId: Number(f[8]),
      name: f.slice(9).join(' '),
      observations,
    });
  }
  const points = new Map<number, ModelPoint>();
  for (const f of rows(join(dir, 'points3D.txt'))) {
    points.set(Number(f[0]), {
      id: Number(f[0]),
      xyz: [Number(f[1]), Number(f[2]), Number(f[3])],
      error: Number(f[7]),
      trackLength: (f.length - 8) / 2,
    });
  }
  return { cameras, images, points };
}

/** Camera centre in world coordinates: −Rᵀt. */
export function cameraCentre(image: Pick<ModelImage, 'q' | 't'>): Vec3 {
  const R = matrixFromQuaternion(image.q);
  const [tx, ty, tz] = image.t;
  return [
    -(R[0] * tx + R[3] * ty + R[6] * tz),
    -(R[1] * tx + R[4] * ty + R[7] * tz),
    -(R[2] * tx + R[5] * ty + R[8] * tz),
  ];
}

/**
 * Writes the model turned by `R` (world′ = R·world): points move, each camera keeps its view, so its world→camera
 * rotation becomes R_c·Rᵀ and its translation is unchanged. Observations and errors are copied as they were.
 */
export function writeRotatedModel(sourceDir: string, targetDir: string, R: Mat3): void {
  mkdirSync(targetDir, { recursive: true });
  writeFileSync(join(targetDir, 'cameras.txt'), readFileSync(join(sourceDir, 'cameras.txt')));
  const turn = (p: Vec3): Vec3 => [
    R[0] * p[0] + R[1] * p[1] + R[2] * p[2],
    R[3] * p[0] + R[4] * p[1] + R[5] * p[2],
    R[6] * p[0] + R[7] * p[1] + R[8] * p[2],
  ];
  const imageLines = readFileSync(join(sourceDir, 'images.txt'), 'utf8').split('\n');
  let pose = true;
  const images = imageLines.map((line) => {
    if (line.startsWith('#')) return line;
    const isPose = pose;
    pose = !pose;
    if (!isPose || line.trim() === '') return line;
    const f = line.trim().split(/\s+/);
    const Rc = matrixFromQuaternion(f.slice(1, 5).map(Number) as [number, number, number, number]);
    // Rc·Rᵀ, row-major.
    const M: number[] = [];
    for (let r = 0; r < 3; r++)
      for (let c = 0; c < 3; c++)
        M.push(Rc[r * 3]! * R[c * 3]! + Rc[r * 3 + 1]! * R[c * 3 + 1]! + Rc[r * 3 + 2]! * R[c * 3 + 2]!);
    const q = quaternionFromMatrix(M as unknown as Mat3);
    return [f[0], ...q.map(String), ...f.slice(5)].join(' ');
  });
  writeFileSync(join(targetDir, 'images.txt'), images.join('\n'));
  const pointLines = readFileSync(join(sourceDir, 'points3D.txt'), 'utf8')
    .split('\n')
    .map((line) => {
      if (line.startsWith('#') || line.trim() === '') return line;
      const f = line.trim().split(/\s+/);
      const p = turn([Number(f[1]), Number(f[2]), Number(f[3])]);
      return [f[0], ...p.map(String), ...f.slice(4)].join(' ');
    });
  writeFileSync(join(targetDir, 'points3D.txt'), pointLines.join('\n'));
}
