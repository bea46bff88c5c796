/**
 * Octree build, phase 5 (merge): the levels above the chunks, chosen bottom-up from the chunk roots with
 * the build's sampler, on the records themselves (node-tasks.mjs). Each top-level octant's upper nodes
 * are one task on the worker threads; the root node itself is merged here from its eight children.
 */
import type { RecordLayout } from '../core/potree/layout.ts';
import { samplerById } from '../potree/kernel.mjs';
import type { UpperNode } from './chunk-plan.ts';
import type { BuildPool } from './count-inputs.ts';
import { mergeNode, type NodeRecords } from './node-tasks.mjs';
import type { BuiltChunk } from './subtrees.ts';

/** Final records of the upper part: every upper node and every chunk root, by name. */
export type UpperRecords = Map<string, NodeRecords>;

/** Deepest first, by name within a level: children are final before their parent takes from them. */
function bottomUp(nodes: readonly UpperNode[]): UpperNode[] {
  return [...nodes].sort((a, b) => b.level - a.level || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export async function mergeUpperLevels(
  built: readonly BuiltChunk[],
  upper: readonly UpperNode[],
  layout: RecordLayout,
  sampler: string,
  pool: BuildPool,
): Promise<UpperRecords> {
  const nodes: UpperRecords = new Map(
    built.map(({ chunk, result }) => [
      chunk.name,
      { count: result.root.count, childMask: result.root.childMask, records: result.root.records },
    ]),
  );
  const byOctant = new Map<string, UpperNode[]>();
  for (const node of upper)
    if (node.name !== 'r') byOctant.set(node.name.slice(0, 2), [...(byOctant.get(node.name.slice(0, 2)) ?? []), node]);
  await Promise.all(
    [...byOctant].map(async ([octant, list]) => {
      const roots = [...nodes].filter(([name]) => name.startsWith(octant)).map(([name, n]) => ({ name, ...n }));
      for (const r of roots) nodes.delete(r.name);
      const task = {
        type: 'merge',
        upper: bottomUp(list).map((n) => ({ name: n.name, cube: n.cube, childMask: n.childMask })),
        roots,
        layout,
        sampler,
      };
      const { result } = await pool.run(task, { transfer: roots.map((r) => r.records.buffer as ArrayBuffer) });
      for (const n of (result as { nodes: ({ name: string } & NodeRecords)[] }).nodes)
        nodes.set(n.name, { count: n.count, childMask: n.childMask, records: n.records });
    }),
  );
  const root = upper.find((n) => n.name === 'r');
  if (root) mergeNode({ name: 'r', cube: root.cube, childMask: root.childMask }, nodes, layout, samplerById(sampler));
  return nodes;
}
