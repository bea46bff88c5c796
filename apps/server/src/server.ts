import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as fs from 'node:fs';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { z } from 'zod';
import { CaseStore, VestigeError, type Item } from '@vestige/evidence';
import { AnnotationSchema, EvidenceMarkerSchema, MeasurementSchema, parseSceneManifest, type Measurement, type SceneManifest } from '@vestige/scene';
import { checkMeasurement } from './measurement-check.ts';
import { bearerToken, mayOpenCase, newToken, readCookie, secretEquals, SESSION_COOKIE, SessionTable, verifyPassword, type LocalUser, type Principal, type TokenGrant } from './auth.ts';
import { HttpError, parseRange, readJsonBody, securityHeaders, sendError, sendJson } from './http.ts';
import { LayerIndexCache } from './node-index.ts';

export const DEFAULT_VIEWER_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'viewer', 'dist');

export interface ServerOptions {
  /** Case folders to serve. Each is opened once (read-only when `readOnly`). */
  cases: string[];
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Court presentation: the cases are opened read-only and every write is refused. */
  readOnly?: boolean;
  /** Tokens accepted at sign-in. When none and no users are given, one token for every case is made. */
  tokens?: TokenGrant[];
  users?: LocalUser[];
  /** Operator named in custody events for the token made at start. */
  operator?: string;
  /** Folder of the built viewer (apps/viewer/dist). */
  viewerDir?: string;
  /** Hash each scene's tiles at start so the first page load does not wait (default true). */
  warmUp?: boolean;
  log?: (line: string) => void;
}

export interface RunningServer {
  readonly server: Server;
  readonly url: string;
  readonly port: number;
  /** The token made at start (absent when tokens or users were given). */
  readonly token: string | undefined;
  readonly cases: ReadonlyArray<{ id: string; name: string; reference: string; dir: string }>;
  /** URL that signs in with the start token and opens a scene. */
  sceneUrl(caseId: string, sceneId?: string): string;
  close(): Promise<void>;
}

/** Scene-scoped collections the viewer writes, each entry a case record with a custody event. */
const SavedViewSchema = z.object({
  id: z.string().min(1).max(200),
  name: z.string().max(200),
  camera: z.object({
    projection: z.enum(['perspective', 'orthographic']),
    /** Source frame. */
    position: z.tuple([z.number(), z.number(), z.number()]),
    target: z.tuple([z.number(), z.number(), z.number()]),
    up: z.tuple([z.number(), z.number(), z.number()]).optional(),
    fov: z.number().positive().max(179).optional(),
    zoom: z.number().positive().optional(),
  }),
  clipBox: z.object({ min: z.tuple([z.number(), z.number(), z.number()]), max: z.tuple([z.number(), z.number(), z.number()]) }).nullable().optional(),
  colorMode: z.string().max(40).optional(),
  pointBudget: z.number().int().positive().optional(),
  note: z.string().max(10_000).optional(),
});

const COLLECTIONS = {
  measurements: MeasurementSchema,
  markers: EvidenceMarkerSchema,
  annotations: AnnotationSchema,
  views: SavedViewSchema,
} as const;
type CollectionName = keyof typeof COLLECTIONS;

const RECORD_ID = /^[A-Za-z0-9._-]{1,100}$/;
const SHA256 = /^[0-9a-f]{64}$/;

interface ServedCase {
  store: CaseStore;
  blobRoot: string;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const log = options.log ?? (() => {});
  const host = options.host ?? '127.0.0.1';
  const readOnly = options.readOnly ?? false;
  const viewerDir = resolve(options.viewerDir ?? DEFAULT_VIEWER_DIR);
  if (options.cases.length === 0) throw new VestigeError('E_USAGE', 'no case to serve', { hint: 'Pass --case DIR.' });

  const cases = new Map<string, ServedCase>();
  for (const dir of options.cases) {
    const store = CaseStore.open(dir, { readOnly });
    fs.mkdirSync(store.blobs.root, { recursive: true });
    cases.set(store.info.id, { store, blobRoot: fs.realpathSync(store.blobs.root) });
  }

