/**
 * Issues the tile index of a Potree layer (`PotreeTileIndex`, scene core): the SHA-256 of every
 * hierarchy chunk and every octree node, handed out only after the whole blobs were re-hashed and proven
 * to match their addresses. The hierarchy is walked by the scene core, as the viewer walks it. The
 * viewer checks every piece it fetches against this index (WebCrypto), so a byte changed on disk after
 * the index was made, or on the way, is refused in the browser.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { VestigeError, type CaseStore } from '@vestige/evidence';
import { walkHierarchy, type ByteSpan as Span, type PointCloudLayer, type PotreeTileIndex } from '@vestige/scene';

/** Hashes a blob whole and each span of it in one pass; throws E_BLOB_CORRUPT if the whole does not match. */
async function hashSpans(store: CaseStore, sha256: string, spans: Span[]): Promise<Record<string, [number, string]>> {
  const path = store.blobs.pathOf(sha256);
  if (!fs.existsSync(path))
    throw new VestigeError('E_BLOB_MISSING', `blob ${sha256} is missing from the case`, { file: path });
  const sorted = [...spans].sort((a, b) => a.offset - b.offset);
  const whole = createHash('sha256');
  const out: Record<string, [number, string]> = {};
  const fd = await fs.promises.open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
    let pos = 0;
    let next = 0; // first span not yet finished
    const open = new Map<number, ReturnType<typeof createHash>>();
    for (;;) {
      const { bytesRead } = await fd.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      const piece = buf.subarray(0, bytesRead);
      whole.update(piece);
      const end = pos + bytesRead;
      // Spans may overlap in a hostile file; handle each independently.
      for (let i = next; i < sorted.length && sorted[i]!.offset < end; i++) {
        const s = sorted[i]!;
        const sEnd = s.offset + s.size;
        if (sEnd <= pos) continue;
        let h = open.get(i);
        if (!h) {
          h = createHash('sha256');
          open.set(i, h);
        }
        h.update(piece.subarray(Math.max(0, s.offset - pos), Math.min(bytesRead, sEnd - pos)));
        if (sEnd <= end) {
          out[String(s.offset)] = [s.size, h.digest('hex')];
          open.delete(i);
        }
      }
      while (next < sorted.length && sorted[next]!.offset + sorted[next]!.size <= end) next++;
      pos = end;
    }
    const actual = whole.digest('hex');
    if (actual !== sha256) {
      throw new VestigeError(
        'E_BLOB_CORRUPT',
        `blob ${sha256} does not match its address (it now hashes to ${actual})`,
        {
          file: path,
          hint: 'The stored file was changed. Run `vestige verify --case DIR` and restore it from a backup or export bundle.',
        },
      );
    }
    for (const s of sorted) {
      if (out[String(s.offset)] === undefined)
        throw new VestigeError('E_SCENE_INVALID', `a node of ${sha256} lies outside the file`, { file: path });
    }
    return out;
  } finally {
    await fd.close();
  }
}

export async function buildLayerIndex(store: CaseStore, layer: PointCloudLayer): Promise<PotreeTileIndex> {
  const metadataBytes = await store.blobs.read(layer.files.metadata.sha256); // verified
  const metadata = JSON.parse(metadataBytes.toString('utf8')) as { hierarchy: { firstChunkSize: number } };
  const hierarchy = await store.blobs.read(layer.files.hierarchy.sha256); // verified
  const walked = walkHierarchy(hierarchy, metadata.hierarchy.firstChunkSize, `${layer.name}: hierarchy.bin`);
  const chunks: Record<string, [number, string]> = {};
  for (const c of walked.chunks)
    chunks[String(c.offset)] = [
      c.size,
      createHash('sha256')
        .update(hierarchy.subarray(c.offset, c.offset + c.size))
        .digest('hex'),
    ];
  const spans = walked.nodes.filter((n) => n.byteSize > 0).map((n) => ({ offset: n.byteOffset, size: n.byteSize }));
  const nodes = await hashSpans(store, layer.files.octree.sha256, spans);
  return {
    hierarchy: layer.files.hierarchy.sha256,
    octree: layer.files.octree.sha256,
    firstChunkSize: metadata.hierarchy.firstChunkSize,
    chunks,
    nodes,
  };
}

/** Indexes are immutable (keyed by the blobs' addresses), so each is made once per server. */
export class LayerIndexCache {
  private readonly cache = new Map<string, Promise<PotreeTileIndex>>();

  get(store: CaseStore, layer: PointCloudLayer): Promise<PotreeTileIndex> {
    const key = `${store.info.id}:${layer.files.hierarchy.sha256}:${layer.files.octree.sha256}`;
    let p = this.cache.get(key);
    if (!p) {
      p = buildLayerIndex(store, layer);
      // A failure is not cached: after the blob is restored, the next request succeeds.
      p.catch(() => this.cache.delete(key));
      this.cache.set(key, p);
    }
    return p;
  }
}
