/**
 * Builds a complete Potree 2.0 octree in memory from points already in memory. Meant for small scenes,
 * tests and generated samples (the viewer's test scenes); `buildOctree` streams big inputs through
 * worker threads and temp files and produces the same format.
 */
import { concatPointChunks, type PointChunk } from '../points.ts';
import { writeHierarchy, type HierarchyNode } from '../core/potree/hierarchy.ts';
import { AttributeRanges, recordLayout, type PotreeMetadataJson } from '../core/potree/layout.ts';
import { metadataBytes, potreeMetadata } from './metadata.ts';
import { chooseScale, DEFAULT_SCALE, quantizeChunk } from './quantize.ts';
import { buildSubtree, samplerById, type SamplerId } from './kernel.mjs';
import { bitsFor } from '../build/frame.ts';
import { encodeRecords } from '../core/potree/records.mjs';

export interface PotreeFiles {
  /** The bytes of metadata.json, hierarchy.bin and octree.bin. */
  metadata: Uint8Array;
  hierarchy: Uint8Array;
  octree: Uint8Array;
  /** metadata.json parsed. */
  metadataJson: PotreeMetadataJson;
  nodes: number;
}

export interface PotreeWriteOptions {
  name?: string;
  /** Position quantum in source units (default 0.0001). */
  scale?: number;
  /** Split nodes holding more points than this (default 20 000). */
  maxLeafPoints?: number;
  /** WKT or proj string for metadata.json. */
  projection?: string;
  /** How nodes choose their points (default `grid`). */
  sampling?: SamplerId;
}

/** Simple input for generated scenes: plain arrays are accepted. */
export interface PointArrays {
  positions: ArrayLike<number>;
  /** 8-bit (0–255, Uint8Array) or 16-bit (Uint16Array) colours, three per point. */
  rgb?: Uint8Array | Uint16Array | ArrayLike<number>;
  intensity?: ArrayLike<number>;
  classification?: ArrayLike<number>;
}

export function pointChunkFromArrays(points: PointArrays): PointChunk {
  const count = Math.floor(points.positions.length / 3);
  const rgb = points.rgb
    ? points.rgb instanceof Uint8Array
      ? Uint16Array.from(points.rgb, (v) => v * 257)
      : Uint16Array.from(points.rgb)
    : undefined;
  return {
    kind: 'points',
    count,
    positions: Float64Array.from(points.positions),
    ...(rgb ? { rgb } : {}),
    ...(points.intensity ? { intensity: Uint16Array.from(points.intensity) } : {}),
    ...(points.classification ? { classification: Uint8Array.from(points.classification) } : {}),
  };
}

export function writePotreeInMemory(
  input: PointChunk | readonly PointChunk[] | PointArrays,
  options: PotreeWriteOptions = {},
): PotreeFiles {
  const chunk = Array.isArray(input)
    ? concatPointChunks(input as readonly PointChunk[])
    : (input as PointChunk).kind === 'points'
      ? (input as PointChunk)
      : pointChunkFromArrays(input as PointArrays);
  const n = chunk.count;
  const min = [Infinity, Infinity, Infinity];
  const max = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 3; k++) {
      const v = chunk.positions[i * 3 + k]!;
      if (v < min[k]!) min[k] = v;
      if (v > max[k]!) max[k] = v;
    }
  }
  const offset = n === 0 ? [0, 0, 0] : min;
  const extent = n === 0 ? 0 : Math.max(max[0]! - min[0]!, max[1]! - min[1]!, max[2]! - min[2]!);
  const scale = chooseScale(extent, options.scale ?? DEFAULT_SCALE);
  const ranges = new AttributeRanges();
  const pts = quantizeChunk(chunk, offset, scale, ranges);
  let top = 0;
  for (let i = 0; i < n * 3; i++) top = Math.max(top, pts.xyz[i]!);
  const bits = bitsFor(top);
  const layout = recordLayout({
    rgb: !!chunk.rgb,
    intensity: !!chunk.intensity,
    classification: !!chunk.classification,
  });
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const kernelNodes = buildSubtree(pts.xyz, order, 0, n, { x: 0, y: 0, z: 0, bits }, 'r', {
    maxLeafPoints: options.maxLeafPoints ?? 20_000,
    sampler: samplerById(options.sampling ?? 'grid'),
  });
  const octree = new Uint8Array(n * layout.bytesPerPoint);
  const hierarchyNodes: HierarchyNode[] = [];
  let at = 0;
  for (const node of kernelNodes) {
    const size = node.count * layout.bytesPerPoint;
    encodeRecords(pts, order, node.start, node.count, layout, octree.subarray(at, at + size));
    hierarchyNodes.push({
      name: node.name,
      numPoints: node.count,
      byteOffset: at,
      byteSize: size,
      childMask: node.childMask,
    });
    at += size;
  }
  const hierarchy = writeHierarchy(hierarchyNodes);
  const metadataJson = potreeMetadata({
    name: options.name ?? 'points',
    points: n,
    offset,
    scale,
    cube: { x: 0, y: 0, z: 0, size: 2 ** bits },
    layout,
    ranges,
    hierarchy,
    ...(options.projection === undefined ? {} : { projection: options.projection }),
  });
  return {
    metadata: metadataBytes(metadataJson),
    hierarchy: hierarchy.bytes,
    octree,
    metadataJson,
    nodes: kernelNodes.length,
  };
}
