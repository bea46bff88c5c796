/**
 * Generates the scene samples (deterministic, nothing downloaded):
 *   room.ply      — a synthetic room (floor, walls, table, a body-sized box) as binary PLY with colour
 *                   and intensity, `points` points (default 200 000)
 *   colmap/       — a tiny COLMAP sparse model (binary) with two cameras
 * Run: tsx samples/scene/generate.ts [OUT_DIR] [POINTS]
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sampleColmapModel, writeColmap, writePly } from './formats.ts';
import { syntheticRoom } from './synthetic-room.ts';

export interface SceneSamples {
  dir: string;
  ply: string;
  colmap: string;
  points: number;
}

export function generateSceneSamples(dir: string, options: { points?: number } = {}): SceneSamples {
  const points = options.points ?? 200_000;
  mkdirSync(dir, { recursive: true });
  const [room] = [...syntheticRoom({ points, seed: 2026, chunkPoints: points })];
  const ply = join(dir, 'room.ply');
  writePly(
    ply,
    { positions: room!.positions, rgb: Uint8Array.from(room!.rgb, (v) => v >> 8), intensity: room!.intensity },
    { encoding: 'binary_little_endian' },
  );
  const colmap = join(dir, 'colmap');
  writeColmap(colmap, sampleColmapModel(), true);
  return { dir, ply, colmap, points };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = generateSceneSamples(process.argv[2] ?? join(import.meta.dirname, '..', 'generated', 'scene'), {
    points: Number(process.argv[3] ?? 200_000),
  });
  console.log(`scene samples in ${out.dir}: room.ply (${out.points} points), colmap/`);
}
