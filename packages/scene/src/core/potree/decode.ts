/** Reads points back out of Potree 2.0 records (DEFAULT encoding), in Node and in the browser alike. */
import { VestigeError } from '@vestige/evidence/errors';
import type { PointChunk } from '../../points.ts';
import { readHierarchy, type HierarchyNode } from './hierarchy.ts';
import { layoutFromMetadata, type PotreeMetadataJson, type RecordLayout } from './layout.ts';
import { decodeRecords } from './records.mjs';

export function potreeNodes(metadata: Pick<PotreeMetadataJson, 'hierarchy'>, hierarchy: Uint8Array): HierarchyNode[] {
  return readHierarchy(hierarchy, metadata.hierarchy.firstChunkSize);
}

/**
 * Decodes `count` records (exactly one node's bytes, see records.mjs) to points. Positions are `int × scale + (offset −
 * origin)` in double precision: pass the scene origin to get origin-relative coordinates small enough
 * for float32, or leave it out for the source frame.
 */
export function decodePotreeRecords(
  metadata: Pick<PotreeMetadataJson, 'scale' | 'offset' | 'encoding' | 'attributes'>,
  records: Uint8Array,
  count: number,
  options: { origin?: readonly number[]; layout?: RecordLayout; what?: string } = {},
): PointChunk {
  const layout = options.layout ?? layoutFromMetadata(metadata);
  if (records.byteLength < count * layout.bytesPerPoint) {
    throw new VestigeError(
      'E_SCENE_INVALID',
      `${options.what ?? 'a Potree node'} is shorter than its ${count} points (${records.byteLength} bytes, ${layout.bytesPerPoint} per point).`,
    );
  }
  const q = decodeRecords(records, count, layout);
  const positions = new Float64Array(count * 3);
  const [sx, sy, sz] = metadata.scale;
  const origin = options.origin ?? [0, 0, 0];
  // The offset minus the origin in double precision first, so only a small remainder is added per point.
  const ox = metadata.offset[0] - origin[0]!,
    oy = metadata.offset[1] - origin[1]!,
    oz = metadata.offset[2] - origin[2]!;
  for (let i = 0; i < count * 3; i += 3) {
    positions[i] = q.xyz[i]! * sx + ox;
    positions[i + 1] = q.xyz[i + 1]! * sy + oy;
    positions[i + 2] = q.xyz[i + 2]! * sz + oz;
  }
  return {
    kind: 'points',
    count,
    positions,
    ...(q.rgb ? { rgb: q.rgb } : {}),
    ...(q.intensity ? { intensity: q.intensity } : {}),
    ...(q.classification ? { classification: q.classification } : {}),
  };
}

/** Decodes one node of a whole octree.bin to source-frame points. */
export function decodePotreeNode(
  metadata: PotreeMetadataJson,
  octree: Uint8Array,
  node: Pick<HierarchyNode, 'name' | 'byteOffset' | 'byteSize' | 'numPoints'>,
): PointChunk {
  return decodePotreeRecords(
    metadata,
    octree.subarray(node.byteOffset, node.byteOffset + node.byteSize),
    node.numPoints,
    { what: `node ${node.name}` },
  );
}