  let startToken: string | undefined;
  const tokens: TokenGrant[] = [...(options.tokens ?? [])];
  const users = options.users ?? [];
  if (tokens.length === 0 && users.length === 0) {
    if (!readOnly && !options.operator) {
      throw new VestigeError('E_USAGE', 'who will make changes through this server? --operator is required unless --read-only', {
        hint: 'Add --operator "PC 1234" (or set VESTIGE_OPERATOR), or serve with --read-only for presentation.',
      });
    }
    startToken = newToken();
    tokens.push({ token: startToken, operator: options.operator ?? 'viewer (read-only)', cases: '*', readOnly });
  }

  const sessions = new SessionTable();
  const indexes = new LayerIndexCache();
  const failures = new Map<string, { count: number; since: number }>();

  function principalOf(req: IncomingMessage): Principal | undefined {
    const bearer = bearerToken(req);
    if (bearer) return tokens.find((t) => secretEquals(t.token, bearer));
    return sessions.get(readCookie(req, SESSION_COOKIE));
  }

  function requirePrincipal(req: IncomingMessage): Principal {
    const p = principalOf(req);
    if (!p) throw new HttpError(401, 'E_AUTH', 'sign in first', 'Open the URL that `vestige serve` printed (it carries the token), or sign in with your user name and password.');
    return p;
  }

  function requireCase(p: Principal, caseId: string): ServedCase {
    const c = cases.get(caseId);
    // Same answer for "no such case" and "not yours", so case ids cannot be probed.
    if (!c || !mayOpenCase(p, caseId)) throw new HttpError(404, 'E_NOT_FOUND', 'no such case on this server');
    return c;
  }

  function requireWritable(p: Principal): void {
    if (readOnly || p.readOnly) throw new HttpError(403, 'E_CASE_READ_ONLY', 'this server is read-only (court presentation); nothing can be changed', 'Serve the case without --read-only to make changes.');
  }

  function sceneOf(c: ServedCase, sceneId: string): SceneManifest {
    const value = c.store.getRecord('scenes', sceneId);
    if (value === undefined) throw new HttpError(404, 'E_NOT_FOUND', `no scene ${sceneId} in this case`);
    return parseSceneManifest(value, `scenes/${sceneId}`);
  }

