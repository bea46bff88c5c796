/**
 * Writes tile-hashes.bin (core/potree/tile-hashes.ts) for a finished hierarchy: each record's entry, the
 * proxies' entries computed from their own chunks first (a chunk's proxies point at chunks written after
 * it, so the chunks are done last to first), and the root over the first chunk.
 */
import { createHash } from 'node:crypto';
import { readHierarchyChunk, isProxy } from '../core/potree/hierarchy.ts';
import { TILE_HASH_BYTES, chunkWithSection, tileHashSection } from '../core/potree/tile-hashes.ts';

export interface TileHashes {
  bytes: Uint8Array;
  /** SHA-256 of the first hierarchy chunk followed by its section: what the manifest states. */
  root: string;
}

const EMPTY = createHash('sha256').digest('hex');

export function writeTileHashes(
  hierarchy: Uint8Array,
  firstChunkSize: number,
  nodeHashes: ReadonlyMap<string, string>,
): TileHashes {
  // The chunks in hierarchy order, with the name of each chunk's root.
  const chunks: { name: string; offset: number; size: number }[] = [];
  const pending = [{ name: 'r', offset: 0, size: firstChunkSize }];
  for (let next = pending.shift(); next; next = pending.shift()) {
    chunks.push(next);
    readHierarchyChunk(hierarchy.subarray(next.offset, next.offset + next.size), next.name).forEach((r, i) => {
      if (isProxy(r, i)) pending.push({ name: r.name, offset: r.byteOffset, size: r.byteSize });
    });
  }
  const bytes = new Uint8Array(tileHashSection({ offset: 0, size: hierarchy.byteLength }).size);
  const chunkHash = new Map<string, string>();
  for (let c = chunks.length - 1; c >= 0; c--) {
    const chunk = chunks[c]!;
    const records = readHierarchyChunk(hierarchy.subarray(chunk.offset, chunk.offset + chunk.size), chunk.name);
    const section = tileHashSection(chunk);
    records.forEach((r, i) => {
      const entry = isProxy(r, i) ? chunkHash.get(r.name) : r.numPoints === 0 ? EMPTY : nodeHashes.get(r.name);
      if (!entry) throw new Error(`tile hashes: no hash for node ${r.name}`);
      bytes.set(Buffer.from(entry, 'hex'), section.offset + i * TILE_HASH_BYTES);
    });
    const own = bytes.subarray(section.offset, section.offset + section.size);
    chunkHash.set(
      chunk.name,
      createHash('sha256')
        .update(chunkWithSection(hierarchy.subarray(chunk.offset, chunk.offset + chunk.size), own))
        .digest('hex'),
    );
  }
  return { bytes, root: chunkHash.get('r')! };
}
