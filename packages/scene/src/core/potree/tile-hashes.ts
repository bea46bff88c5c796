/**
 * Tile hashes written by the octree builder: a hash tree laid over hierarchy.bin, so a viewer that trusts
 * only the manifest can check every hierarchy chunk and every node it fetches, piece by piece.
 *
 * `tile-hashes.bin` holds 32 bytes (a SHA-256) for each 22-byte record of hierarchy.bin, at the same
 * record index: the section of a hierarchy chunk at byte offset o and size s lies at o / 22 × 32, size
 * s / 22 × 32. The entry of a normal or leaf record is the SHA-256 of that node's records in octree.bin
 * (of nothing, for an empty node); the entry of a proxy record is the SHA-256 of the proxy's own
 * hierarchy chunk followed by that chunk's section. The manifest names the file and states the root:
 * SHA-256 of the first hierarchy chunk followed by its section.
 *
 * So a viewer fetches a hierarchy chunk and its section together (two byte ranges), checks them against
 * the root or against the proxy entry it already trusts, and from then on trusts the entries inside. The
 * first frame needs the first chunk's section only, whatever the size of the scene; a whole-file index
 * would grow with the scene (about 6 MB at 200 M points).
 */
import { NODE_RECORD_BYTES, isProxy, type ByteSpan, type HierarchyRecord } from './hierarchy.ts';

export const TILE_HASH_BYTES = 32;

/** Where the section of the hierarchy chunk at `chunk` lies in tile-hashes.bin. */
export function tileHashSection(chunk: ByteSpan): ByteSpan {
  return {
    offset: (chunk.offset / NODE_RECORD_BYTES) * TILE_HASH_BYTES,
    size: (chunk.size / NODE_RECORD_BYTES) * TILE_HASH_BYTES,
  };
}

/** The hash a hierarchy chunk and its section are checked against: SHA-256 of the two, one after the other. */
export function chunkWithSection(chunk: Uint8Array, section: Uint8Array): Uint8Array {
  const joined = new Uint8Array(chunk.byteLength + section.byteLength);
  joined.set(chunk, 0);
  joined.set(section, chunk.byteLength);
  return joined;
}

function hex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/**
 * What a checked chunk's section says: the SHA-256 of each node's records, and of each proxy's chunk
 * with its section, by node name.
 */
export function sectionEntries(
  records: readonly HierarchyRecord[],
  section: Uint8Array,
): { nodes: Map<string, string>; chunks: Map<string, string> } {
  if (section.byteLength !== records.length * TILE_HASH_BYTES)
    throw new Error(
      `a tile-hash section of ${section.byteLength} bytes does not match ${records.length} hierarchy records`,
    );
  const nodes = new Map<string, string>();
  const chunks = new Map<string, string>();
  records.forEach((r, i) => {
    const entry = hex(section.subarray(i * TILE_HASH_BYTES, (i + 1) * TILE_HASH_BYTES));
    if (isProxy(r, i)) chunks.set(r.name, entry);
    else nodes.set(r.name, entry);
  });
  return { nodes, chunks };
}
