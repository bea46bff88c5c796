/** The cases a principal may open, and their items (with image thumbnails). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Item } from '@vestige/evidence';
import { caseSummary, itemSummary, type ServedCase, type ServerContext } from '../context.ts';
import { sendJson } from '../http.ts';
import type { Router } from '../router.ts';
import { VestigeError } from '@vestige/evidence';

/** Made once per item and kept (at most 500), since a thumbnail of an original never changes. */
class ThumbnailCache {
  private readonly bytes = new Map<string, Buffer>();

  async serve(req: IncomingMessage, res: ServerResponse, c: ServedCase, item: Item): Promise<void> {
    if (!item.mediaType.startsWith('image/')) throw new VestigeError('E_NOT_FOUND', `item ${item.id} is not an image`);
    const etag = `"thumb-${item.sha256}"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { ETag: etag });
      res.end();
      return;
    }
    let bytes = this.bytes.get(item.sha256);
    if (!bytes) {
      const { default: sharp } = await import('sharp');
      const input = await c.store.blobs.read(item.sha256);
      bytes = await sharp(input, { failOn: 'none' })
        .rotate()
        .resize(320, 320, { fit: 'inside', withoutEnlargement: true })
        .jpeg({ quality: 80 })
        .toBuffer();
      if (this.bytes.size > 500) this.bytes.delete(this.bytes.keys().next().value!);
      this.bytes.set(item.sha256, bytes);
    }
    res.writeHead(200, {
      'Content-Type': 'image/jpeg',
      'Content-Length': bytes.length,
      ETag: etag,
      'Cache-Control': 'private, max-age=31536000, immutable',
    });
    res.end(bytes);
  }
}

function itemOf(c: ServedCase, ref: string): Item {
  const item = c.store.findItem(ref);
  if (!item) throw new VestigeError('E_ITEM_NOT_FOUND', `no item ${ref} in this case`);
  return item;
}

export function caseRoutes(router: Router, ctx: ServerContext): void {
  const thumbnails = new ThumbnailCache();

  router.on('GET', '/api/cases', ({ req, res }) => {
    sendJson(res, 200, { cases: ctx.visibleCases(ctx.requirePrincipal(req)) });
  });

  router.on('GET', '/api/cases/:case', ({ req, res, params }) => {
    const { principal, served } = ctx.caseFor(req, params.case!);
    sendJson(res, 200, { ...caseSummary(served.store), readOnly: ctx.isReadOnly(principal) });
  });

  router.on('GET', '/api/cases/:case/items', ({ req, res, params, url }) => {
    const { served } = ctx.caseFor(req, params.case!);
    const prefix = url.searchParams.get('mediaType') ?? undefined;
    sendJson(res, 200, { items: served.store.items(prefix ? { mediaTypePrefix: prefix } : {}).map(itemSummary) });
  });

  router.on('GET', '/api/cases/:case/items/:item', ({ req, res, params }) => {
    const { served } = ctx.caseFor(req, params.case!);
    const item = itemOf(served, params.item!);
    sendJson(res, 200, { ...itemSummary(item), metadata: item.metadata });
  });

  router.on('GET', '/api/cases/:case/items/:item/thumbnail', ({ req, res, params }) => {
    const { served } = ctx.caseFor(req, params.case!);
    return thumbnails.serve(req, res, served, itemOf(served, params.item!));
  });
}