  function checkOrigin(req: IncomingMessage): void {
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host}`) throw new HttpError(403, 'E_FORBIDDEN', 'cross-origin requests are refused');
  }

  function loginSession(res: ServerResponse, principal: Principal): void {
    const id = sessions.create(principal);
    res.setHeader('Set-Cookie', `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200`);
  }

  function throttle(req: IncomingMessage): void {
    const key = req.socket.remoteAddress ?? '?';
    const f = failures.get(key);
    if (f && Date.now() - f.since < 60_000 && f.count >= 20) throw new HttpError(429, 'E_AUTH', 'too many failed sign-ins; wait a minute');
  }
  function failed(req: IncomingMessage): void {
    const key = req.socket.remoteAddress ?? '?';
    const f = failures.get(key);
    if (!f || Date.now() - f.since >= 60_000) failures.set(key, { count: 1, since: Date.now() });
    else f.count++;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    securityHeaders(res);
    // Look at the raw path: URL parsing would quietly resolve `..` (and `%2e%2e`) before we saw it.
    const raw = (req.url ?? '/').split('?')[0]!;
    let path: string;
    try {
      path = decodeURIComponent(raw);
    } catch {
      throw new HttpError(400, 'E_PARAM_INVALID', 'malformed path');
    }
    if (!path.startsWith('/') || path.includes('\0') || path.includes('\\') || path.split('/').some((s) => s === '..' || s === '.')) {
      throw new HttpError(400, 'E_PARAM_INVALID', 'path segments "." and ".." are not allowed');
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const parts = path.split('/').filter((s) => s !== '');

    // ---- sign-in ----------------------------------------------------------------------------
    if (path === '/login' && method === 'GET') {
      throttle(req);
      const token = url.searchParams.get('token') ?? '';
      const grant = tokens.find((t) => secretEquals(t.token, token));
      if (!grant) {
        failed(req);
        throw new HttpError(401, 'E_AUTH', 'this sign-in link is not valid (the server was restarted, or the token was mistyped)', 'Use the URL printed by the running `vestige serve`.');
      }
      loginSession(res, grant);
      const next = url.searchParams.get('next') ?? '/';
      const safeNext = /^\/(?![/\\])/.test(next) ? next : '/';
      res.writeHead(303, { Location: safeNext, 'Cache-Control': 'no-store' });
      res.end();
      return;
    }
    if (parts[0] === 'api') return api(req, res, method, parts.slice(1), url);
    if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'E_METHOD', 'method not allowed');
    return serveViewer(req, res, path, method);
  }

  async function api(req: IncomingMessage, res: ServerResponse, method: string, parts: string[], url: URL): Promise<void> {
    if (method !== 'GET' && method !== 'HEAD') checkOrigin(req);
    if (parts[0] === 'login' && method === 'POST') {
      throttle(req);
      const body = z.union([z.object({ token: z.string().max(200) }), z.object({ user: z.string().max(200), password: z.string().max(1000) })]).safeParse(await readJsonBody(req, 8192));
      if (!body.success) throw new HttpError(400, 'E_PARAM_INVALID', 'send { token } or { user, password }');
      let principal: Principal | undefined;
      if ('token' in body.data) {
        const given = body.data.token;
        principal = tokens.find((t) => secretEquals(t.token, given));
      } else {
        const { user: name, password } = body.data;
        const user = users.find((u) => secretEquals(u.name, name));
        // Always run scrypt, so a wrong user name takes as long as a wrong password.
        const ok = await verifyPassword(password, user?.passwordHash ?? 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
        if (user && ok) principal = user;
      }
      if (!principal) {
        failed(req);
        throw new HttpError(401, 'E_AUTH', 'sign-in failed');
      }
      loginSession(res, principal);
      sendJson(res, 200, { ok: true });
      return;
    }
    if (parts[0] === 'logout' && method === 'POST') {
      sessions.delete(readCookie(req, SESSION_COOKIE));
      res.setHeader('Set-Cookie', `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`);
      sendJson(res, 200, { ok: true });
      return;
    }

    const p = requirePrincipal(req);
    if (parts[0] === 'session' && parts.length === 1) {
      sendJson(res, 200, { operator: p.operator, readOnly: readOnly || p.readOnly, cases: visibleCases(p) });
      return;
    }
    if (parts[0] !== 'cases') throw new HttpError(404, 'E_NOT_FOUND', 'no such API');
    if (parts.length === 1) {
      sendJson(res, 200, { cases: visibleCases(p) });
      return;
    }
    const c = requireCase(p, parts[1]!);
    const rest = parts.slice(2);
    const store = c.store;

    if (rest.length === 0) {
      sendJson(res, 200, { ...caseSummary(store), readOnly: readOnly || p.readOnly });
      return;
    }
    if (rest[0] === 'blobs' && (rest.length === 2 || rest.length === 3) && (method === 'GET' || method === 'HEAD')) {
      return serveBlob(req, res, c, rest[1]!, method);
    }
    if (rest[0] === 'items' && method === 'GET') {
      if (rest.length === 1) {
        const prefix = url.searchParams.get('mediaType') ?? undefined;
        sendJson(res, 200, { items: store.items(prefix ? { mediaTypePrefix: prefix } : {}).map(itemSummary) });
        return;
      }
      const item = store.findItem(rest[1]!);
      if (!item) throw new HttpError(404, 'E_ITEM_NOT_FOUND', `no item ${rest[1]} in this case`);
      if (rest.length === 2) {
        sendJson(res, 200, { ...itemSummary(item), metadata: item.metadata });
        return;
      }
      if (rest.length === 3 && rest[2] === 'thumbnail') return serveThumbnail(req, res, c, item);
    }
    if (rest[0] === 'scenes') {
      if (rest.length === 1 && method === 'GET') {
        sendJson(res, 200, {
          scenes: store.listRecords<SceneManifest>('scenes').map((r) => ({ id: r.id, name: r.value?.name ?? r.id, updatedAt: r.updatedAt })),
        });
        return;
      }
      const sceneId = rest[1]!;
      const manifest = sceneOf(c, sceneId);
      if (rest.length === 2 && method === 'GET') {
        sendJson(res, 200, { manifest, case: caseSummary(store), readOnly: readOnly || p.readOnly, operator: p.operator });
        return;
      }
      if (rest[2] === 'layers' && rest[4] === 'index' && rest.length === 5 && method === 'GET') {
        const layer = manifest.layers.find((l) => l.id === rest[3]);
        if (!layer || layer.type !== 'pointcloud') throw new HttpError(404, 'E_NOT_FOUND', `no point-cloud layer ${rest[3]} in scene ${sceneId}`);
        // The URL names the layer, not its blobs, so a rebuilt scene must not meet a stale cached index:
        // revalidate every time, answering 304 while the layer's blobs are unchanged.
        const etag = `"index-${layer.files.hierarchy.sha256.slice(0, 24)}-${layer.files.octree.sha256.slice(0, 24)}"`;
        if (req.headers['if-none-match'] === etag) {
          res.writeHead(304, { ETag: etag, 'Cache-Control': 'private, no-cache' });
          res.end();
          return;
        }
        const index = await indexes.get(store, layer);
        sendJson(res, 200, index, { 'Cache-Control': 'private, no-cache', ETag: etag });
        return;
      }
      const collection = rest[2] as CollectionName;
      if (collection in COLLECTIONS) {
        if (rest.length === 3 && method === 'GET') {
          const entries = store
            .listRecords<{ sceneId: string; value: unknown }>(collection)
            .filter((r) => r.value?.sceneId === sceneId)
            .map((r) => ({ ...(r.value.value as object), updatedAt: r.updatedAt }));
          sendJson(res, 200, { [collection]: entries });
          return;
        }
        if (rest.length === 4) {
          const id = rest[3]!;
          if (!RECORD_ID.test(id)) throw new HttpError(400, 'E_PARAM_INVALID', 'record ids are 1–100 letters, digits, ".", "_" or "-"');
          const recordId = `${sceneId}/${id}`;
          if (method === 'PUT') {
            requireWritable(p);
            const parsed = COLLECTIONS[collection].safeParse(await readJsonBody(req));
            if (!parsed.success) {
              throw new HttpError(400, 'E_PARAM_INVALID', `not a valid ${collection.replace(/s$/, '')}: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
            }
            if (parsed.data.id !== id) throw new HttpError(400, 'E_PARAM_INVALID', 'the id in the body differs from the id in the path');
            if (collection === 'measurements') {
              const problem = checkMeasurement(manifest, parsed.data as Measurement);
              if (problem) throw new HttpError(400, 'E_PARAM_INVALID', `measurement ${id}: ${problem}`);
            }
            const value = collection === 'measurements' ? { ...parsed.data, operator: p.operator } : parsed.data;
            store.putRecord(collection, recordId, { sceneId, value }, p.operator, `${collection.replace(/s$/, '')}.saved`);
            log(`${p.operator} saved ${collection}/${recordId}`);
            sendJson(res, 200, { ok: true, value });
            return;
          }
          if (method === 'DELETE') {
            requireWritable(p);
            const removed = store.deleteRecord(collection, recordId, p.operator);
            if (!removed) throw new HttpError(404, 'E_NOT_FOUND', `no ${collection}/${id} in scene ${sceneId}`);
            sendJson(res, 200, { ok: true });
            return;
          }
          if (method === 'GET') {
            const r = store.getRecord<{ sceneId: string; value: unknown }>(collection, recordId);
            if (!r) throw new HttpError(404, 'E_NOT_FOUND', `no ${collection}/${id} in scene ${sceneId}`);
            sendJson(res, 200, r.value);
            return;
          }
        }
      }
    }
    throw new HttpError(404, 'E_NOT_FOUND', 'no such API');
  }

  function visibleCases(p: Principal) {
    return [...cases.values()].filter((c) => mayOpenCase(p, c.store.info.id)).map((c) => caseSummary(c.store));
  }

  async function serveBlob(req: IncomingMessage, res: ServerResponse, c: ServedCase, sha: string, method: string): Promise<void> {
    if (!SHA256.test(sha)) throw new HttpError(400, 'E_PARAM_INVALID', 'blobs are addressed by 64 lower-case hexadecimal characters');
    const path = c.store.blobs.pathOf(sha);
    let real: string;
    let stat: fs.Stats;
    try {
      real = await fs.promises.realpath(path);
      stat = await fs.promises.stat(real);
    } catch {
      throw new HttpError(404, 'E_BLOB_MISSING', 'no such blob in this case');
    }
    // Belt and braces: whatever the store's layout, never hand out a file outside the case's blobs.
    if (!real.startsWith(c.blobRoot + sep) || !stat.isFile()) throw new HttpError(404, 'E_BLOB_MISSING', 'no such blob in this case');
    const etag = `"${sha}"`;
    const headers: Record<string, string | number> = {
      ETag: etag,
      'Cache-Control': 'private, max-age=31536000, immutable',
      'Accept-Ranges': 'bytes',
      'Content-Type': 'application/octet-stream',
      'Content-Security-Policy': "default-src 'none'; sandbox",
    };
    const inm = req.headers['if-none-match'];
    if (inm && inm.split(',').map((s) => s.trim().replace(/^W\//, '')).includes(etag)) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    const ifRange = req.headers['if-range'];
    const range = ifRange && ifRange !== etag ? undefined : parseRange(req.headers.range, stat.size);
    if (range === null) {
      res.writeHead(416, { ...headers, 'Content-Range': `bytes */${stat.size}` });
      res.end();
      return;
    }
    const start = range?.start ?? 0;
    const end = range?.end ?? stat.size - 1;
    const length = stat.size === 0 ? 0 : end - start + 1;
    if (range) headers['Content-Range'] = `bytes ${start}-${end}/${stat.size}`;
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

  const thumbnails = new Map<string, Buffer>();
  async function serveThumbnail(req: IncomingMessage, res: ServerResponse, c: ServedCase, item: Item): Promise<void> {
    if (!item.mediaType.startsWith('image/')) throw new HttpError(404, 'E_NOT_FOUND', `item ${item.id} is not an image`);
    const etag = `"thumb-${item.sha256}"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { ETag: etag });
      res.end();
      return;
    }
    let bytes = thumbnails.get(item.sha256);
    if (!bytes) {
      const { default: sharp } = await import('sharp');
      const input = await c.store.blobs.read(item.sha256);
      bytes = await sharp(input, { failOn: 'none' }).rotate().resize(320, 320, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 80 }).toBuffer();
      if (thumbnails.size > 500) thumbnails.delete(thumbnails.keys().next().value!);
      thumbnails.set(item.sha256, bytes);
    }
    res.writeHead(200, { 'Content-Type': 'image/jpeg', 'Content-Length': bytes.length, ETag: etag, 'Cache-Control': 'private, max-age=31536000, immutable' });
    res.end(bytes);
  }

  /**
   * For a signed-in scene page: the manifest, each point layer's integrity index and metadata.json, as
   * preload links, so the browser fetches them while it is still parsing the viewer's code (the URLs and
   * request modes are exactly those the viewer uses, so the responses are reused).
   */
  function preloadLinks(req: IncomingMessage): string[] {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const caseId = url.searchParams.get('case');
    const sceneId = url.searchParams.get('scene');
    const p = principalOf(req);
    if (!caseId || !sceneId || !p || !mayOpenCase(p, caseId)) return [];
    const c = cases.get(caseId);
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
      links.push(`<${scene}/layers/${encodeURIComponent(layer.id)}/index>; rel=preload; as=fetch; crossorigin`);
      links.push(`<${base}/blobs/${layer.files.metadata.sha256}>; rel=preload; as=fetch; crossorigin`);
    }
    return links;
  }

  const gzipped = new Map<string, { mtimeMs: number; bytes: Buffer }>();
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

  async function serveViewer(req: IncomingMessage, res: ServerResponse, path: string, method: string): Promise<void> {
    const isPage = path === '/' || path === '/view' || path === '/index.html';
    const file = isPage ? join(viewerDir, 'index.html') : join(viewerDir, path);
    if (!isPage && !file.startsWith(viewerDir + sep)) throw new HttpError(404, 'E_NOT_FOUND', 'not found');
    let body: Buffer;
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(file);
      if (!stat.isFile()) throw new Error('not a file');
      body = await fs.promises.readFile(file);
    } catch {
      if (isPage) {
        const text = 'The viewer is not built. Run `pnpm --filter @vestige/viewer build` and restart `vestige serve`.';
        res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(text);
        return;
      }
      throw new HttpError(404, 'E_NOT_FOUND', 'not found');
    }
    if (isPage) {
      const links = preloadLinks(req);
      if (links.length > 0) res.setHeader('Link', links.join(', '));
    }
    const hashed = path.startsWith('/assets/');
    const type = STATIC_TYPES[extname(file)] ?? 'application/octet-stream';
    const headers: Record<string, string | number> = { 'Content-Type': type, 'Cache-Control': hashed ? 'private, max-age=31536000, immutable' : 'no-cache', Vary: 'Accept-Encoding' };
    // The bundle is mostly three.js: gzip cuts the bytes before the first frame by about three quarters.
    if (/^(text\/|application\/json|image\/svg)/.test(type) && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
      let gz = gzipped.get(file);
      if (!gz || gz.mtimeMs !== stat.mtimeMs) {
        gz = { mtimeMs: stat.mtimeMs, bytes: gzipSync(body, { level: 9 }) };
        gzipped.set(file, gz);
      }
      body = gz.bytes;
      headers['Content-Encoding'] = 'gzip';
    }
    headers['Content-Length'] = body.length;
    res.writeHead(200, headers);
    res.end(method === 'HEAD' ? undefined : body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!(err instanceof HttpError) && !(err instanceof VestigeError)) log(`error: ${req.method} ${req.url?.split('?')[0]}: ${(err as Error)?.stack ?? String(err)}`);
      sendError(res, err);
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, host, () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const base = `http://${shownHost}:${port}`;

  if (options.warmUp !== false) {
    for (const c of cases.values()) {
      for (const r of c.store.listRecords('scenes')) {
        try {
          const m = parseSceneManifest(r.value);
          for (const layer of m.layers) {
            if (layer.type === 'pointcloud') indexes.get(c.store, layer).catch((err: unknown) => log(`scene ${m.id}: ${(err as Error).message}`));
          }
        } catch (err) {
          log(`scene ${r.id}: ${(err as Error).message}`);
        }
      }
    }
  }

  return {
    server,
    url: base,
    port,
    token: startToken,
    cases: [...cases.values()].map((c) => ({ ...caseSummary(c.store), dir: c.store.dir })),
    sceneUrl(caseId, sceneId) {
      const view = `/view?case=${encodeURIComponent(caseId)}${sceneId ? `&scene=${encodeURIComponent(sceneId)}` : ''}`;
      return startToken ? `${base}/login?token=${startToken}&next=${encodeURIComponent(view)}` : `${base}${view}`;
    },
    async close() {
      await new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      });
      for (const c of cases.values()) c.store.close();
    },
  };
}

function caseSummary(store: CaseStore) {
  return { id: store.info.id, name: store.info.name, reference: store.info.reference };
}

function itemSummary(item: Item) {
  return { id: item.id, name: item.name, mediaType: item.mediaType, sha256: item.sha256, size: item.size, kind: item.kind, createdAt: item.createdAt };
}
