/**
 * `vestige serve`: the case's scenes, blobs and records over HTTP for the browser viewer, with sign-in
 * and per-case access. This file opens the cases and starts listening; each group of routes is its own
 * module under routes/ (sign-in, cases, blobs and tiles, reports, scenes, the viewer's files), behind
 * the small router in router.ts.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as fs from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CaseStore, VestigeError } from '@vestige/evidence';
import { parseSceneManifest } from '@vestige/scene';
import { newToken, type LocalUser, type TokenGrant } from './auth.ts';
import { caseSummary, ServerContext, type ServedCase } from './context.ts';
import { securityHeaders, sendError } from './http.ts';
import { Router } from './router.ts';
import { blobRoutes } from './routes/blobs.ts';
import { caseRoutes } from './routes/cases.ts';
import { reportRoutes } from './routes/reports.ts';
import { sceneRoutes } from './routes/scenes.ts';
import { signInRoutes } from './routes/sign-in.ts';
import { viewerRoutes } from './routes/viewer.ts';

export const DEFAULT_VIEWER_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'apps',
  'viewer',
  'dist',
);

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

/** Every route module, in the order their routes are tried (more specific paths first). */
const ROUTES = [signInRoutes, caseRoutes, blobRoutes, reportRoutes, sceneRoutes, viewerRoutes];

function openCases(dirs: readonly string[], readOnly: boolean): Map<string, ServedCase> {
  const cases = new Map<string, ServedCase>();
  for (const dir of dirs) {
    const store = CaseStore.open(dir, { readOnly });
    fs.mkdirSync(store.blobs.root, { recursive: true });
    cases.set(store.info.id, { store, blobRoot: fs.realpathSync(store.blobs.root) });
  }
  return cases;
}

/** The token made at start when no tokens or users were given, or undefined. */
function startToken(options: ServerOptions, readOnly: boolean): TokenGrant | undefined {
  if ((options.tokens?.length ?? 0) > 0 || (options.users?.length ?? 0) > 0) return undefined;
  if (!readOnly && !options.operator) {
    throw new VestigeError(
      'E_USAGE',
      'who will make changes through this server? --operator is required unless --read-only',
      {
        hint: 'Add --operator "PC 1234" (or set VESTIGE_OPERATOR), or serve with --read-only for presentation.',
      },
    );
  }
  return { token: newToken(), operator: options.operator ?? 'viewer (read-only)', cases: '*', readOnly };
}

/**
 * The raw path, checked before anything else: URL parsing would quietly resolve `..` (and `%2e%2e`)
 * before a route saw it.
 */
function checkedPath(req: IncomingMessage): string {
  const raw = (req.url ?? '/').split('?')[0]!;
  let path: string;
  try {
    path = decodeURIComponent(raw);
  } catch {
    throw new VestigeError('E_PARAM_INVALID', 'malformed path');
  }
  if (
    !path.startsWith('/') ||
    path.includes('\0') ||
    path.includes('\\') ||
    path.split('/').some((s) => s === '..' || s === '.')
  ) {
    throw new VestigeError('E_PARAM_INVALID', 'path segments "." and ".." are not allowed');
  }
  return path;
}

/** Writes from another site are refused: a change must come from a page this server served. */
function checkOrigin(req: IncomingMessage): void {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${req.headers.host}`)
    throw new VestigeError('E_FORBIDDEN', 'cross-origin requests are refused');
}

/**
 * Re-hashes the tiles of scenes built before tile hashes, in the background, so the first page load does
 * not wait for it (a layer with tile hashes is checked against its manifest and needs no index).
 */
function warmUp(ctx: ServerContext): void {
  for (const c of ctx.cases.values()) {
    for (const r of c.store.listRecords('scenes')) {
      try {
        const m = parseSceneManifest(r.value);
        for (const layer of m.layers) {
          if (layer.type === 'pointcloud' && !layer.tileHashes)
            ctx.indexes
              .get(c.store, layer)
              .catch((err: unknown) => ctx.log(`scene ${m.id}: ${(err as Error).message}`));
        }
      } catch (err) {
        ctx.log(`scene ${r.id}: ${(err as Error).message}`);
      }
    }
  }
}

async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => ok());
  });
  return (server.address() as AddressInfo).port;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const readOnly = options.readOnly ?? false;
  if (options.cases.length === 0) throw new VestigeError('E_USAGE', 'no case to serve', { hint: 'Pass --case DIR.' });
  const made = startToken(options, readOnly);
  const cases = openCases(options.cases, readOnly);
  const ctx = new ServerContext(
    cases,
    [...(options.tokens ?? []), ...(made ? [made] : [])],
    options.users ?? [],
    readOnly,
    resolve(options.viewerDir ?? DEFAULT_VIEWER_DIR),
    options.log ?? (() => {}),
  );
  const router = new Router();
  for (const routes of ROUTES) routes(router, ctx);

  const server = createServer((req, res) => {
    securityHeaders(res);
    const method = req.method ?? 'GET';
    const answer = async (): Promise<void> => {
      const path = checkedPath(req);
      if (path.startsWith('/api/') && method !== 'GET' && method !== 'HEAD') checkOrigin(req);
      await router.dispatch({ req, res, method, path, url: new URL(req.url ?? '/', 'http://localhost') });
    };
    answer().catch((err: unknown) => {
      if (!(err instanceof VestigeError))
        ctx.log(`error: ${method} ${req.url?.split('?')[0]}: ${(err as Error)?.stack ?? String(err)}`);
      sendError(res, err);
    });
  });
  const port = await listen(server, options.port ?? 0, host);
  const base = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (options.warmUp !== false) warmUp(ctx);

  return {
    server,
    url: base,
    port,
    token: made?.token,
    cases: [...cases.values()].map((c) => ({ ...caseSummary(c.store), dir: c.store.dir })),
    sceneUrl(caseId, sceneId) {
      const view = `/view?case=${encodeURIComponent(caseId)}${sceneId ? `&scene=${encodeURIComponent(sceneId)}` : ''}`;
      return made ? `${base}/login?token=${made.token}&next=${encodeURIComponent(view)}` : `${base}${view}`;
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
