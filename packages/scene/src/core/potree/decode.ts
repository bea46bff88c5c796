/** Reads points back out of Potree 2.0 records (DEFAULT encoding), in Node and in the browser alike. */
import { VestigeError } from '@vestige/evidence/errors';
import type { PointChunk } from '../../points.ts';
import { readHierarchy, type HierarchyNode } from './hierarchy.ts';
import { layoutFromMetadata, type PotreeMetadataJson, type RecordLayout } from './layout.ts';

export function potreeNodes(metadata: Pick<PotreeMetadataJson, 'hierarchy'>, hierarchy: Uint8Array): HierarchyNode[] {
  return readHierarchy(hierarchy, metadata.hierarchy.firstChunkSize);
}

/**
 * Decodes `count` records (exactly one node's bytes) to points. Positions are `int × scale + (offset −
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
    throw new VestigeError('E_SCENE_INVALID', `${options.what ?? 'a Potree node'} is shorter than its ${count} points (${records.byteLength} bytes, ${layout.bytesPerPoint} per point).`);
  }
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
  const positions = new Float64Array(count * 3);
  const rgb = layout.rgbOffset >= 0 ? new Uint16Array(count * 3) : undefined;
  const intensity = layout.intensityOffset >= 0 ? new Uint16Array(count) : undefined;
  const classification = layout.classificationOffset >= 0 ? new Uint8Array(count) : undefined;
  const [sx, sy, sz] = metadata.scale;
  const origin = options.origin ?? [0, 0, 0];
  // The offset minus the origin in double precision first, so only a small remainder is added per point.
  const ox = metadata.offset[0] - origin[0]!, oy = metadata.offset[1] - origin[1]!, oz = metadata.offset[2] - origin[2]!;
  for (let i = 0; i < count; i++) {
    const o = i * layout.bytesPerPoint;
    positions[i * 3] = view.getInt32(o, true) * sx + ox;
    positions[i * 3 + 1] = view.getInt32(o + 4, true) * sy + oy;
    positions[i * 3 + 2] = view.getInt32(o + 8, true) * sz + oz;
    if (rgb) for (let k = 0; k < 3; k++) rgb[i * 3 + k] = view.getUint16(o + layout.rgbOffset + 2 * k, true);
    if (intensity) intensity[i] = view.getUint16(o + layout.intensityOffset, true);
    if (classification) classification[i] = view.getUint8(o + layout.classificationOffset);
  }
  return { kind: 'points', count, positions, ...(rgb ? { rgb } : {}), ...(intensity ? { intensity } : {}), ...(classification ? { classification } : {}) };
}

/** Decodes one node of a whole octree.bin to source-frame points. */
export function decodePotreeNode(metadata: PotreeMetadataJson, octree: Uint8Array, node: Pick<HierarchyNode, 'name' | 'byteOffset' | 'byteSize' | 'numPoints'>): PointChunk {
  return decodePotreeRecords(metadata, octree.subarray(node.byteOffset, node.byteOffset + node.byteSize), node.numPoints, { what: `node ${node.name}` });
}
