/**
 * Potree 2.0 hierarchy.bin: 22-byte node records (type u8, childMask u8, numPoints u32, byteOffset u64,
 * byteSize u64), grouped in chunks of `stepSize` levels so a viewer loads the tree piece by piece. A chunk
 * lists its root first and then its nodes breadth first, octants ascending; nodes `stepSize` levels below
 * the chunk root are proxies (type 2) whose offset and size point at their own chunk in hierarchy.bin.
 */

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
  if (!root) throw new Error('hierarchy has no root node');

  const childrenOf = (node: HierarchyNode): HierarchyNode[] => {
    const out: HierarchyNode[] = [];
    for (let c = 0; c < 8; c++) {
      if (node.childMask & (1 << c)) {
        const child = byName.get(node.name + c);
        if (!child) throw new Error(`hierarchy is missing node ${node.name + c}`);
        out.push(child);
      }
    }
    return out;
  };

  // Each chunk: its node list in BFS order, with proxies marked.
  interface Chunk { root: HierarchyNode; records: { node: HierarchyNode; proxy: boolean }[]; offset: number }
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

/**
 * Walks hierarchy.bin the way Potree's loader does (chunk by chunk, following proxies) and returns every
 * real node. Used by tests and by `scene info`; a viewer may use it too.
 */
export function readHierarchy(bytes: Uint8Array, firstChunkSize: number): HierarchyNode[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: HierarchyNode[] = [];
  const chunks: { name: string; offset: number; size: number }[] = [{ name: 'r', offset: 0, size: firstChunkSize }];
  while (chunks.length > 0) {
    const chunk = chunks.shift()!;
    if (chunk.offset + chunk.size > bytes.byteLength || chunk.size % NODE_RECORD_BYTES !== 0) {
      throw new Error(`hierarchy chunk ${chunk.name} lies outside hierarchy.bin`);
    }
    const count = chunk.size / NODE_RECORD_BYTES;
    const names: string[] = [chunk.name];
    for (let i = 0; i < count; i++) {
      const at = chunk.offset + i * NODE_RECORD_BYTES;
      const name = names[i];
      if (name === undefined) throw new Error(`hierarchy chunk ${chunk.name} has more records than nodes`);
      const type = view.getUint8(at);
      const childMask = view.getUint8(at + 1);
      const numPoints = view.getUint32(at + 2, true);
      const byteOffset = Number(view.getBigUint64(at + 6, true));
      const byteSize = Number(view.getBigUint64(at + 14, true));
      if (type === NodeType.proxy && i > 0) {
        chunks.push({ name, offset: byteOffset, size: byteSize });
        continue;
      }
      out.push({ name, numPoints, byteOffset, byteSize, childMask });
      for (let c = 0; c < 8; c++) if (childMask & (1 << c)) names.push(name + c);
    }
  }
  return out;
}
