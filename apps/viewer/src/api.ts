/** The viewer talks to one host only: the Vestige server that served it (same origin, session cookie). */
import { VestigeError, type ErrorCode } from '@vestige/scene/core';

/** What the server answered with an error status: its code (the server's one table gives the status). */
export class ApiError extends VestigeError {
  constructor(
    readonly status: number,
    code: ErrorCode,
    message: string,
    hint?: string,
  ) {
    super(code, message, hint === undefined ? {} : { hint });
  }
}

/** A status without a JSON error body (a proxy, a crashed server): the nearest code. */
function codeOfStatus(status: number): ErrorCode {
  return status === 401 ? 'E_AUTH' : status === 403 ? 'E_FORBIDDEN' : status === 404 ? 'E_NOT_FOUND' : 'E_INTERNAL';
}

/** A piece of a blob whose bytes do not hash to what the case says they must. */
export class IntegrityError extends VestigeError {
  constructor(what: string, expected: string, actual: string) {
    super(
      'E_BLOB_CORRUPT',
      `${what}: the bytes received do not match their SHA-256 (expected ${expected.slice(0, 16)}…, got ${actual.slice(0, 16)}…). Refused.`,
      {
        hint: 'Run `vestige verify` on the case: the copy on the server or the network between altered these bytes.',
        details: { expected, actual },
      },
    );
  }
}

export async function sha256Hex(bytes: ArrayBuffer | Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as BufferSource);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export async function verified(what: string, bytes: ArrayBuffer, expected: string): Promise<ArrayBuffer> {
  const actual = await sha256Hex(bytes);
  if (actual !== expected) throw new IntegrityError(what, expected, actual);
  return bytes;
}

export class Api {
  /** Bytes of response bodies received through this client (for the status line and the benchmark). */
  bytesReceived = 0;

  constructor(readonly caseId: string) {}

  static async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    const res = await fetch(path, { credentials: 'same-origin', ...init });
    const text = await res.text();
    let body: unknown = undefined;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    if (!res.ok) {
      const err = (body as { error?: { code?: string; message?: string; hint?: string } } | undefined)?.error;
      throw new ApiError(
        res.status,
        (err?.code as ErrorCode | undefined) ?? codeOfStatus(res.status),
        err?.message ?? `${res.status} ${res.statusText}`,
        err?.hint,
      );
    }
    return body as T;
  }

  casePath(rest: string): string {
    return `/api/cases/${encodeURIComponent(this.caseId)}/${rest}`;
  }

  async getJson<T>(rest: string): Promise<T> {
    return Api.json<T>(this.casePath(rest));
  }

  async putJson<T>(rest: string, value: unknown): Promise<T> {
    return Api.json<T>(this.casePath(rest), {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(value),
    });
  }

  async delete(rest: string): Promise<void> {
    await Api.json(this.casePath(rest), { method: 'DELETE' });
  }

  /** Fetches a blob, or a byte range of it (`end` exclusive). */
  async blob(sha256: string, range?: { start: number; end: number }): Promise<ArrayBuffer> {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a blob address: ${sha256}`);
    const headers: Record<string, string> = {};
    if (range) headers.Range = `bytes=${range.start}-${range.end - 1}`;
    const res = await fetch(this.casePath(`blobs/${sha256}`), { credentials: 'same-origin', headers });
    if (!res.ok)
      throw new ApiError(
        res.status,
        codeOfStatus(res.status),
        `blob ${sha256.slice(0, 12)}…: ${res.status} ${res.statusText}`,
      );
    const buf = await res.arrayBuffer();
    this.bytesReceived += buf.byteLength;
    if (range && (res.status !== 206 || buf.byteLength !== range.end - range.start)) {
      throw new ApiError(
        res.status,
        'E_BLOB_CORRUPT',
        `blob ${sha256.slice(0, 12)}…: expected ${range.end - range.start} bytes, got ${buf.byteLength}`,
      );
    }
    return buf;
  }

  /** Fetches a whole blob and checks it against its address before anything uses it. */
  async verifiedBlob(sha256: string, what: string): Promise<ArrayBuffer> {
    return verified(what, await this.blob(sha256), sha256);
  }
}
