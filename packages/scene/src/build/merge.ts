/**
 * Octree build, phase 5 (merge): the levels above the chunks, chosen bottom-up from the chunk roots with
 * the build's sampler, on the records themselves (node-tasks.mjs). Each top-level octant's upper nodes
 * are one task on the worker threads, then the root over the octants' tops is one more. The tasks read
 * their chunk roots from roots.bin and leave every node on disk (merge-*.bin), where the write phase
 * copies the upper part into octree.bin in its final order: this thread holds one entry per node.
 */
import { join } from 'node:path';
import type { RecordLayout } from '../core/potree/layout.ts';
import type { UpperNode } from './chunk-plan.ts';
import type { BuildPool } from './count-inputs.ts';
import type { MergeResult, NodeOnDisk } from './node-tasks.mjs';
import type { BuiltChunk } from './subtrees.ts';

/** Temporary files of the merge in the work folder (removed once the write phase has copied them). */
export const MERGE_FILE_PREFIX = 'merge-';

/** A final node of the upper part (chunk roots and the levels above them): where its records wait. */
export interface UpperPartNode {
  name: string;
  count: number;
  childMask: number;
  path: string;
  offset: number;
  size: number;
}

export interface MergeContext {
  layout: RecordLayout;
  sampler: string;
  pool: BuildPool;
  rootsPath: string;
  workDir: string;
  onOctant?: (done: number, total: number) => void;
}

/** One merge task up to `top`; its final nodes, and the top itself still waiting in the pending file. */
async function mergeUpTo(
  top: string,
  upper: readonly UpperNode[],
  inputs: NodeOnDisk[],
  c: MergeContext,
): Promise<{ top: NodeOnDisk; finals: UpperPartNode[] }> {
  const outPath = join(c.workDir, `${MERGE_FILE_PREFIX}${top}.bin`);
  const task = {
    type: 'merge',
    top,
    upper: upper.map((n) => ({ name: n.name, cube: n.cube, childMask: n.childMask })),
    inputs,
    layout: c.layout,
    sampler: c.sampler,
    outPath,
    pendingPath: join(c.workDir, `${MERGE_FILE_PREFIX}${top}.pending`),
  };
  const result = (await c.pool.run(task)).result as MergeResult;
  return { top: result.top, finals: result.nodes.map((n) => ({ ...n, path: outPath })) };
}

export async function mergeUpperLevels(
  built: readonly BuiltChunk[],
  upper: readonly UpperNode[],
  c: MergeContext,
): Promise<UpperPartNode[]> {
  const bpp = c.layout.bytesPerPoint;
  const roots: NodeOnDisk[] = built.map(({ chunk, result }) => ({
    name: chunk.name,
    count: result.root.count,
    childMask: result.root.childMask,
    path: c.rootsPath,
    byteOffset: result.root.byteOffset,
  }));
  const final = (n: NodeOnDisk): UpperPartNode => ({
    name: n.name,
    count: n.count,
    childMask: n.childMask,
    path: n.path,
    offset: n.byteOffset,
    size: n.count * bpp,
  });
  const root = upper.find((n) => n.name === 'r');
  // One chunk holds everything: its root is the octree's root, already where the write phase reads it.
  if (!root) return roots.map(final);

  const byOctant = new Map<string, UpperNode[]>();
  for (const node of upper) {
    if (node.name === 'r') continue;
    const octant = node.name.slice(0, 2);
    const list = byOctant.get(octant);
    if (list) list.push(node);
    else byOctant.set(octant, [node]);
  }
  const finals: UpperPartNode[] = [];
  // Octants that are chunks themselves, with no upper node of their own, go straight to the root.
  const tops: NodeOnDisk[] = roots.filter((r) => r.name.length === 2);
  let done = 0;
  await Promise.all(
    [...byOctant].map(async ([octant, list]) => {
      const merged = await mergeUpTo(
        octant,
        list,
        roots.filter((r) => r.name.startsWith(octant)),
        c,
      );
      finals.push(...merged.finals);
      tops.push(merged.top);
      c.onOctant?.(++done, byOctant.size + 1);
    }),
  );
  const merged = await mergeUpTo('r', [root], tops, c);
  c.onOctant?.(++done, byOctant.size + 1);
  finals.push(...merged.finals, final(merged.top));
  return finals;
}
