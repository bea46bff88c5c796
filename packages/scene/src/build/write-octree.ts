/**
 * Octree build, phase 6 (write): the upper part of octree.bin (the chunk roots and the levels above them,
 * by level then name) after the chunks' nodes the workers wrote, copied one node at a time from the files
 * the merge left them in and hashed as it is written; then hierarchy.bin, metadata.json and tile-hashes.bin.
 */
import { createHash } from 'node:crypto';
import { closeSync, ftruncateSync, openSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeHierarchy, type HierarchyNode } from '../core/potree/hierarchy.ts';
import type { AttributeRanges, PotreeMetadataJson, RecordLayout } from '../core/potree/layout.ts';
import { metadataBytes, potreeMetadata } from '../potree/metadata.ts';
import type { OctreeFrame } from './frame.ts';
import { readExact, writeAllAt } from './record-passes.mjs';
import type { UpperPartNode } from './merge.ts';
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
function writeUpperPart(
  path: string,
  upper: readonly UpperPartNode[],
  built: readonly BuiltChunk[],
  upperStart: number,
): { nodes: HierarchyNode[]; hashes: Map<string, string> } {
  const nodes: HierarchyNode[] = [];
  const hashes = new Map<string, string>();
  for (const { result } of built) {
    for (const n of result.nodes) {
      nodes.push({ name: n.name, numPoints: n.count, byteOffset: n.offset, byteSize: n.size, childMask: n.childMask });
      hashes.set(n.name, n.sha256);
    }
  }
  // Synchronous reads and writes: thousands of nodes, each one read and one write, in order.
  const sources = new Map<string, number>();
  const out = openSync(path, 'r+');
  let at = upperStart;
  try {
    const ordered = [...upper].sort((a, b) => a.name.length - b.name.length || (a.name < b.name ? -1 : 1));
    let buffer = new Uint8Array(1 << 20);
    for (const node of ordered) {
      if (buffer.length < node.size) buffer = new Uint8Array(Math.max(node.size, buffer.length * 2));
      const bytes = buffer.subarray(0, node.size);
      if (node.size > 0) {
        let from = sources.get(node.path);
        if (from === undefined) sources.set(node.path, (from = openSync(node.path, 'r')));
        readExact(from, bytes, node.offset, `octree node ${node.name}: ${node.path} is short`);
        writeAllAt(out, bytes, at);
      }
      nodes.push({
        name: node.name,
        numPoints: node.count,
        byteOffset: at,
        byteSize: node.size,
        childMask: node.childMask,
      });
      hashes.set(node.name, createHash('sha256').update(bytes).digest('hex'));
      at += node.size;
    }
    ftruncateSync(out, at);
  } finally {
    closeSync(out);
    // The files themselves are the build's temporaries; buildOctree removes them.
    for (const fd of sources.values()) closeSync(fd);
  }
  return { nodes, hashes };
}

export async function writeOctree(
  workDir: string,
  upper: readonly UpperPartNode[],
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
  const { nodes, hashes } = writeUpperPart(octreePath, upper, built, upperStart);
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
