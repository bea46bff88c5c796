/**
 * A scene's points (or those inside a box) as LAS. Markers and measurements are exported by the scene
 * core (core/export-csv.ts, core/export-geojson.ts), which the server and the viewer share.
 */
import type { CaseStore } from '@vestige/evidence';
import type { Bounds, SceneManifest } from '../manifest/schema.ts';
import type { PointChunk } from '../points.ts';
import { writeLas } from '../ops/las-writer.ts';
import { pointLayer, scenePoints } from './read-points.ts';

/** Writes the points of the scene (or those inside `box`, source frame) as LAS 1.2. */
export async function exportPointsLas(
  store: CaseStore,
  manifest: SceneManifest,
  path: string,
  options: { box?: Bounds; created?: { dayOfYear: number; year: number } } = {},
): Promise<{ points: number; bytes: number }> {
  const layer = pointLayer(manifest);
  const box = options.box;
  async function* filtered(): AsyncGenerator<PointChunk> {
    for await (const node of scenePoints(store, layer, box ? { box } : {})) {
      const c = node.chunk;
      if (!box) {
        yield c;
        continue;
      }
      const keep: number[] = [];
      for (let i = 0; i < c.count; i++) {
        const x = c.positions[i * 3]!,
          y = c.positions[i * 3 + 1]!,
          z = c.positions[i * 3 + 2]!;
        if (
          x >= box.min[0] &&
          x <= box.max[0] &&
          y >= box.min[1] &&
          y <= box.max[1] &&
          z >= box.min[2] &&
          z <= box.max[2]
        )
          keep.push(i);
      }
      if (keep.length === 0) continue;
      const n = keep.length;
      const positions = new Float64Array(n * 3);
      const rgb = c.rgb ? new Uint16Array(n * 3) : undefined;
      const intensity = c.intensity ? new Uint16Array(n) : undefined;
      const classification = c.classification ? new Uint8Array(n) : undefined;
      keep.forEach((src, j) => {
        for (let k = 0; k < 3; k++) positions[j * 3 + k] = c.positions[src * 3 + k]!;
        if (rgb) for (let k = 0; k < 3; k++) rgb[j * 3 + k] = c.rgb![src * 3 + k]!;
        if (intensity) intensity[j] = c.intensity![src]!;
        if (classification) classification[j] = c.classification![src]!;
      });
      yield {
        kind: 'points',
        count: n,
        positions,
        ...(rgb ? { rgb } : {}),
        ...(intensity ? { intensity } : {}),
        ...(classification ? { classification } : {}),
      };
    }
  }
  return writeLas(path, filtered(), { scale: layer.scale, ...(options.created ? { created: options.created } : {}) });
}
