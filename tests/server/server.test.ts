import * as fs from 'node:fs';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobStore, CaseStore } from '@vestige/evidence';
import { hashPassword, startServer, verifyPassword, type RunningServer } from '@vestige/server';
import sharp from 'sharp';
import { makeTempDir } from '../support.ts';
import { KNOWN_A, makeSceneCase } from '../viewer/scene-fixture.ts';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Raw HTTP (fetch would normalise `..` away before it reached the server). */
function raw(
  url: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  const u = new URL(url);
  return new Promise((ok, fail) => {
    const req = request(
      { host: u.hostname, port: u.port, path, method: options.method ?? 'GET', headers: options.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', fail);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

describe('vestige server', () => {
  let root: string;
  let caseDir: string;
  let caseId: string;
  let octree: string;
  let server: RunningServer;
  let auth: Record<string, string>;
  let photoId: string;

  beforeAll(async () => {
    root = makeTempDir('vestige-server-');
    caseDir = join(root, 'case');
    const made = await makeSceneCase(caseDir);
    caseId = made.caseId;
    octree = made.octreeSha256;
    fs.writeFileSync(join(root, 'secret.txt'), 'outside the case');
    // One photo in the case, for the items and thumbnail API.
    const store = CaseStore.open(caseDir);
    try {
      const png = await sharp({
        create: { width: 800, height: 600, channels: 3, background: { r: 200, g: 40, b: 40 } },
      })
        .png()
        .toBuffer();
      const digests = await store.blobs.putBuffer(png);
      const ingestId = store.beginIngest({ operator: 'PC 1234 Test', roots: [] });
      photoId = store.upsertOriginal({
        digests,
        name: 'scene-photo.png',
        mediaType: 'image/png',
        metadata: {},
        operator: 'PC 1234 Test',
        ingestId,
      }).item.id;
    } finally {
      store.close();
    }
    server = await startServer({ cases: [caseDir], operator: 'PC 1234 Test' });
    auth = { Authorization: `Bearer ${server.token}` };
  });
  afterAll(async () => {
    await server?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('binds to 127.0.0.1 by default and prints a sign-in URL carrying the token', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.sceneUrl(caseId, 'scene-1')).toContain(`/login?token=${server.token}`);
  });

  it('refuses unauthenticated API requests with 401', async () => {
    for (const path of [
      '/api/session',
      `/api/cases/${caseId}/scenes/scene-1`,
      `/api/cases/${caseId}/blobs/${octree}`,
    ]) {
      const r = await raw(server.url, path);
      expect(r.status, path).toBe(401);
      expect(JSON.parse(r.body.toString()).error.code).toBe('E_AUTH');
    }
    expect((await raw(server.url, '/api/session', { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await raw(server.url, '/login?token=wrong')).status).toBe(401);
  });

  it('signs in with the token link: HttpOnly SameSite=Strict cookie and a redirect to the scene', async () => {
    const r = await raw(server.url, `/login?token=${server.token}&next=${encodeURIComponent('/view?case=x')}`);
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe('/view?case=x');
    const cookie = String(r.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    // The scene page of a signed-in user carries preload links for the manifest, index and metadata.
    const pageReply = await raw(server.url, `/view?case=${caseId}&scene=scene-1`, {
      headers: { Cookie: cookie.split(';')[0]! },
    });
    if (pageReply.status === 200) {
      expect(String(pageReply.headers.link)).toContain(
        `</api/cases/${caseId}/scenes/scene-1>; rel=preload; as=fetch; crossorigin`,
      );
      expect(String(pageReply.headers.link)).toContain('/layers/scan/index>');
    }
    expect((await raw(server.url, `/view?case=${caseId}&scene=scene-1`)).headers.link).toBeUndefined();
    const session = await raw(server.url, '/api/session', { headers: { Cookie: cookie.split(';')[0]! } });
    expect(session.status).toBe(200);
    expect(JSON.parse(session.body.toString()).operator).toBe('PC 1234 Test');
  });

  it('sends the browser after sign-in only to a path on this server: //, backslash, tab, CR/LF and absolute URLs are refused with 400, never 500', async () => {
    const refused = [
      '//evil.example/',
      '/\\evil.example/',
      '\\\\evil.example',
      '/\t/evil.example/',
      '/\r\nSet-Cookie: a=b',
      '/view\nLocation: http://evil.example',
      'https://evil.example/',
      'javascript:alert(1)',
      'view',
      '/\u0000',
    ];
    for (const next of refused) {
      const r = await raw(server.url, `/login?token=${server.token}&next=${encodeURIComponent(next)}`);
      expect(r.status, JSON.stringify(next)).toBe(400);
      expect(JSON.parse(r.body.toString()).error.code).toBe('E_PARAM_INVALID');
      expect(r.headers.location).toBeUndefined();
      expect(r.headers['set-cookie']).toBeUndefined();
    }
    for (const next of ['/', '/view?case=x&scene=y', '/%2F%2Fevil.example']) {
      const r = await raw(server.url, `/login?token=${server.token}&next=${encodeURIComponent(next)}`);
      expect(r.status, next).toBe(303);
      expect(r.headers.location).toBe(next);
    }
  });

  it('answers 405 with an Allow header to a method a path does not support, and 404 to a path no route knows', async () => {
    const cases: [string, string, string][] = [
      ['POST', '/', 'GET, HEAD'],
      ['DELETE', '/view', 'GET, HEAD'],
      ['PATCH', '/api/session', 'GET, HEAD'],
      ['PUT', '/api/cases', 'GET, HEAD'],
      ['DELETE', `/api/cases/${caseId}/scenes/scene-1`, 'GET, HEAD'],
      ['POST', `/api/cases/${caseId}/scenes/scene-1/measurements/m1`, 'DELETE, GET, HEAD, PUT'],
      ['GET', '/api/login', 'POST'],
      ['PROPFIND', `/api/cases/${caseId}/blobs/${octree}`, 'GET, HEAD'],
    ];
    for (const [method, path, allow] of cases) {
      const r = await raw(server.url, path, { method, headers: auth });
      expect(r.status, `${method} ${path}`).toBe(405);
      expect(r.headers.allow).toBe(allow);
      expect(JSON.parse(r.body.toString()).error.code).toBe('E_METHOD');
    }
    const unknown = await raw(server.url, '/api/no-such-thing', { method: 'POST', headers: auth });
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body.toString()).error.message).toBe('no such API');
  });

  it('sends a strict Content-Security-Policy with no external host', async () => {
    const r = await raw(server.url, '/api/session', { headers: auth });
    const csp = String(r.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/https?:|\*/);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
  });

  it('serves the scene manifest and blobs with ETag = hash, immutable caching and Range requests', async () => {
    const m = await raw(server.url, `/api/cases/${caseId}/scenes/scene-1`, { headers: auth });
    expect(m.status).toBe(200);
    const { manifest } = JSON.parse(m.body.toString());
    expect(manifest.layers[0].files.octree.sha256).toBe(octree);

    const whole = await raw(server.url, `/api/cases/${caseId}/blobs/${octree}`, { headers: auth });
    expect(whole.status).toBe(200);
    expect(createHash('sha256').update(whole.body).digest('hex')).toBe(octree);
    expect(whole.headers.etag).toBe(`"${octree}"`);
    expect(whole.headers['cache-control']).toContain('immutable');

    const part = await raw(server.url, `/api/cases/${caseId}/blobs/${octree}`, {
      headers: { ...auth, Range: 'bytes=100-199' },
    });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 100-199/${whole.body.length}`);
    expect(part.body.equals(whole.body.subarray(100, 200))).toBe(true);

    const tail = await raw(server.url, `/api/cases/${caseId}/blobs/${octree}`, {
      headers: { ...auth, Range: 'bytes=-10' },
    });
    expect(tail.body.equals(whole.body.subarray(whole.body.length - 10))).toBe(true);

    const beyond = await raw(server.url, `/api/cases/${caseId}/blobs/${octree}`, {
      headers: { ...auth, Range: `bytes=${whole.body.length + 5}-` },
    });
    expect(beyond.status).toBe(416);

    const cached = await raw(server.url, `/api/cases/${caseId}/blobs/${octree}`, {
      headers: { ...auth, 'If-None-Match': `"${octree}"` },
    });
    expect(cached.status).toBe(304);
  });

  it('never serves a file outside the case: traversal gets 400/404', async () => {
    const attempts = [
      `/api/cases/${caseId}/blobs/../../../../secret.txt`,
      `/api/cases/${caseId}/blobs/..%2f..%2f..%2fsecret.txt`,
      `/api/cases/${caseId}/blobs/%2e%2e/%2e%2e/case.json`,
      `/api/cases/${caseId}/blobs/${'0'.repeat(63)}g`,
      `/api/cases/${caseId}/blobs/${'a'.repeat(64)}`,
      `/api/cases/${caseId}/blobs/${octree.toUpperCase()}`,
      `/../../etc/passwd`,
      `/assets/../../../server/package.json`,
      `/assets/..%5c..%5cpackage.json`,
    ];
    for (const path of attempts) {
      const r = await raw(server.url, path, { headers: auth });
      expect([400, 404], path).toContain(r.status);
      expect(r.body.toString()).not.toContain('outside the case');
      expect(r.body.toString()).not.toContain('vestige-case');
    }
  });

  it('lists the case items and serves image thumbnails', async () => {
    const list = JSON.parse((await raw(server.url, `/api/cases/${caseId}/items`, { headers: auth })).body.toString());
    expect(list.items.map((i: { id: string }) => i.id)).toContain(photoId);
    const thumb = await raw(server.url, `/api/cases/${caseId}/items/${photoId}/thumbnail`, { headers: auth });
    expect(thumb.status).toBe(200);
    expect(thumb.headers['content-type']).toBe('image/jpeg');
    const meta = await sharp(thumb.body).metadata();
    expect(Math.max(meta.width!, meta.height!)).toBe(320);
    expect((await raw(server.url, `/api/cases/${caseId}/items/I-999999/thumbnail`, { headers: auth })).status).toBe(
      404,
    );
  });

  it('keeps per-case access: a token for another case cannot see this one', async () => {
    const other = await startServer({
      cases: [caseDir],
      tokens: [{ token: 'only-other-case', operator: 'x', cases: ['another-case-id'], readOnly: false }],
      warmUp: false,
      readOnly: true,
    });
    try {
      const r = await raw(other.url, `/api/cases/${caseId}/scenes/scene-1`, {
        headers: { Authorization: 'Bearer only-other-case' },
      });
      expect(r.status).toBe(404);
      const list = await raw(other.url, '/api/cases', { headers: { Authorization: 'Bearer only-other-case' } });
      expect(JSON.parse(list.body.toString()).cases).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('hands out the hash of every node of a layer only after the whole blob matched its address', async () => {
    const r = await raw(server.url, `/api/cases/${caseId}/scenes/scene-1/layers/scan/index`, { headers: auth });
    expect(r.status).toBe(200);
    const index = JSON.parse(r.body.toString());
    expect(index.octree).toBe(octree);
    const whole = fs.readFileSync(blobPath(caseDir, octree));
    for (const [offset, [size, sha]] of Object.entries(index.nodes as Record<string, [number, string]>)) {
      expect(
        createHash('sha256')
          .update(whole.subarray(Number(offset), Number(offset) + size))
          .digest('hex'),
      ).toBe(sha);
    }
  });

  it('saves measurements, markers and views as case records with custody events, and they survive a restart', async () => {
    const measurement = {
      id: 'm1',
      label: 'A–B',
      kind: 'distance',
      points: [KNOWN_A, [KNOWN_A[0] + 3, KNOWN_A[1] + 4, KNOWN_A[2]]],
      value: 5,
      unit: 'm',
    };
    const put = await raw(server.url, `/api/cases/${caseId}/scenes/scene-1/measurements/m1`, {
      method: 'PUT',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify(measurement),
    });
    expect(put.status).toBe(200);
    const bad = await raw(server.url, `/api/cases/${caseId}/scenes/scene-1/measurements/m2`, {
      method: 'PUT',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: 'm2', kind: 'nonsense' }),
    });
    expect(bad.status).toBe(400);
    const lying = await raw(server.url, `/api/cases/${caseId}/scenes/scene-1/measurements/m3`, {
      method: 'PUT',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...measurement, id: 'm3', value: 4.9 }),
    });
    expect(lying.status).toBe(400);
    expect(JSON.parse(lying.body.toString()).error.message).toMatch(/does not match its points/);
    const form = await raw(server.url, `/api/cases/${caseId}/scenes/scene-1/measurements/m1`, {
      method: 'PUT',
      headers: { ...auth, 'Content-Type': 'text/plain' },
      body: JSON.stringify(measurement),
    });
    expect(form.status).toBe(415);
    const crossSite = await raw(server.url, `/api/cases/${caseId}/scenes/scene-1/measurements/m1`, {
      method: 'PUT',
      headers: { ...auth, 'Content-Type': 'application/json', Origin: 'http://evil.example' },
      body: JSON.stringify(measurement),
    });
    expect(crossSite.status).toBe(403);
    const marker = { id: 'k1', label: '7', position: KNOWN_A, note: 'blood stain' };
    expect(
      (
        await raw(server.url, `/api/cases/${caseId}/scenes/scene-1/markers/k1`, {
          method: 'PUT',
          headers: { ...auth, 'Content-Type': 'application/json' },
          body: JSON.stringify(marker),
        })
      ).status,
    ).toBe(200);

    await server.close();
    server = await startServer({ cases: [caseDir], operator: 'PC 1234 Test', warmUp: false });
    auth = { Authorization: `Bearer ${server.token}` };
    const list = await raw(server.url, `/api/cases/${caseId}/scenes/scene-1/measurements`, { headers: auth });
    const { measurements } = JSON.parse(list.body.toString());
    expect(measurements).toHaveLength(1);
    expect(measurements[0]).toMatchObject({ id: 'm1', value: 5, operator: 'PC 1234 Test' });

    const store = CaseStore.open(caseDir, { readOnly: true });
    try {
      const events = [...store.custody.events()].filter(
        (e) => e.subject.startsWith('measurements/') || e.subject.startsWith('markers/'),
      );
      expect(events.map((e) => e.action)).toEqual(['measurement.saved', 'marker.saved']);
      expect(events[0]!.operator).toBe('PC 1234 Test');
    } finally {
      store.close();
    }
  });

  it('read-only mode (court presentation) refuses every change', async () => {
    const ro = await startServer({ cases: [caseDir], readOnly: true, warmUp: false });
    try {
      const h = { Authorization: `Bearer ${ro.token}`, 'Content-Type': 'application/json' };
      const r = await raw(ro.url, `/api/cases/${caseId}/scenes/scene-1/views/v1`, {
        method: 'PUT',
        headers: h,
        body: JSON.stringify({
          id: 'v1',
          name: 'x',
          camera: { projection: 'perspective', position: [0, 0, 0], target: [1, 1, 1] },
        }),
      });
      expect(r.status).toBe(403);
      const del = await raw(ro.url, `/api/cases/${caseId}/scenes/scene-1/measurements/m1`, {
        method: 'DELETE',
        headers: h,
      });
      expect(del.status).toBe(403);
      const session = JSON.parse((await raw(ro.url, '/api/session', { headers: h })).body.toString());
      expect(session.readOnly).toBe(true);
    } finally {
      await ro.close();
    }
  });

  it('signs in a local user with an scrypt password hash', async () => {
    const hash = await hashPassword('correct horse');
    expect(hash).toMatch(/^scrypt\$/);
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('wrong', hash)).toBe(false);
    const s = await startServer({
      cases: [caseDir],
      users: [{ name: 'dc.smith', passwordHash: hash, operator: 'DC Smith', cases: '*', readOnly: false }],
      warmUp: false,
    });
    try {
      expect(s.token).toBeUndefined();
      const bad = await raw(s.url, '/api/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ user: 'dc.smith', password: 'nope' }),
      });
      expect(bad.status).toBe(401);
      const ok = await raw(s.url, '/api/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ user: 'dc.smith', password: 'correct horse' }),
      });
      expect(ok.status).toBe(200);
      const cookie = String(ok.headers['set-cookie']).split(';')[0]!;
      const session = JSON.parse((await raw(s.url, '/api/session', { headers: { Cookie: cookie } })).body.toString());
      expect(session.operator).toBe('DC Smith');
    } finally {
      await s.close();
    }
  });

  it('refuses to index a layer whose octree no longer matches its hash (409)', async () => {
    const dir = join(root, 'tampered');
    const made = await makeSceneCase(dir, { withMesh: false });
    const path = blobPath(dir, made.octreeSha256);
    fs.chmodSync(path, 0o644);
    const bytes = fs.readFileSync(path);
    bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 0xff;
    fs.writeFileSync(path, bytes);
    const s = await startServer({ cases: [dir], operator: 't', warmUp: false });
    try {
      const r = await raw(s.url, `/api/cases/${made.caseId}/scenes/scene-1/layers/scan/index`, {
        headers: { Authorization: `Bearer ${s.token}` },
      });
      expect(r.status).toBe(409);
      expect(JSON.parse(r.body.toString()).error.code).toBe('E_BLOB_CORRUPT');
    } finally {
      await s.close();
    }
  });
});

function blobPath(caseDir: string, sha: string): string {
  return new BlobStore(caseDir).pathOf(sha);
}
