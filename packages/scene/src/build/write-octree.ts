/**
 * Octree build, phase 6 (write): octree.bin (the in-memory nodes by name, then each chunk's nodes as its
 * worker wrote them), hierarchy.bin and metadata.json, in the Potree 2.0 layout.
 */
import { createReadStream, rmSync } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeHierarchy, type HierarchyNode } from '../core/potree/hierarchy.ts';
import type { AttributeRanges, PotreeMetadataJson, RecordLayout } from '../core/potree/layout.ts';
import type { NodeBox } from '../potree/kernel.mjs';
import { encodeRecords } from '../core/potree/records.mjs';
import { metadataBytes, potreeMetadata } from '../potree/metadata.ts';
import type { BuiltChunk, MemoryNodes } from './subtrees.ts';

export interface WrittenOctree {
  octreePath: string;
  hierarchyPath: string;
  metadataPath: string;
  metadata: PotreeMetadataJson;
  nodes: number;
}

/** Writes octree.bin; returns every node's place in it. */
async function writeOctreeBin(path: string, memory: MemoryNodes, built: readonly BuiltChunk[], layout: RecordLayout): Promise<HierarchyNode[]> {
  const nodes: HierarchyNode[] = [];
  const out = await open(path, 'w');
  let written = 0;
  try {
    const names = [...memory.keys()].sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
    for (const name of names) {
      const { pts, childMask } = memory.get(name)!;
      const order = new Uint32Array(pts.count);
      for (let i = 0; i < pts.count; i++) order[i] = i;
      const rec = encodeRecords(pts, order, 0, pts.count, layout);
      await out.write(rec);
      nodes.push({ name, numPoints: pts.count, byteOffset: written, byteSize: rec.length, childMask });
      written += rec.length;
    }
    for (const { result, outPath } of built) {
      const base = written;
      for (const node of result.nodes) nodes.push({ name: node.name, numPoints: node.count, byteOffset: base + node.offset, byteSize: node.size, childMask: node.childMask });
      for await (const piece of createReadStream(outPath, { highWaterMark: 4 << 20 }) as AsyncIterable<Buffer>) {
        await out.write(piece);
        written += piece.length;
      }
      rmSync(outPath, { force: true });
    }
  } finally {
    await out.close();
  }
  return nodes;
}

export async function writeOctree(
  workDir: string,
  memory: MemoryNodes,
  built: readonly BuiltChunk[],
  m: { name: string; total: number; offset: number[]; scale: number; cube: NodeBox; layout: RecordLayout; ranges: AttributeRanges; projection?: string },
): Promise<WrittenOctree> {
  const octreePath = join(workDir, 'octree.bin');
  const nodes = await writeOctreeBin(octreePath, memory, built, m.layout);
  const pointSum = nodes.reduce((n, h) => n + h.numPoints, 0);
  if (pointSum !== m.total) throw new Error(`octree holds ${pointSum} points, input had ${m.total}`);
  const hierarchy = writeHierarchy(nodes);
  const metadata = potreeMetadata({ name: m.name, points: m.total, offset: m.offset, scale: m.scale, cube: m.cube, layout: m.layout, ranges: m.ranges, hierarchy, ...(m.projection === undefined ? {} : { projection: m.projection }) });
  const hierarchyPath = join(workDir, 'hierarchy.bin');
  const metadataPath = join(workDir, 'metadata.json');
  await writeFile(hierarchyPath, hierarchy.bytes);
  await writeFile(metadataPath, metadataBytes(metadata));
  return { octreePath, hierarchyPath, metadataPath, metadata, nodes: nodes.length };
}
