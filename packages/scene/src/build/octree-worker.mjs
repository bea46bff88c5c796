// Worker thread of the octree build (plain JavaScript: worker threads start without the TypeScript
// loader). One script for every task of the build, run by the generic pool (io/task-threads.ts):
//   { type: 'count' | 'laz' | 'distribute' }  record passes (record-passes.mjs)
//   { type: 'subtree' | 'merge' }              node work (node-tasks.mjs)
// Answers { id, result } with the buffers it can hand over transferred, or { id, error: { message } };
// a subtree task also reports { id, partial: { rootCount } } on its way.
import { parentPort } from 'node:worker_threads';
import { countSlice, distributeSlice, lazSlice } from './record-passes.mjs';
import { mergeTask, subtreeTask } from './node-tasks.mjs';

async function run(task) {
  switch (task.type) {
    case 'count':
      return countSlice(task);
    case 'laz':
      return lazSlice(task);
    case 'distribute':
      return distributeSlice(task);
    case 'subtree':
      return subtreeTask(task, (partial) => parentPort.postMessage({ id: task.id, partial }));
    case 'merge':
      return mergeTask(task);
    default:
      throw new Error(`unknown octree task ${task.type}`);
  }
}

function transferables(result) {
  const out = [];
  if (result.counts) out.push(result.counts.buffer);
  if (result.root) out.push(result.root.records.buffer);
  if (result.nodes && result.nodes[0] && result.nodes[0].records) for (const n of result.nodes) out.push(n.records.buffer);
  return out;
}

parentPort.on('message', async (task) => {
  try {
    const result = await run(task);
    parentPort.postMessage({ id: task.id, result }, transferables(result));
  } catch (err) {
    parentPort.postMessage({ id: task.id, error: { message: err && err.message ? err.message : String(err) } });
  }
});
