/**
 * Potree 2.0 hierarchy.bin: 22-byte node records (type u8, childMask u8, numPoints u32, byteOffset u64,
 * byteSize u64), grouped in chunks of `stepSize` levels so a viewer loads the tree piece by piece. A chunk
 * lists its root first and then its nodes breadth first, octants ascending; nodes `stepSize` levels below
 * the chunk root are proxies (type 2) whose offset and size point at their own chunk in hierarchy.bin.
 */

import { VestigeError } from '@vestige/evidence/errors';

export const NODE_RECORD_BYTES = 22;
export const HIERARCHY_STEP = 4;

export const NodeType = { normal: 0, leaf: 1, proxy: 2 } as const;

export interface HierarchyNode {
  /** `r`, `r0`, `r07` … */
  name: string;
  numPoints: number;
  /** Position of the node's records in octree.bin. */
  byteOffset: number;
  byteSize: number;
  childMask: number;
}

export interface WrittenHierarchy {
  bytes: Uint8Array;
  firstChunkSize: number;
  depth: number;
}

/** Writes hierarchy.bin for a complete tree. `nodes` must contain `r` and every node's ancestors. */
export function writeHierarchy(nodes: Iterable<HierarchyNode>, stepSize = HIERARCHY_STEP): WrittenHierarchy {
  const byName = new Map<string, HierarchyNode>();
  let depth = 0;
  for (const n of nodes) {
    byName.set(n.name, n);
    depth = Math.max(depth, n.name.length - 1);
  }
  const root = byName.get('r');
  if (!root)
    throw new VestigeError('E_SCENE_INVALID', 'hierarchy has no root node', {
      hint: 'Rebuild the scene with `vestige scene build`.',
    });

  const childrenOf = (node: HierarchyNode): HierarchyNode[] => {
    const out: HierarchyNode[] = [];
    for (let c = 0; c < 8; c++) {
      if (node.childMask & (1 << c)) {
        const child = byName.get(node.name + c);
        if (!child)
          throw new VestigeError('E_SCENE_INVALID', `hierarchy is missing node ${node.name + c}`, {
            hint: 'Rebuild the scene with `vestige scene build`.',
          });
        out.push(child);
      }
    }
    return out;
  };

  // Each chunk: its node list in BFS order, with proxies marked.
  interface Chunk {
    root: HierarchyNode;
    records: { node: HierarchyNode; proxy: boolean }[];
    offset: number;
  }
  const chunks: Chunk[] = [];
  const chunkByRoot = new Map<string, Chunk>();
  const pending: HierarchyNode[] = [root];
  while (pending.length > 0) {
    const chunkRoot = pending.shift()!;
    const rootLevel = chunkRoot.name.length - 1;
    const records: { node: HierarchyNode; proxy: boolean }[] = [];
    const queue: HierarchyNode[] = [chunkRoot];
    for (let q = 0; q < queue.length; q++) {
      const node = queue[q]!;
      const level = node.name.length - 1;
      const isProxy = level === rootLevel + stepSize;
      records.push({ node, proxy: isProxy });
      if (isProxy) {
        pending.push(node);
        continue;
      }
      for (const child of childrenOf(node)) queue.push(child);
    }
    const chunk: Chunk = { root: chunkRoot, records, offset: 0 };
    chunks.push(chunk);
    chunkByRoot.set(chunkRoot.name, chunk);
  }
  let offset = 0;
  for (const chunk of chunks) {
    chunk.offset = offset;
    offset += chunk.records.length * NODE_RECORD_BYTES;
  }
  const bytes = new Uint8Array(offset);
  const view = new DataView(bytes.buffer);
  for (const chunk of chunks) {
    let at = chunk.offset;
    for (const { node, proxy } of chunk.records) {
      if (proxy) {
        const target = chunkByRoot.get(node.name)!;
        view.setUint8(at, NodeType.proxy);
        view.setUint8(at + 1, node.childMask);
        view.setUint32(at + 2, node.numPoints, true);
        view.setBigUint64(at + 6, BigInt(target.offset), true);
        view.setBigUint64(at + 14, BigInt(target.records.length * NODE_RECORD_BYTES), true);
      } else {
        view.setUint8(at, node.childMask === 0 ? NodeType.leaf : NodeType.normal);
        view.setUint8(at + 1, node.childMask);
        view.setUint32(at + 2, node.numPoints, true);
        view.setBigUint64(at + 6, BigInt(node.byteOffset), true);
        view.setBigUint64(at + 14, BigInt(node.byteSize), true);
      }
      at += NODE_RECORD_BYTES;
    }
  }
  return { bytes, firstChunkSize: chunks[0]!.records.length * NODE_RECORD_BYTES, depth };
}

