// The octree build's node work on worker threads (plain JavaScript; types in node-tasks.d.mts):
//
//   subtree — one spatial chunk of chunks.bin becomes its subtree (kernel.mjs). As soon as the chunk's
//             root is chosen its size is reported, the build answers where the chunk's other nodes go in
//             octree.bin, and the thread writes them there itself, hashing each node (SHA-256) as it is
//             written: these are the tile hashes of the manifest. The root's records come back.
//   merge   — the levels above the chunks under one top-level octant, chosen bottom-up from the chunk
//             roots with the same sampler, on the records themselves.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { KernelScratch, buildSubtree, samplerById, selectNodePoints } from '../potree/kernel.mjs';
import { writeAllAt } from './record-passes.mjs';

const scratch = new KernelScratch();

/** int32 x, y, z of each record (the first 12 bytes of a Potree record). */
export function positionsOf(records, count, bpp) {
  const q = new Int32Array(count * 3);
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
  for (let i = 0, o = 0; i < count; i++, o += bpp) {
    q[i * 3] = view.getInt32(o, true);
    q[i * 3 + 1] = view.getInt32(o + 4, true);
    q[i * 3 + 2] = view.getInt32(o + 8, true);
  }
  return q;
}

/** Copies the records order[start, start + count) to `out` at byte `at`. */
export function gatherRecords(records, order, start, count, bpp, out, at) {
  for (let i = 0; i < count; i++) {
    const from = order[start + i] * bpp;
    for (let b = 0; b < bpp; b++) out[at + b] = records[from + b];
    at += bpp;
  }
  return out;
}

export function sha256Hex(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

function identity(n) {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
}

/** Blocks until the build has written this chunk's place in octree.bin (or −1: the build stopped). */
function placeOf(shared, slot) {
  const flags = new Int32Array(shared.flags);
  for (;;) {
    const flag = Atomics.load(flags, slot);
    if (flag === 1) return new Float64Array(shared.offsets)[slot];
    if (flag === -1) throw new Error('the octree build stopped');
    Atomics.wait(flags, slot, 0, 1000);
  }
}

function readRange(path, offset, length) {
  const bytes = new Uint8Array(length);
  const fd = fs.openSync(path, 'r');
  try {
    let got = 0;
    while (got < length) {
      const n = fs.readSync(fd, bytes, got, length - got, offset + got);
      if (n === 0) throw new Error('octree chunk file is truncated');
      got += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return bytes;
}

export function subtreeTask(task, report) {
  const { count, layout } = task;
  const bpp = layout.bytesPerPoint;
  const records = readRange(task.chunksPath, task.byteOffset, count * bpp);
  const q = positionsOf(records, count, bpp);
  const order = identity(count);
  const sampler = samplerById(task.sampler);
  const nodes = buildSubtree(
    q,
    order,
    0,
    count,
    task.cube,
    task.name,
    { maxLeafPoints: task.maxLeafPoints, sampler, onRoot: (kept) => report({ rootCount: kept }) },
    scratch,
  );
  const root = nodes[0];
  const below = new Uint8Array((count - root.count) * bpp);
  const list = [];
  let at = 0;
  for (let k = 1; k < nodes.length; k++) {
    const node = nodes[k];
    const size = node.count * bpp;
    gatherRecords(records, order, node.start, node.count, bpp, below, at);
    list.push({
      name: node.name,
      count: node.count,
      offset: at,
      size,
      childMask: node.childMask,
      sha256: sha256Hex(below.subarray(at, at + size)),
    });
    at += size;
  }
  const rootRecords = gatherRecords(records, order, root.start, root.count, bpp, new Uint8Array(root.count * bpp), 0);
  const base = placeOf(task.shared, task.slot);
  if (below.length > 0) {
    const fd = fs.openSync(task.octreePath, 'r+');
    try {
      writeAllAt(fd, below, base);
    } finally {
      fs.closeSync(fd);
    }
  }
  for (const n of list) n.offset += base;
  return { root: { count: root.count, childMask: root.childMask, records: rootRecords }, nodes: list };
}

/**
 * One upper node: its children's records together, the sampler picks the node's points, the rest stay in
 * the child they lie in (in their previous order). `nodes` maps names to { count, childMask, records }.
 */
export function mergeNode(node, nodes, layout, sampler, childCounts = new Uint32Array(8)) {
  const bpp = layout.bytesPerPoint;
  const kids = [];
  for (let c = 0; c < 8; c++) if (node.childMask & (1 << c)) kids.push(node.name + c);
  const parts = kids.map((k) => nodes.get(k));
  const total = parts.reduce((n, p) => n + p.count, 0);
  const all = new Uint8Array(total * bpp);
  let at = 0;
  for (const p of parts) {
    all.set(p.records.subarray(0, p.count * bpp), at);
    at += p.count * bpp;
  }
  const q = positionsOf(all, total, bpp);
  const order = identity(total);
  const kept = selectNodePoints(q, order, 0, total, node.cube, sampler, scratch, childCounts);
  nodes.set(node.name, {
    count: kept,
    childMask: node.childMask,
    records: gatherRecords(all, order, 0, kept, bpp, new Uint8Array(kept * bpp), 0),
  });
  let from = kept;
  for (let c = 0; c < 8; c++) {
    if (!(node.childMask & (1 << c))) continue;
    const child = nodes.get(node.name + c);
    const n = childCounts[c];
    child.count = n;
    child.records = gatherRecords(all, order, from, n, bpp, new Uint8Array(n * bpp), 0);
    from += n;
  }
}

/** The upper nodes under one top-level octant, deepest first (by name within a level). */
export function mergeTask(task) {
  const nodes = new Map(
    task.roots.map((r) => [
      r.name,
      {
        count: r.count,
        childMask: r.childMask,
        records: r.records instanceof Uint8Array ? r.records : new Uint8Array(r.records),
      },
    ]),
  );
  const sampler = samplerById(task.sampler);
  for (const node of task.upper) mergeNode(node, nodes, task.layout, sampler);
  return {
    nodes: [...nodes].map(([name, n]) => ({ name, count: n.count, childMask: n.childMask, records: n.records })),
  };
}
