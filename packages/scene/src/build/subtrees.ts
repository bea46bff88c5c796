/**
 * Octree build, phases 4 and 5 (index, merge): each chunk's subtree built whole by a worker thread (grid
 * subsampling, kernel.mjs), then the levels above the chunks chosen bottom-up from the chunk roots with
 * the same rule (one point per grid cell, nearest its centre), so coarse levels are as faithful as fine.
 */
import { join } from 'node:path';
import type { RecordLayout } from '../core/potree/layout.ts';
import { KernelScratch, pickRepresentatives, type QuantizedPoints } from '../potree/kernel.mjs';
import { decodeRecords } from '../core/potree/records.mjs';
import type { Chunk, UpperNode } from './chunk-plan.ts';
import type { ChunkResult, OctreeWorkerPool } from './worker-pool.ts';

export interface BuiltChunk {
  name: string;
  result: ChunkResult;
  /** The chunk's nodes below its root, as records, in the order `result.nodes` lists them. */
  outPath: string;
}

/** Nodes held in memory (chunk roots and the levels above them), by name. */
export type MemoryNodes = Map<string, { pts: QuantizedPoints; childMask: number }>;

/**
 * Phase 4. Biggest chunks first keeps both cores busy to the end; results are keyed by name, so the
 * order of completion never reaches the output.
 */
export async function buildChunkSubtrees(
  chunks: readonly Chunk[],
  chunkPaths: readonly string[][],
  options: { layout: RecordLayout; maxLeafPoints: number; workDir: string; pool: OctreeWorkerPool; onChunk?: (done: number, total: number) => void },
): Promise<BuiltChunk[]> {
  const byName = new Map<string, ChunkResult>();
  let done = 0;
  const order = chunks.map((_, i) => i).sort((a, b) => chunks[b]!.count - chunks[a]!.count || a - b);
  await Promise.all(
    order.map(async (i) => {
      const ch = chunks[i]!;
      const outPath = join(options.workDir, `nodes-${i}.bin`);
      const result = await options.pool.run({ type: 'subtree', chunkPaths: chunkPaths[i]!, count: ch.count, name: ch.name, box: ch.box, layout: options.layout, maxLeafPoints: options.maxLeafPoints, minNodeSize: 1, outPath });
      byName.set(ch.name, result);
      options.onChunk?.(++done, chunks.length);
    }),
  );
  return chunks.map((ch, i) => ({ name: ch.name, result: byName.get(ch.name)!, outPath: join(options.workDir, `nodes-${i}.bin`) }));
}

function emptyLike(count: number, layout: RecordLayout): QuantizedPoints {
  const out: QuantizedPoints = { count, xyz: new Int32Array(count * 3) };
  if (layout.attributes.rgb) out.rgb = new Uint16Array(count * 3);
  if (layout.attributes.intensity) out.intensity = new Uint16Array(count);
  if (layout.attributes.classification) out.classification = new Uint8Array(count);
  return out;
}

function concatPoints(parts: QuantizedPoints[], layout: RecordLayout): QuantizedPoints {
  const out = emptyLike(parts.reduce((n, p) => n + p.count, 0), layout);
  let at = 0;
  for (const p of parts) {
    out.xyz.set(p.xyz.subarray(0, p.count * 3), at * 3);
    if (out.rgb && p.rgb) out.rgb.set(p.rgb.subarray(0, p.count * 3), at * 3);
    if (out.intensity && p.intensity) out.intensity.set(p.intensity.subarray(0, p.count), at);
    if (out.classification && p.classification) out.classification.set(p.classification.subarray(0, p.count), at);
    at += p.count;
  }
  return out;
}

function subsetPoints(src: QuantizedPoints, indices: Uint32Array, layout: RecordLayout): QuantizedPoints {
  const out = emptyLike(indices.length, layout);
  for (let i = 0; i < indices.length; i++) {
    const p = indices[i]!;
    for (let k = 0; k < 3; k++) out.xyz[i * 3 + k] = src.xyz[p * 3 + k]!;
    if (out.rgb) for (let k = 0; k < 3; k++) out.rgb[i * 3 + k] = src.rgb![p * 3 + k]!;
    if (out.intensity) out.intensity[i] = src.intensity![p]!;
    if (out.classification) out.classification[i] = src.classification![p]!;
  }
  return out;
}

/** One upper node: keeps its representatives of its children's points and leaves them the rest. */
function mergeNode(node: UpperNode, nodes: MemoryNodes, layout: RecordLayout, scratch: KernelScratch): void {
  const kids: string[] = [];
  for (let c = 0; c < 8; c++) if (node.childMask & (1 << c)) kids.push(node.name + c);
  const parts = kids.map((k) => nodes.get(k)!.pts);
  const all = concatPoints(parts, layout);
  const order = new Uint32Array(all.count);
  for (let i = 0; i < all.count; i++) order[i] = i;
  const keep = new Uint8Array(all.count);
  const mine = new Uint32Array(pickRepresentatives(all, order, 0, all.count, node.box, scratch, keep));
  let m = 0;
  let at = 0;
  kids.forEach((k, j) => {
    const part = parts[j]!;
    const rest: number[] = [];
    for (let i = 0; i < part.count; i++) {
      if (keep[at + i]) mine[m++] = at + i;
      else rest.push(i);
    }
    at += part.count;
    nodes.get(k)!.pts = subsetPoints(part, Uint32Array.from(rest), layout);
  });
  nodes.set(node.name, { pts: subsetPoints(all, mine, layout), childMask: node.childMask });
}

/** Phase 5: the chunk roots and the levels above them, deepest first, by name within a level. */
export function mergeUpperLevels(built: readonly BuiltChunk[], upper: readonly UpperNode[], layout: RecordLayout): MemoryNodes {
  const nodes: MemoryNodes = new Map();
  for (const { name, result } of built) nodes.set(name, { pts: decodeRecords(result.root.records, result.root.count, layout), childMask: result.root.childMask });
  const scratch = new KernelScratch();
  const ordered = [...upper].sort((a, b) => b.level - a.level || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const node of ordered) mergeNode(node, nodes, layout, scratch);
  return nodes;
}
