/**
 * Octree build, phase 6 (write): the upper part of octree.bin (the chunk roots and the levels above them,
 * by level then name) after the chunks' nodes the workers wrote, each node hashed as it is written; then
 * hierarchy.bin, metadata.json and tile-hashes.bin.
 */
import { createHash } from 'node:crypto';
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeHierarchy, type HierarchyNode } from '../core/potree/hierarchy.ts';
import type { AttributeRanges, PotreeMetadataJson, RecordLayout } from '../core/potree/layout.ts';
import { metadataBytes, potreeMetadata } from '../potree/metadata.ts';
import type { OctreeFrame } from './frame.ts';
import type { UpperRecords } from './merge.ts';
import type { BuiltChunk } from './subtrees.ts';
import { writeTileHashes } from './tile-hashes.ts';

export interface WrittenOctree {
  octreePath: string;
  hierarchyPath: string;
  metadataPath: string;
  tileHashesPath: string;
  /** SHA-256 over the first hierarchy chunk and its tile-hash section (core/potree/tile-hashes.ts). */
  tileHashRoot: string;
  metadata: PotreeMetadataJson;
  nodes: number;
}

/** Appends the upper part at `upperStart`; returns every node's place and hash (the chunks' from their workers). */
async function writeUpperPart(
  path: string,
  upper: UpperRecords,
  built: readonly BuiltChunk[],
  upperStart: number,
): Promise<{ nodes: HierarchyNode[]; hashes: Map<string, string> }> {
  const nodes: HierarchyNode[] = [];
  const hashes = new Map<string, string>();
  for (const { result } of built) {
    for (const n of result.nodes) {
      nodes.push({ name: n.name, numPoints: n.count, byteOffset: n.offset, byteSize: n.size, childMask: n.childMask });
      hashes.set(n.name, n.sha256);
    }
  }
  const out = await open(path, 'r+');
  let at = upperStart;
  try {
    const names = [...upper.keys()].sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
    for (const name of names) {
      const { count, childMask, records } = upper.get(name)!;
      const bytes = records.subarray(0, records.byteLength);
      if (bytes.byteLength > 0) await out.write(bytes, 0, bytes.byteLength, at);
      nodes.push({ name, numPoints: count, byteOffset: at, byteSize: bytes.byteLength, childMask });
      hashes.set(name, createHash('sha256').update(bytes).digest('hex'));
      at += bytes.byteLength;
    }
    await out.truncate(at);
  } finally {
    await out.close();
  }
  return { nodes, hashes };
}

export async function writeOctree(
  workDir: string,
  upper: UpperRecords,
  built: readonly BuiltChunk[],
  upperStart: number,
  m: {
    name: string;
    total: number;
    frame: OctreeFrame;
    layout: RecordLayout;
    ranges: AttributeRanges;
    projection?: string;
  },
): Promise<WrittenOctree> {
  const octreePath = join(workDir, 'octree.bin');
  const { nodes, hashes } = await writeUpperPart(octreePath, upper, built, upperStart);
  const pointSum = nodes.reduce((n, h) => n + h.numPoints, 0);
  if (pointSum !== m.total) throw new Error(`octree holds ${pointSum} points, input had ${m.total}`);
  const hierarchy = writeHierarchy(nodes);
  const { frame } = m;
  const metadata = potreeMetadata({
    name: m.name,
    points: m.total,
    offset: frame.offset,
    scale: frame.scale,
    cube: { x: 0, y: 0, z: 0, size: 2 ** frame.bits },
    layout: m.layout,
    ranges: m.ranges,
    hierarchy,
    ...(m.projection === undefined ? {} : { projection: m.projection }),
  });
  const tiles = writeTileHashes(hierarchy.bytes, hierarchy.firstChunkSize, hashes);
  const hierarchyPath = join(workDir, 'hierarchy.bin');
  const metadataPath = join(workDir, 'metadata.json');
  const tileHashesPath = join(workDir, 'tile-hashes.bin');
  await writeFile(hierarchyPath, hierarchy.bytes);
  await writeFile(metadataPath, metadataBytes(metadata));
  await writeFile(tileHashesPath, tiles.bytes);
  return {
    octreePath,
    hierarchyPath,
    metadataPath,
    tileHashesPath,
    tileHashRoot: tiles.root,
    metadata,
    nodes: nodes.length,
  };
}
