import type { IncomingMessage, ServerResponse } from 'node:http';
import { isVestigeError } from '@vestige/evidence';

/**
 * Strict policy: everything from this origin only, no inline script or style, no framing. The viewer is
 * built to need nothing else, so a closed police network never sees a request leave for another host.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "font-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

export function securityHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
}

export class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly hint?: string) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.length, 'Cache-Control': 'no-store', ...headers });
  res.end(body);
}

/** Maps any failure to a JSON error: our codes and messages, never a stack trace. */
export function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err instanceof HttpError) {
    sendJson(res, err.status, { error: { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) } });
    return;
  }
  if (isVestigeError(err)) {
    const status =
      err.code === 'E_AUTH' ? 401
      : err.code === 'E_FORBIDDEN' || err.code === 'E_CASE_READ_ONLY' ? 403
      : err.code === 'E_BLOB_MISSING' || err.code === 'E_ITEM_NOT_FOUND' ? 404
      : err.code === 'E_BLOB_CORRUPT' ? 409
      : err.code === 'E_SCENE_INVALID' ? 422
      : 400;
    sendJson(res, status, { error: { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) } });
    return;
  }
  sendJson(res, 500, { error: { code: 'E_INTERNAL', message: 'the server failed to answer this request; see its log' } });
}

export async function readJsonBody(req: IncomingMessage, limit = 1024 * 1024): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  // A cross-site form cannot send application/json without a preflight, which we never grant.
  if (!/^application\/json(\s*;|$)/i.test(type)) throw new HttpError(415, 'E_PARAM_INVALID', 'send the body as application/json');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, 'E_INPUT_TOO_LARGE', `request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'E_PARAM_INVALID', 'the request body is not valid JSON');
  }
}

export interface ByteRange {
  start: number;
  end: number; // inclusive
}

/**
 * Parses a single `Range: bytes=…` header. Returns `undefined` to serve the whole body (no header,
 * several ranges, or a unit we do not speak) and `null` when the range cannot be satisfied.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | null | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return undefined;
  const [, a, b] = m;
  if (a === '' && b === '') return null;
  let start: number;
  let end: number;
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0) return null;
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  }
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start > end || start >= size) return null;
  return { start, end };
}
