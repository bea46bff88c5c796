// The octree build's node work on worker threads (plain JavaScript; types in node-tasks.d.mts):
//
//   subtree — one spatial chunk of chunks.bin becomes its subtree (kernel.mjs). As soon as the chunk's
//             root is chosen its size is reported, the build answers where the chunk's other nodes go in
//             octree.bin (which is chunks.bin, rewritten in place: subtrees.ts) and where its root goes
//             in roots.bin, and the thread writes them there itself, hashing each node (SHA-256) as it
//             is written: these are the tile hashes of the manifest. No thread holds the roots of every
//             chunk while the others are built.
//   merge   — the levels above the chunks under one top-level octant (then the root over the octants),
//             chosen bottom-up from the chunk roots with the same sampler, on the records themselves.
//             Depth first, children before their parent, every node's records on disk: a node's points
//             go to a pending file, its children's rest (final once their parent has taken its points)
//             to the output. The grid merge streams the children through the grid; Poisson reads them
//             into memory, which bounds it by eight children of at most 128³ points.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { GridElection, KernelScratch, buildSubtree, samplerById, selectNodePoints } from '../potree/kernel.mjs';
import { readExact, writeAllAt } from './record-passes.mjs';

const scratch = new KernelScratch();

/**
 * The buffers a chunk or a merge needs while it runs, kept and grown rather than allocated each time.
 * Fresh multi-megabyte arrays per task, freed in another order than they were made, left the C allocator
 * holding the freed space: at 200 M points a worker's resident set grew to several times its live arrays.
 */
const reused = {
  records: new Uint8Array(0),
  gathered: new Uint8Array(0),
  sorted: new Uint8Array(0),
  inverse: new Uint32Array(0),
  all: new Uint8Array(0),
  kept: new Uint8Array(0),
  rest: new Uint8Array(0),
  q: new Int32Array(0),
  order: new Uint32Array(0),
};

/** `reused[key]` with room for at least `n` elements (grown by half again, so a few sizes cover a build). */
function reusedAtLeast(key, n) {
  const have = reused[key];
  if (have.length >= n) return have;
  const Type = /** @type {any} */ (have.constructor);
  reused[key] = new Type(Math.max(n, Math.ceil(have.length * 1.5)));
  return reused[key];
}

/** int32 x, y, z of each record (the first 12 bytes of a Potree record), into `into` when given. */
export function positionsOf(records, count, bpp, into) {
  const q = into ?? new Int32Array(count * 3);
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
  for (let i = 0, o = 0; i < count; i++, o += bpp) {
    q[i * 3] = view.getInt32(o, true);
    q[i * 3 + 1] = view.getInt32(o + 4, true);
    q[i * 3 + 2] = view.getInt32(o + 8, true);
  }
  return q;
}

/**
 * Copies one `bpp`-byte record: four bytes at a time, then its last one to three (a byte loop over
 * 21-byte records was a third of the index pass).
 */
function copyRecord(from, fromView, src, to, toView, dst, bpp) {
  const words = bpp - (bpp & 3);
  let b = 0;
  for (; b < words; b += 4) toView.setUint32(dst + b, fromView.getUint32(src + b, true), true);
  for (; b < bpp; b++) to[dst + b] = from[src + b];
}

/**
 * Puts record order[j] at place j of `out`, for every j < count: each record read once, in turn, and
 * written to its place (reading them in `order` instead missed the cache at almost every record, and
 * took twice as long).
 */
function scatterRecords(records, order, count, bpp, out) {
  const placeOfRecord = reusedAtLeast('inverse', count);
  for (let j = 0; j < count; j++) placeOfRecord[order[j]] = j;
  const from = new DataView(records.buffer, records.byteOffset, records.byteLength);
  const to = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let i = 0, src = 0; i < count; i++, src += bpp)
    copyRecord(records, from, src, out, to, placeOfRecord[i] * bpp, bpp);
  return out.subarray(0, count * bpp);
}

/** Copies the records order[start, start + count) to `out` at byte `at`. */
export function gatherRecords(records, order, start, count, bpp, out, at) {
  const from = new DataView(records.buffer, records.byteOffset, records.byteLength);
  const to = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let i = 0; i < count; i++) {
    copyRecord(records, from, order[start + i] * bpp, out, to, at, bpp);
    at += bpp;
  }
  return out;
}