/** One 22-byte record of a hierarchy chunk, with the node name its position in the chunk gives it. */
export interface HierarchyRecord {
  name: string;
  type: number;
  childMask: number;
  numPoints: number;
  /** For a proxy: where its own chunk lies in hierarchy.bin; otherwise where its points lie in octree.bin. */
  byteOffset: number;
  byteSize: number;
}

/** A byte range of hierarchy.bin or octree.bin. */
export interface ByteSpan {
  offset: number;
  size: number;
}

function invalid(message: string, file: string | undefined): VestigeError {
  return new VestigeError('E_SCENE_INVALID', message, {
    ...(file === undefined ? {} : { file }),
    hint: 'The octree files of this scene are damaged or were not written by a Potree 2.0 writer; rebuild the scene with `vestige scene build`.',
  });
}

/**
 * Reads one hierarchy chunk (as a viewer fetches it), naming each record: the chunk's root first, then
 * its nodes breadth first, octants ascending. Records after the first with type 2 are proxies: their
 * offset and size locate their own chunk.
 */
export function readHierarchyChunk(chunk: Uint8Array, rootName: string, file?: string): HierarchyRecord[] {
  if (chunk.byteLength % NODE_RECORD_BYTES !== 0)
    throw invalid(`hierarchy chunk ${rootName} is not a whole number of ${NODE_RECORD_BYTES}-byte records`, file);
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const names: string[] = [rootName];
  const out: HierarchyRecord[] = [];
  for (let i = 0; i < chunk.byteLength / NODE_RECORD_BYTES; i++) {
    const at = i * NODE_RECORD_BYTES;
    const name = names[i];
    if (name === undefined)
      throw invalid(`hierarchy chunk ${rootName} has more records than its nodes have children`, file);
    const record: HierarchyRecord = {
      name,
      type: view.getUint8(at),
      childMask: view.getUint8(at + 1),
      numPoints: view.getUint32(at + 2, true),
      byteOffset: Number(view.getBigUint64(at + 6, true)),
      byteSize: Number(view.getBigUint64(at + 14, true)),
    };
    out.push(record);
    if (isProxy(record, i)) continue;
    for (let c = 0; c < 8; c++) if (record.childMask & (1 << c)) names.push(name + c);
  }
  return out;
}

/** A record that points at another chunk (never the chunk's own root, whose type is its real type). */
export function isProxy(record: Pick<HierarchyRecord, 'type'>, indexInChunk: number): boolean {
  return record.type === NodeType.proxy && indexInChunk > 0;
}

/**
 * Walks hierarchy.bin the way Potree's loader does (chunk by chunk, following proxies): every chunk's
 * span and every real node. A chunk named twice (a loop in a hostile file) is read once.
 */
export function walkHierarchy(
  bytes: Uint8Array,
  firstChunkSize: number,
  file?: string,
): { chunks: ByteSpan[]; nodes: HierarchyNode[] } {
  const chunks: ByteSpan[] = [];
  const nodes: HierarchyNode[] = [];
  const pending: (ByteSpan & { name: string })[] = [{ name: 'r', offset: 0, size: firstChunkSize }];
  const seen = new Set<number>();
  for (let next = pending.shift(); next; next = pending.shift()) {
    if (seen.has(next.offset)) continue;
    seen.add(next.offset);
    if (next.offset + next.size > bytes.byteLength)
      throw invalid(`hierarchy chunk ${next.name} lies outside hierarchy.bin`, file);
    chunks.push({ offset: next.offset, size: next.size });
    const records = readHierarchyChunk(bytes.subarray(next.offset, next.offset + next.size), next.name, file);
    records.forEach((r, i) => {
      if (isProxy(r, i)) pending.push({ name: r.name, offset: r.byteOffset, size: r.byteSize });
      else
        nodes.push({
          name: r.name,
          numPoints: r.numPoints,
          byteOffset: r.byteOffset,
          byteSize: r.byteSize,
          childMask: r.childMask,
        });
    });
  }
  return { chunks, nodes };
}

/** Every real node of hierarchy.bin (see `walkHierarchy`). */
export function readHierarchy(bytes: Uint8Array, firstChunkSize: number, file?: string): HierarchyNode[] {
  return walkHierarchy(bytes, firstChunkSize, file).nodes;
}
