import type { IncomingMessage, ServerResponse } from 'node:http';
import { VestigeError, isVestigeError, type ErrorCode } from '@vestige/evidence';

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

export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': body.length,
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(body);
}

/**
 * The HTTP status of each error code the server can answer with: one table, so a code means the same
 * status on every route. Codes not listed are the client's input (400).
 */
export const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  E_AUTH: 401,
  E_FORBIDDEN: 403,
  E_CASE_READ_ONLY: 403,
  E_NOT_FOUND: 404,
  E_ITEM_NOT_FOUND: 404,
  E_BLOB_MISSING: 404,
  E_METHOD: 405,
  E_BLOB_CORRUPT: 409,
  E_INPUT_TOO_LARGE: 413,
  E_CONTENT_TYPE: 415,
  E_SCENE_INVALID: 422,
  E_AUTH_THROTTLED: 429,
  E_INTERNAL: 500,
};

export function httpStatusOf(code: ErrorCode): number {
  return HTTP_STATUS[code] ?? 400;
}

/** Maps any failure to a JSON error: our codes and messages, never a stack trace. */
export function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const known = isVestigeError(err)
    ? err
    : new VestigeError('E_INTERNAL', 'the server failed to answer this request; see its log');
  sendJson(res, httpStatusOf(known.code), {
    error: { code: known.code, message: known.message, ...(known.hint ? { hint: known.hint } : {}) },
  });
}

export async function readJsonBody(req: IncomingMessage, limit = 1024 * 1024): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  // A cross-site form cannot send application/json without a preflight, which we never grant.
  if (!/^application\/json(\s*;|$)/i.test(type))
    throw new VestigeError('E_CONTENT_TYPE', 'send the body as application/json');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new VestigeError('E_INPUT_TOO_LARGE', `request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new VestigeError('E_PARAM_INVALID', 'the request body is not valid JSON');
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
