/**
 * The built viewer (apps/viewer/dist): its page at `/`, `/view` and `/index.html`, with preload links
 * for a signed-in scene page; its hashed assets cached for good; gzip for text.
 */
import * as fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { extname, join, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseSceneManifest, type SceneManifest } from '@vestige/scene';
import { mayOpenCase } from '../auth.ts';
import type { ServerContext } from '../context.ts';
import { allowOnlyReading, type Router } from '../router.ts';
import { VestigeError } from '@vestige/evidence';

const STATIC_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
};

export const VIEWER_NOT_BUILT =
  'The viewer is not built. Run `pnpm install` (it builds the viewer) or `node scripts/build-viewer.mjs`, then restart `vestige serve`.';

/**
 * For a signed-in scene page: the manifest, each point layer's metadata.json (and tile index, for layers
 * without tile hashes), as preload
 * links, so the browser fetches them while it is still parsing the viewer's code (the URLs and request
 * modes are exactly those the viewer uses, so the responses are reused).
 */
function preloadLinks(ctx: ServerContext, req: IncomingMessage): string[] {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const caseId = url.searchParams.get('case');
  const sceneId = url.searchParams.get('scene');
  const p = ctx.principalOf(req);
  if (!caseId || !sceneId || !p || !mayOpenCase(p, caseId)) return [];
  const c = ctx.cases.get(caseId);
  if (!c) return [];
  let manifest: SceneManifest;
  try {
    const value = c.store.getRecord('scenes', sceneId);
    if (value === undefined) return [];
    manifest = parseSceneManifest(value);
  } catch {
    return [];
  }
  const base = `/api/cases/${encodeURIComponent(caseId)}`;
  const scene = `${base}/scenes/${encodeURIComponent(sceneId)}`;
  const links = [`<${scene}>; rel=preload; as=fetch; crossorigin`];
  for (const layer of manifest.layers) {
    if (layer.type !== 'pointcloud') continue;
    // A layer with tile hashes is checked against its manifest: the server's index (a re-hash of the whole
    // octree, seconds at 200 M points) is needed only for scenes built before them.
    if (!layer.tileHashes)
      links.push(`<${scene}/layers/${encodeURIComponent(layer.id)}/index>; rel=preload; as=fetch; crossorigin`);
    links.push(`<${base}/blobs/${layer.files.metadata.sha256}>; rel=preload; as=fetch; crossorigin`);
  }
  return links;
}

async function readStatic(file: string): Promise<{ body: Buffer; stat: fs.Stats } | null> {
  try {
    const stat = await fs.promises.stat(file);
    return stat.isFile() ? { body: await fs.promises.readFile(file), stat } : null;
  } catch {
    return null;
  }
}

export function viewerRoutes(router: Router, ctx: ServerContext): void {
  const gzipped = new Map<string, { mtimeMs: number; bytes: Buffer }>();
  const gzipOf = (file: string, found: { body: Buffer; stat: fs.Stats }): Buffer => {
    let gz = gzipped.get(file);
    if (!gz || gz.mtimeMs !== found.stat.mtimeMs) {
      gz = { mtimeMs: found.stat.mtimeMs, bytes: gzipSync(found.body, { level: 9 }) };
      gzipped.set(file, gz);
    }
    return gz.bytes;
  };

  router.fallback(async ({ req, res, path, method }) => {
    if (path === '/api' || path.startsWith('/api/')) throw new VestigeError('E_NOT_FOUND', 'no such API');
    allowOnlyReading({ method, res });
    const isPage = path === '/' || path === '/view' || path === '/index.html';
    const file = isPage ? join(ctx.viewerDir, 'index.html') : join(ctx.viewerDir, path);
    if (!isPage && !file.startsWith(ctx.viewerDir + sep)) throw new VestigeError('E_NOT_FOUND', 'not found');
    const found = await readStatic(file);
    if (!found) {
      if (!isPage) throw new VestigeError('E_NOT_FOUND', 'not found');
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(VIEWER_NOT_BUILT);
      return;
    }
    if (isPage) {
      const links = preloadLinks(ctx, req);
      if (links.length > 0) res.setHeader('Link', links.join(', '));
    }
    const type = STATIC_TYPES[extname(file)] ?? 'application/octet-stream';
    const headers: Record<string, string | number> = {
      'Content-Type': type,
      'Cache-Control': path.startsWith('/assets/') ? 'private, max-age=31536000, immutable' : 'no-cache',
      Vary: 'Accept-Encoding',
    };
    let body = found.body;
    // The bundle is mostly three.js: gzip cuts the bytes before the first frame by about three quarters.
    if (
      /^(text\/|application\/json|image\/svg)/.test(type) &&
      /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))
    ) {
      body = gzipOf(file, found);
      headers['Content-Encoding'] = 'gzip';
    }
    headers['Content-Length'] = body.length;
    res.writeHead(200, headers);
    res.end(method === 'HEAD' ? undefined : body);
  });
}
