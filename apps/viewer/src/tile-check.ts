/**
 * Where the viewer's trust in each piece of a point-cloud layer comes from.
 *
 * `ManifestTileCheck`: the builder's tile hashes (core/potree/tile-hashes.ts), named by the manifest. A
 * hierarchy chunk is fetched with its section of tile-hashes.bin and checked against the manifest's root
 * (the first chunk) or the entry its parent chunk gave (a proxy); the section then gives every node's
 * hash and every proxy's. So the server is trusted for nothing but the manifest, whose own hash the
 * sign-in page shows and the viewer checks (manifest-check.ts). A server that changes a tile and
 * recomputes its hashes cannot change what the manifest says.
 *
 * `ServerTileCheck`: layers built before tile hashes existed; the server re-hashes the whole blobs and
 * issues an index (packages/server/src/node-index.ts), and the viewer checks each piece against that.
 */
import {
  chunkWithSection,
  expectedTileHash,
  readHierarchyChunk,
  sectionEntries,
  tileHashSection,
  type ByteSpan,
  type PointCloudLayer,
  type PotreeTileIndex,
} from '@vestige/scene/core';
import { IntegrityError, verified, type Api } from './api.ts';

export interface TileCheck {
  /** Where the hierarchy starts (the first chunk's size), as the check's source of trust states it. */
  readonly firstChunkSize: number;
  /** Fetches the hierarchy chunk of node `name` and checks it; refuses with IntegrityError. */
  chunk(name: string, span: ByteSpan): Promise<ArrayBuffer>;
  /** The SHA-256 a node's records must have, or null when the source of trust does not list the node. */
  expectedNode(name: string, span: ByteSpan): string | null;
  /** Words for the panel: what the tiles are checked against. */
  readonly describe: string;
}

export class ManifestTileCheck implements TileCheck {
  private readonly nodes = new Map<string, string>();
  private readonly chunks = new Map<string, string>();
  readonly describe = 'every tile checked against the tile hashes the manifest names';

  constructor(
    private readonly api: Api,
    private readonly layer: PointCloudLayer & { tileHashes: NonNullable<PointCloudLayer['tileHashes']> },
  ) {
    this.chunks.set('r', layer.tileHashes.root);
  }

  get firstChunkSize(): number {
    return this.layer.tileHashes.firstChunkSize;
  }

  async chunk(name: string, span: ByteSpan): Promise<ArrayBuffer> {
    const what = `${this.layer.name}: hierarchy of node ${name}`;
    const expected = this.chunks.get(name);
    if (!expected) throw new IntegrityError(what, 'a chunk the tile hashes list', 'a chunk they do not list');
    const section = tileHashSection(span);
    const [bytes, hashes] = await Promise.all([
      this.api.blob(this.layer.files.hierarchy.sha256, { start: span.offset, end: span.offset + span.size }),
      this.api.blob(this.layer.tileHashes.sha256, { start: section.offset, end: section.offset + section.size }),
    ]);
    await verified(
      what,
      chunkWithSection(new Uint8Array(bytes), new Uint8Array(hashes)).buffer as ArrayBuffer,
      expected,
    );
    const entries = sectionEntries(
      readHierarchyChunk(new Uint8Array(bytes), name, `${this.layer.name}: hierarchy.bin`),
      new Uint8Array(hashes),
    );
    for (const [n, h] of entries.nodes) this.nodes.set(n, h);
    for (const [n, h] of entries.chunks) this.chunks.set(n, h);
    return bytes;
  }

  expectedNode(name: string): string | null {
    return this.nodes.get(name) ?? null;
  }
}

export class ServerTileCheck implements TileCheck {
  readonly describe =
    'tiles checked against the index the server issued after re-hashing the whole files (this scene was built before tile hashes)';

  private constructor(
    private readonly api: Api,
    private readonly layer: PointCloudLayer,
    private readonly index: PotreeTileIndex,
  ) {}

  static async open(api: Api, layer: PointCloudLayer, sceneId: string): Promise<ServerTileCheck> {
    const index = await api.getJson<PotreeTileIndex>(
      `scenes/${encodeURIComponent(sceneId)}/layers/${encodeURIComponent(layer.id)}/index`,
    );
    return new ServerTileCheck(api, layer, index);
  }

  get firstChunkSize(): number {
    return this.index.firstChunkSize;
  }

  async chunk(name: string, span: ByteSpan): Promise<ArrayBuffer> {
    const expected = expectedTileHash(this.index, 'chunks', span);
    if (!expected)
      throw new IntegrityError(
        `${this.layer.name}: hierarchy chunk ${name}`,
        'a listed chunk',
        'a chunk the index does not list',
      );
    return verified(
      `${this.layer.name}: hierarchy of node ${name}`,
      await this.api.blob(this.layer.files.hierarchy.sha256, { start: span.offset, end: span.offset + span.size }),
      expected,
    );
  }

  expectedNode(_name: string, span: ByteSpan): string | null {
    return expectedTileHash(this.index, 'nodes', span);
  }
}

/** The manifest's tile hashes when the layer has them, else the server's index. */
export async function tileCheckFor(api: Api, layer: PointCloudLayer, sceneId: string): Promise<TileCheck> {
  return layer.tileHashes
    ? new ManifestTileCheck(api, { ...layer, tileHashes: layer.tileHashes })
    : ServerTileCheck.open(api, layer, sceneId);
}
