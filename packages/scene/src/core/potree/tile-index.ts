/**
 * The tile index of a Potree layer: the SHA-256 of every hierarchy chunk and every node's records.
 *
 * A viewer streams hierarchy.bin and octree.bin by byte ranges, and a range cannot be checked against
 * the whole file's hash. Today the server re-hashes each whole blob, proves it matches its address, and
 * only then issues this index; the viewer checks every piece it fetches against it. Per-node hashes
 * written into the manifest by the builder (issue 19) take this same shape, so the viewer's check does
 * not change when the index comes from the manifest instead of the server.
 */
import type { ByteSpan } from './hierarchy.ts';

export interface PotreeTileIndex {
  /** Whole-file hashes the pieces were proven against. */
  hierarchy: string;
  octree: string;
  firstChunkSize: number;
  /** Byte offset → `[size, sha256]` of each hierarchy chunk. */
  chunks: Record<string, [number, string]>;
  /** Byte offset → `[size, sha256]` of each node's records in octree.bin. */
  nodes: Record<string, [number, string]>;
}

/** The expected SHA-256 of a piece, or null when the index does not list a piece of that offset and size. */
export function expectedTileHash(index: PotreeTileIndex, part: 'chunks' | 'nodes', span: ByteSpan): string | null {
  const entry = index[part][String(span.offset)];
  return entry && entry[0] === span.size ? entry[1] : null;
}
