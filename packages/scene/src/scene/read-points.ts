/** Reads points back out of a scene's Potree layer in the case (for levelling and LAS export). */
import type { CaseStore } from '@vestige/evidence';
import type { Bounds, PointCloudLayer, SceneManifest } from '../manifest/schema.ts';
import { childBox } from '../potree/kernel.mjs';
import { decodePotreeNode, potreeNodes } from '../core/potree/decode.ts';
import type { PotreeMetadataJson } from '../core/potree/layout.ts';
import type { PointChunk } from '../points.ts';
import { VestigeError } from '@vestige/evidence';

export function pointLayer(manifest: SceneManifest): PointCloudLayer {
  const layer = manifest.layers.find((l): l is PointCloudLayer => l.type === 'pointcloud');
  if (!layer) throw new VestigeError('E_SCENE_INVALID', `Scene ${manifest.id} has no point-cloud layer.`);
  return layer;
}

export interface NodePoints {
  name: string;
  level: number;
  chunk: PointChunk;
}

/**
 * Yields nodes breadth first (coarse to fine), skipping subtrees whose box misses `box`. `maxPoints`
 * stops after that many points (a faithful sample, since coarse levels come first).
 */
export async function* scenePoints(
  store: CaseStore,
  layer: PointCloudLayer,
  options: { box?: Bounds; maxPoints?: number } = {},
): AsyncGenerator<NodePoints> {
  const metadata = JSON.parse(
    (await store.blobs.read(layer.files.metadata.sha256)).toString('utf8'),
  ) as PotreeMetadataJson;
  const hierarchy = await store.blobs.read(layer.files.hierarchy.sha256);
  const octree = await store.blobs.read(layer.files.octree.sha256);
  const nodes = potreeNodes(metadata, hierarchy).sort(
    (a, b) => a.name.length - b.name.length || (a.name < b.name ? -1 : 1),
  );
  const cubeMin = metadata.boundingBox.min;
  const size = metadata.boundingBox.max[0] - cubeMin[0];
  const boxOf = (name: string): Bounds => {
    let b = { x: 0, y: 0, z: 0, size };
    for (const d of name.slice(1)) b = childBox(b, Number(d));
    return {
      min: [cubeMin[0] + b.x, cubeMin[1] + b.y, cubeMin[2] + b.z],
      max: [cubeMin[0] + b.x + b.size, cubeMin[1] + b.y + b.size, cubeMin[2] + b.z + b.size],
    };
  };
  let emitted = 0;
  for (const node of nodes) {
    if (options.box) {
      const nb = boxOf(node.name);
      const q = options.box;
      if (
        nb.max[0] < q.min[0] ||
        nb.min[0] > q.max[0] ||
        nb.max[1] < q.min[1] ||
        nb.min[1] > q.max[1] ||
        nb.max[2] < q.min[2] ||
        nb.min[2] > q.max[2]
      )
        continue;
    }
    if (node.numPoints === 0) continue;
    yield { name: node.name, level: node.name.length - 1, chunk: decodePotreeNode(metadata, octree, node) };
    emitted += node.numPoints;
    if (options.maxPoints !== undefined && emitted >= options.maxPoints) return;
  }
}
