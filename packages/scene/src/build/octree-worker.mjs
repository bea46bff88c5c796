// Worker thread of the octree build: turns one spatial chunk (a temp file of point batches) into its subtree.
// Plain JavaScript on purpose: worker threads start without the TypeScript loader.
// In:  { id, type: 'subtree', chunkPaths, count, name, box, layout, maxLeafPoints, minNodeSize, outPath }
//      or { id, type: 'distribute', … } (see distributeSlice in spill-format.mjs) → { id, counts }
// Out: { id, root: { count, childMask, records }, nodes: [{ name, count, offset, size, childMask }] }
//      The chunk root's points come back in memory (the levels above the chunks are chosen from them);
//      every other node's records are appended to outPath.
import { parentPort } from 'node:worker_threads';
import * as fs from 'node:fs';
import { KernelScratch, buildSubtree } from '../potree/kernel.mjs';
import { encodeRecords } from '../core/potree/records.mjs';
import { distributeSlice, lasCountSlice, lasDistributeSlice, readAllBatches } from './spill-format.mjs';

const scratch = new KernelScratch();
const FLUSH = 4 << 20;

function run(task) {
  const pts = readAllBatches(task.chunkPaths, task.count, task.layout);
  const order = new Uint32Array(task.count);
  for (let i = 0; i < task.count; i++) order[i] = i;
  const nodes = buildSubtree(pts, order, 0, task.count, task.box, task.name, { maxLeafPoints: task.maxLeafPoints, minNodeSize: task.minNodeSize }, scratch);
  const root = nodes[0];
  const rootRecords = encodeRecords(pts, order, root.start, root.count, task.layout);
  const out = [];
  const fd = fs.openSync(task.outPath, 'w');
  try {
    let offset = 0;
    let pending = [];
    let pendingBytes = 0;
    const flush = () => {
      if (pendingBytes === 0) return;
      const buf = Buffer.concat(pending, pendingBytes);
      let written = 0;
      while (written < buf.length) written += fs.writeSync(fd, buf, written, buf.length - written);
      pending = [];
      pendingBytes = 0;
    };
    for (let k = 1; k < nodes.length; k++) {
      const node = nodes[k];
      const rec = encodeRecords(pts, order, node.start, node.count, task.layout);
      out.push({ name: node.name, count: node.count, offset, size: rec.length, childMask: node.childMask });
      offset += rec.length;
      pending.push(rec);
      pendingBytes += rec.length;
      if (pendingBytes >= FLUSH) flush();
    }
    flush();
  } finally {
    fs.closeSync(fd);
  }
  for (const p of task.chunkPaths) fs.rmSync(p, { force: true });
  return { root: { count: root.count, childMask: root.childMask, records: rootRecords }, nodes: out };
}

parentPort.on('message', (task) => {
  try {
    if (task.type === 'las-count') {
      const result = lasCountSlice(task);
      parentPort.postMessage({ id: task.id, result }, result.counts ? [result.counts.buffer] : []);
      return;
    }
    if (task.type === 'las-distribute') {
      parentPort.postMessage({ id: task.id, result: lasDistributeSlice(task) });
      return;
    }
    if (task.type === 'distribute') {
      parentPort.postMessage({ id: task.id, counts: distributeSlice(task) });
      return;
    }
    const result = run(task);
    parentPort.postMessage({ id: task.id, ...result }, [result.root.records.buffer]);
  } catch (err) {
    parentPort.postMessage({ id: task.id, error: { message: err && err.message ? err.message : String(err), code: err && err.code } });
  }
});
