/** The viewer talks to one host only: the Vestige server that served it (same origin, session cookie). */

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly hint?: string) {
    super(message);
  }
}

/** A piece of a blob whose bytes do not hash to what the case says they must. */
export class IntegrityError extends Error {
  constructor(readonly what: string, readonly expected: string, readonly actual: string) {
    super(`${what}: the bytes received do not match their SHA-256 (expected ${expected.slice(0, 16)}…, got ${actual.slice(0, 16)}…). Refused.`);
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
      throw new ApiError(res.status, err?.code ?? `HTTP_${res.status}`, err?.message ?? `${res.status} ${res.statusText}`, err?.hint);
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
    return Api.json<T>(this.casePath(rest), { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(value) });
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
    if (!res.ok) throw new ApiError(res.status, `HTTP_${res.status}`, `blob ${sha256.slice(0, 12)}…: ${res.status} ${res.statusText}`);
    const buf = await res.arrayBuffer();
    this.bytesReceived += buf.byteLength;
    if (range && (res.status !== 206 || buf.byteLength !== range.end - range.start)) {
      throw new ApiError(res.status, 'E_RANGE', `blob ${sha256.slice(0, 12)}…: expected ${range.end - range.start} bytes, got ${buf.byteLength}`);
    }
    return buf;
  }

  /** Fetches a whole blob and checks it against its address before anything uses it. */
  async verifiedBlob(sha256: string, what: string): Promise<ArrayBuffer> {
    return verified(what, await this.blob(sha256), sha256);
  }
}
