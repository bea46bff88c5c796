// @ts-check
// Worker thread of the octree build (plain JavaScript: it starts without the TypeScript loader), on the
// one WorkerPool (@vestige/evidence/worker-pool). One script for every task of the build:
//   { type: 'count' | 'laz' | 'distribute' }  record passes (record-passes.mjs)
//   { type: 'subtree' | 'merge' }              node work (node-tasks.mjs)
// Answers { result } with the buffers it can hand over transferred; a subtree task also reports
// { rootCount } on its way. A thrown error fails its task only.
import { serveRequests } from '@vestige/evidence/worker-thread';
import { countSlice, distributeSlice, lazSlice } from './record-passes.mjs';
import { mergeTask, subtreeTask } from './node-tasks.mjs';

/**
 * @typedef {(import('./record-passes.mjs').SliceTask & { type: 'count' })
 *   | (import('./record-passes.mjs').LazSliceTask & { type: 'laz' })
 *   | (import('./record-passes.mjs').DistributeTask & { type: 'distribute' })
 *   | (import('./node-tasks.mjs').SubtreeTask & { type: 'subtree' })
 *   | (import('./node-tasks.mjs').MergeTask & { type: 'merge' })} OctreeTask
 */

/**
 * @param {OctreeTask} task
 * @param {(partial: { rootCount: number }) => void} report
 */
async function run(task, report) {
  switch (task.type) {
    case 'count':
      return countSlice(task);
    case 'laz':
      return lazSlice(task);
    case 'distribute':
      return distributeSlice(task);
    case 'subtree':
      return subtreeTask(task, report);
    case 'merge':
      return mergeTask(task);
    default:
      throw new Error(`unknown octree task ${/** @type {{ type: unknown }} */ (task).type}`);
  }
}

/**
 * The result's own buffers (a slice's counts), handed over instead of copied.
 * @param {{ result: Record<string, any> }} answer
 * @returns {ArrayBuffer[]}
 */
function transferables({ result }) {
  const out = [];
  if (result.counts) out.push(result.counts.buffer);
  return out;
}

serveRequests(
  /**
   * @type {(task: OctreeTask, context: import('@vestige/evidence/worker-thread').RequestContext) => Promise<{ result:
   * Record<string, any> }>}
   */
  async (task, { partial }) => ({ result: await run(task, (p) => partial(p)) }),
  transferables,
);
