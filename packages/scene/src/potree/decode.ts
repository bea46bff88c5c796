/** Reads points back out of a Potree 2.0 octree written by Vestige (DEFAULT encoding). */
import { layoutFromMetadata, type PotreeMetadataJson } from './layout.ts';
import { readHierarchy, type HierarchyNode } from './hierarchy.ts';
import type { PointChunk } from '../points.ts';

export function potreeNodes(metadata: PotreeMetadataJson, hierarchy: Uint8Array): HierarchyNode[] {
  return readHierarchy(hierarchy, metadata.hierarchy.firstChunkSize);
}

/** Decodes one node's records to source-frame points. */
export function decodePotreeNode(metadata: PotreeMetadataJson, octree: Uint8Array, node: Pick<HierarchyNode, 'byteOffset' | 'byteSize' | 'numPoints'>): PointChunk {
  const layout = layoutFromMetadata(metadata);
  const n = node.numPoints;
  const view = new DataView(octree.buffer, octree.byteOffset + node.byteOffset, node.byteSize);
  const positions = new Float64Array(n * 3);
  const rgb = layout.rgbOffset >= 0 ? new Uint16Array(n * 3) : undefined;
  const intensity = layout.intensityOffset >= 0 ? new Uint16Array(n) : undefined;
  const classification = layout.classificationOffset >= 0 ? new Uint8Array(n) : undefined;
  const [sx, sy, sz] = metadata.scale;
  const [ox, oy, oz] = metadata.offset;
  for (let i = 0; i < n; i++) {
    const o = i * layout.bytesPerPoint;
    positions[i * 3] = view.getInt32(o, true) * sx + ox;
    positions[i * 3 + 1] = view.getInt32(o + 4, true) * sy + oy;
    positions[i * 3 + 2] = view.getInt32(o + 8, true) * sz + oz;
    if (rgb) for (let k = 0; k < 3; k++) rgb[i * 3 + k] = view.getUint16(o + layout.rgbOffset + 2 * k, true);
    if (intensity) intensity[i] = view.getUint16(o + layout.intensityOffset, true);
    if (classification) classification[i] = view.getUint8(o + layout.classificationOffset);
  }
  return { kind: 'points', count: n, positions, ...(rgb ? { rgb } : {}), ...(intensity ? { intensity } : {}), ...(classification ? { classification } : {}) };
}
