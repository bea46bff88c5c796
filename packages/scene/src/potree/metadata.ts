import { GRID } from './kernel.mjs';
import {
  attributesJson,
  type AttributeRanges,
  type PotreeMetadataJson,
  type RecordLayout,
} from '../core/potree/layout.ts';
import type { NodeBox } from './kernel.mjs';
import type { WrittenHierarchy } from '../core/potree/hierarchy.ts';

export interface MetadataInput {
  name: string;
  points: number;
  offset: readonly number[];
  scale: number;
  cube: NodeBox;
  layout: RecordLayout;
  ranges: AttributeRanges;
  hierarchy: WrittenHierarchy;
  projection?: string;
}

export function potreeMetadata(input: MetadataInput): PotreeMetadataJson {
  const { offset, scale, cube } = input;
  const min: [number, number, number] = [
    offset[0]! + cube.x * scale,
    offset[1]! + cube.y * scale,
    offset[2]! + cube.z * scale,
  ];
  const edge = cube.size * scale;
  return {
    version: '2.0',
    name: input.name,
    description: '',
    points: input.points,
    projection: input.projection ?? '',
    hierarchy: { firstChunkSize: input.hierarchy.firstChunkSize, stepSize: 4, depth: input.hierarchy.depth },
    offset: [offset[0]!, offset[1]!, offset[2]!],
    scale: [scale, scale, scale],
    spacing: edge / GRID,
    boundingBox: { min, max: [min[0] + edge, min[1] + edge, min[2] + edge] },
    encoding: 'DEFAULT',
    attributes: attributesJson(input.layout, input.ranges, input.points),
  };
}

/** metadata.json bytes: stable key order and formatting, so equal octrees give equal hashes. */
export function metadataBytes(metadata: PotreeMetadataJson): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(metadata, null, '\t') + '\n');
}