export function sha256Hex(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

/** 0 … n − 1 in the first n places of the reused order array. */
function identity(n) {
  const order = reusedAtLeast('order', n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
}

/**
 * Blocks until the build has answered this chunk's places in octree.bin and roots.bin (or −1: the build
 * stopped).
 */
function placeOf(shared, slot) {
  const flags = new Int32Array(shared.flags);
  for (;;) {
    const flag = Atomics.load(flags, slot);
    if (flag === 1)
      return { below: new Float64Array(shared.offsets)[slot], root: new Float64Array(shared.rootOffsets)[slot] };
    if (flag === -1) throw new Error('the octree build stopped');
    Atomics.wait(flags, slot, 0, 1000);
  }
}

function readAt(fd, offset, length, into) {
  const bytes = into ? into.subarray(0, length) : new Uint8Array(length);
  readExact(fd, bytes, offset, 'octree chunk file is truncated');
  return bytes;
}

function readRange(path, offset, length, into) {
  const fd = fs.openSync(path, 'r');
  try {
    return readAt(fd, offset, length, into);
  } finally {
    fs.closeSync(fd);
  }
}

export function subtreeTask(task, report) {
  const { count, layout } = task;
  const bpp = layout.bytesPerPoint;
  const records = readRange(task.chunksPath, task.byteOffset, count * bpp, reusedAtLeast('records', count * bpp));
  const q = positionsOf(records, count, bpp, reusedAtLeast('q', count * 3));
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
  // The chunk in node order (depth-first pre-order, the root first): what octree.bin holds of it.
  const sorted = scatterRecords(records, order, count, bpp, reusedAtLeast('sorted', count * bpp));
  const rootRecords = sorted.subarray(0, root.count * bpp);
  const below = sorted.subarray(root.count * bpp, count * bpp);
  const list = [];
  let at = 0;
  for (let k = 1; k < nodes.length; k++) {
    const node = nodes[k];
    const size = node.count * bpp;
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
  const place = placeOf(task.shared, task.slot);
  // The same file the records came from: the place ends where this chunk's records end, less the roots
  // so far (subtrees.ts says why that is safe).
  writeAt(task.chunksPath, below, place.below);
  writeAt(task.rootsPath, rootRecords, place.root);
  for (const n of list) n.offset += place.below;
  return { root: { count: root.count, childMask: root.childMask, byteOffset: place.root }, nodes: list };
}

function writeAt(path, bytes, position) {
  if (bytes.length === 0) return;
  const fd = fs.openSync(path, 'r+');
  try {
    writeAllAt(fd, bytes, position);
  } finally {
    fs.closeSync(fd);
  }
}

/** Records read and written a batch at a time by the merge. */
const BATCH_BYTES = 4 << 20;

/** Appends to one file at a running offset. */
class Appender {
  constructor(fd) {
    this.fd = fd;
    this.at = 0;
  }

  write(bytes) {
    if (bytes.length > 0) writeAllAt(this.fd, bytes, this.at);
    this.at += bytes.length;
  }
}

/** The records of a node on disk (`count` from byte `offset` of `fd`), a batch at a time. */
function* batchesOf(source, bpp) {
  // The batch size, not the buffer's (a chunk may have grown it): the merge's other buffers hold one batch.
  const buffer = reusedAtLeast('records', BATCH_BYTES);
  const per = Math.max(1, Math.floor(BATCH_BYTES / bpp));
  for (let done = 0; done < source.count; ) {
    const n = Math.min(per, source.count - done);
    yield { bytes: readAt(source.fd, source.offset + done * bpp, n * bpp, buffer), n };
    done += n;
  }
}

/** Appends records order[start, start + count) of `records`, gathered a batch at a time. */
function appendGathered(to, records, order, start, count, bpp) {
  const buffer = reusedAtLeast('gathered', BATCH_BYTES);
  const per = Math.max(1, Math.floor(BATCH_BYTES / bpp));
  for (let done = 0; done < count; ) {
    const n = Math.min(per, count - done);
    to.write(gatherRecords(records, order, start + done, n, bpp, buffer, 0).subarray(0, n * bpp));
    done += n;
  }
}

/**
 * Grid rule over a node's children streamed from disk twice: every point is offered to the node's grid,
 * then each goes to the node (it won its cell) or stays in its child. Kept points come out in input
 * order and each child's rest in its previous order, as selectNodePoints orders them, so the bytes equal
 * an in-memory merge. Holds the grid and two batches, whatever the children's size.
 */
function mergeGridStreamed(node, children, bpp, pending, out) {
  const election = new GridElection(node.cube, scratch);
  let i = 0;
  for (const child of children) {
    for (const { bytes, n } of batchesOf(child, bpp)) {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let k = 0, o = 0; k < n; k++, o += bpp)
        election.offer(view.getInt32(o, true), view.getInt32(o + 4, true), view.getInt32(o + 8, true), i++);
    }
  }
  const keptBytes = reusedAtLeast('kept', BATCH_BYTES);
  const restBytes = reusedAtLeast('rest', BATCH_BYTES);
  const keptView = new DataView(keptBytes.buffer, keptBytes.byteOffset, keptBytes.byteLength);
  const restView = new DataView(restBytes.buffer, restBytes.byteOffset, restBytes.byteLength);
  const keptAt = pending.at;
  const finals = [];
  i = 0;
  for (const child of children) {
    const restAt = out.at;
    for (const { bytes, n } of batchesOf(child, bpp)) {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      let k8 = 0;
      let r8 = 0;
      for (let k = 0, o = 0; k < n; k++, o += bpp) {
        const won = election.won(view.getInt32(o, true), view.getInt32(o + 4, true), view.getInt32(o + 8, true), i++);
        if (won) {
          copyRecord(bytes, view, o, keptBytes, keptView, k8, bpp);
          k8 += bpp;
        } else {
          copyRecord(bytes, view, o, restBytes, restView, r8, bpp);
          r8 += bpp;
        }
      }
      pending.write(keptBytes.subarray(0, k8));
      out.write(restBytes.subarray(0, r8));
    }
    finals.push({ name: child.name, childMask: child.childMask, offset: restAt, size: out.at - restAt });
  }
  return { kept: (pending.at - keptAt) / bpp, keptAt, finals };
}

/**
 * Any sampler over a node's children read into memory together (Poisson orders the points by their
 * distance to the node's centre, so it needs them all): at most eight children of at most 128³ points.
 */
function mergeInMemory(node, children, bpp, sampler, pending, out) {
  const total = children.reduce((n, c) => n + c.count, 0);
  const all = reusedAtLeast('all', total * bpp);
  let at = 0;
  for (const c of children) {
    readAt(c.fd, c.offset, c.count * bpp, all.subarray(at));
    at += c.count * bpp;
  }
  const q = positionsOf(all, total, bpp, reusedAtLeast('q', total * 3));
  const order = identity(total);
  const childCounts = new Uint32Array(8);
  const kept = selectNodePoints(q, order, 0, total, node.cube, sampler, scratch, childCounts);
  const keptAt = pending.at;
  appendGathered(pending, all, order, 0, kept, bpp);
  const finals = [];
  let from = kept;
  for (const child of children) {
    const n = childCounts[child.octant];
    const restAt = out.at;
    appendGathered(out, all, order, from, n, bpp);
    finals.push({ name: child.name, childMask: child.childMask, offset: restAt, size: n * bpp });
    from += n;
  }
  return { kept, keptAt, finals };
}

/**
 * The upper nodes under `task.top`, depth first, children before their parent: each node's children are
 * read from disk (chunk roots from roots.bin, merged nodes from this task's pending file), the node's
 * points are appended to the pending file and the children's rest, now final, to `outPath`. The top
 * node's points stay in the pending file: the root's merge reads them, or, for the root, the write phase.
 */
export function mergeTask(task) {
  const bpp = task.layout.bytesPerPoint;
  const upper = new Map(task.upper.map((n) => [n.name, n]));
  const inputs = new Map(task.inputs.map((r) => [r.name, r]));
  const sampler = samplerById(task.sampler);
  const opened = new Map();
  const fdOf = (path) => {
    if (!opened.has(path)) opened.set(path, fs.openSync(path, 'r'));
    return opened.get(path);
  };
  const pending = new Appender(fs.openSync(task.pendingPath, 'w+'));
  const out = new Appender(fs.openSync(task.outPath, 'w'));
  const nodes = [];
  const resolve = (name) => {
    const input = inputs.get(name);
    if (input)
      return { name, fd: fdOf(input.path), offset: input.byteOffset, count: input.count, childMask: input.childMask };
    const node = upper.get(name);
    if (!node) throw new Error(`octree merge: node ${name} is neither a chunk nor an upper node`);
    const children = [];
    for (let c = 0; c < 8; c++) if (node.childMask & (1 << c)) children.push({ octant: c, ...resolve(name + c) });
    const merged =
      sampler.id === 'grid'
        ? mergeGridStreamed(node, children, bpp, pending, out)
        : mergeInMemory(node, children, bpp, sampler, pending, out);
    for (const f of merged.finals) nodes.push({ ...f, count: f.size / bpp });
    return { name, fd: pending.fd, offset: merged.keptAt, count: merged.kept, childMask: node.childMask };
  };
  try {
    const top = resolve(task.top);
    return {
      top: {
        name: top.name,
        count: top.count,
        childMask: top.childMask,
        path: task.pendingPath,
        byteOffset: top.offset,
      },
      nodes,
    };
  } finally {
    for (const fd of [pending.fd, out.fd, ...opened.values()]) fs.closeSync(fd);
  }
}
