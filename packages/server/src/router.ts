/**
 * A small router: routes are `METHOD /path/:param/…` patterns, tried in the order they were added. A
 * path that a route knows under other methods answers 405 with an `Allow` header; a GET route answers
 * HEAD too (Node sends no body for HEAD). A path no route knows goes to the fallback (the viewer's
 * files), or is 404.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { VestigeError } from '@vestige/evidence';

export interface RouteRequest {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  /** The decoded path, already checked for `.`/`..` segments. */
  path: string;
  url: URL;
  params: Readonly<Record<string, string>>;
}

export type RouteHandler = (r: RouteRequest) => Promise<void> | void;

interface Route {
  methods: readonly string[];
  segments: readonly string[];
  handler: RouteHandler;
}

function matchSegments(route: Route, parts: readonly string[]): Record<string, string> | null {
  if (parts.length !== route.segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < route.segments.length; i++) {
    const s = route.segments[i]!;
    if (s.startsWith(':')) params[s.slice(1)] = parts[i]!;
    else if (s !== parts[i]) return null;
  }
  return params;
}

export class Router {
  private readonly routes: Route[] = [];
  private fallbackHandler: RouteHandler | null = null;

  on(methods: string | readonly string[], pattern: string, handler: RouteHandler): this {
    this.routes.push({
      methods: typeof methods === 'string' ? [methods] : methods,
      segments: pattern.split('/').filter((s) => s !== ''),
      handler,
    });
    return this;
  }

  /** Answers every path no route knows, whatever the method (it decides what to allow). */
  fallback(handler: RouteHandler): this {
    this.fallbackHandler = handler;
    return this;
  }

  /** Runs the first route that matches; throws 405 (path known, method not) or 404. */
  async dispatch(r: Omit<RouteRequest, 'params'>): Promise<void> {
    const parts = r.path.split('/').filter((s) => s !== '');
    const allowed = new Set<string>();
    for (const route of this.routes) {
      const params = matchSegments(route, parts);
      if (!params) continue;
      const serves = route.methods.includes(r.method) || (r.method === 'HEAD' && route.methods.includes('GET'));
      if (serves) return route.handler({ ...r, params });
      for (const m of route.methods) allowed.add(m);
    }
    if (allowed.size > 0) throw methodNotAllowed(r, allowed);
    if (this.fallbackHandler) return this.fallbackHandler({ ...r, params: {} });
    throw new VestigeError('E_NOT_FOUND', 'not found');
  }
}

function methodNotAllowed(r: Pick<RouteRequest, 'method' | 'res'>, methods: Iterable<string>): VestigeError {
  const allowed = new Set(methods);
  if (allowed.has('GET')) allowed.add('HEAD');
  const list = [...allowed].sort().join(', ');
  r.res.setHeader('Allow', list);
  return new VestigeError('E_METHOD', `${r.method} is not allowed here (allowed: ${list})`);
}

/** For a fallback that only serves files: 405 with `Allow: GET, HEAD` for anything else. */
export function allowOnlyReading(r: Pick<RouteRequest, 'method' | 'res'>): void {
  if (r.method !== 'GET' && r.method !== 'HEAD') throw methodNotAllowed(r, ['GET']);
}
