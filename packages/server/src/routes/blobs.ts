/**
 * Blobs by SHA-256 (immutable: ETag = hash, Range requests for streaming tiles) and the tile index of
 * each point-cloud layer, which lets the viewer check every range it fetches.
 */
import * as fs from 'node:fs';
import { sep } from 'node:path';
import type { ServedCase, ServerContext } from '../context.ts';
import { parseRange, sendJson } from '../http.ts';
import type { RouteRequest, Router } from '../router.ts';
import { VestigeError } from '@vestige/evidence';

const SHA256 = /^[0-9a-f]{64}$/;

async function realBlob(c: ServedCase, sha: string): Promise<{ real: string; size: number }> {
  if (!SHA256.test(sha))
    throw new VestigeError('E_PARAM_INVALID', 'blobs are addressed by 64 lower-case hexadecimal characters');
  const missing = () => new VestigeError('E_BLOB_MISSING', 'no such blob in this case');
  let real: string;
  let stat: fs.Stats;
  try {
    real = await fs.promises.realpath(c.store.blobs.pathOf(sha));
    stat = await fs.promises.stat(real);
  } catch {
    throw missing();
  }
  // Belt and braces: whatever the store's layout, never hand out a file outside the case's blobs.
  if (!real.startsWith(c.blobRoot + sep) || !stat.isFile()) throw missing();
  return { real, size: stat.size };
}

async function serveBlob({ req, res, method }: RouteRequest, c: ServedCase, sha: string): Promise<void> {
  const { real, size } = await realBlob(c, sha);
  const etag = `"${sha}"`;
  const headers: Record<string, string | number> = {
    ETag: etag,
    'Cache-Control': 'private, max-age=31536000, immutable',
    'Accept-Ranges': 'bytes',
    'Content-Type': 'application/octet-stream',
    'Content-Security-Policy': "default-src 'none'; sandbox",
  };
  const inm = req.headers['if-none-match'];
  if (
    inm &&
    inm
      .split(',')
      .map((s) => s.trim().replace(/^W\//, ''))
      .includes(etag)
  ) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const ifRange = req.headers['if-range'];
  const range = ifRange && ifRange !== etag ? undefined : parseRange(req.headers.range, size);
  if (range === null) {
    res.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}` });
    res.end();
    return;
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? size - 1;
  const length = size === 0 ? 0 : end - start + 1;
  if (range) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  headers['Content-Length'] = length;
  res.writeHead(range ? 206 : 200, headers);
  if (method === 'HEAD' || length === 0) {
    res.end();
    return;
  }
  await new Promise<void>((ok, fail) => {
    const stream = fs.createReadStream(real, { start, end });
    stream.on('error', fail);
    res.on('close', () => {
      stream.destroy();
      ok();
    });
    stream.pipe(res);
  });
}

export function blobRoutes(router: Router, ctx: ServerContext): void {
  const blob = (r: RouteRequest) => serveBlob(r, ctx.caseFor(r.req, r.params.case!).served, r.params.sha!);
  router.on('GET', '/api/cases/:case/blobs/:sha', blob);
  // A file name after the hash, for tools that want one (Potree loaders ask for `…/octree.bin`).
  router.on('GET', '/api/cases/:case/blobs/:sha/:name', blob);

  router.on('GET', '/api/cases/:case/scenes/:scene/layers/:layer/index', async ({ req, res, params }) => {
    const { served } = ctx.caseFor(req, params.case!);
    const manifest = ctx.sceneOf(served, params.scene!);
    const layer = manifest.layers.find((l) => l.id === params.layer);
    if (!layer || layer.type !== 'pointcloud')
      throw new VestigeError('E_NOT_FOUND', `no point-cloud layer ${params.layer} in scene ${params.scene}`);
    // The URL names the layer, not its blobs, so a rebuilt scene must not meet a stale cached index:
    // revalidate every time, answering 304 while the layer's blobs are unchanged.
    const etag = `"index-${layer.files.hierarchy.sha256.slice(0, 24)}-${layer.files.octree.sha256.slice(0, 24)}"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { ETag: etag, 'Cache-Control': 'private, no-cache' });
      res.end();
      return;
    }
    sendJson(res, 200, await ctx.indexes.get(served.store, layer), {
      'Cache-Control': 'private, no-cache',
      ETag: etag,
    });
  });
}
