/**
 * The viewer trusts the server for the manifest's hash only. A tile changed on the server is refused even
 * when the server also recomputes the tile's hash (its index is made to agree with the changed bytes
 * here); a manifest that differs from the one the link names is refused before anything is drawn; the
 * sign-in page shows each scene's manifest hash, the same that `vestige scene build` prints.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseStore } from '@vestige/evidence';
import {
  buildScene,
  manifestSha256,
  readHierarchy,
  walkHierarchy,
  type PointCloudLayer,
  type SceneManifest,
} from '@vestige/scene';
import { startServer, type RunningServer } from '@vestige/server';
import { makeTempDir, repoRoot } from '../support.ts';
import { ensureViewerBuilt, launchChromium, watchPage, type VestigeHook } from './browser.ts';

declare const window: { __vestige?: VestigeHook };

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('tile hashes in the manifest', () => {
  let root: string;
  let server: RunningServer;
  let chrome: Awaited<ReturnType<typeof launchChromium>>;
  let caseId: string;
  let manifest: SceneManifest;
  let layer: PointCloudLayer;
  let octreePath: string;
  let original: Buffer;
  /** The node tampered with: a leaf, so the viewer still walks to every other node. */
  let leaf: { name: string; byteOffset: number; byteSize: number; numPoints: number };
  let hierarchy: Buffer;
  let firstChunkSize: number;

  beforeAll(async () => {
    ensureViewerBuilt();
    root = makeTempDir('vestige-tile-hashes-');
    const caseDir = join(root, 'case');
    const store = CaseStore.init(caseDir, { operator: 'PC 1', reference: 'OP-TILES' });
    try {
      const result = await buildScene(store, {
        inputs: [join(repoRoot, 'tests/fixtures/3d/las/simple.las')],
        operator: 'PC 1',
        now: new Date('2026-01-01T00:00:00Z'),
        maxLeafPoints: 200,
      });
      caseId = store.info.id;
      manifest = result.manifest;
      layer = manifest.layers.find((l): l is PointCloudLayer => l.type === 'pointcloud')!;
      octreePath = store.blobs.pathOf(layer.files.octree.sha256);
      firstChunkSize = result.octree!.metadata.hierarchy.firstChunkSize;
      hierarchy = await store.blobs.read(layer.files.hierarchy.sha256);
      leaf = readHierarchy(hierarchy, firstChunkSize)
        .filter((n) => n.childMask === 0)
        .sort((a, b) => b.numPoints - a.numPoints)[0]!;
    } finally {
      store.close();
    }
    original = fs.readFileSync(octreePath);
    server = await startServer({ cases: [caseDir], operator: 'PC 1' });
    chrome = await launchChromium();
  });
  afterAll(async () => {
    await chrome?.close();
    await server?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  const link = (sceneHash: string) =>
    `${server.url}/view?case=${encodeURIComponent(caseId)}&scene=${encodeURIComponent(manifest.id)}&manifest=${sceneHash}`;
  /** A signed-in page: the sign-in link `vestige serve` prints lands on the case's scene list. */
  async function signedIn(context: Awaited<ReturnType<typeof chrome.browser.newContext>>) {
    const page = await context.newPage();
    await page.goto(server.sceneUrl(caseId));
    await page.locator('.manifest-hash').first().waitFor({ timeout: 30_000 });
    return page;
  }

  it("shows each scene's manifest SHA-256 on the sign-in page, the hash `vestige scene build` prints, and links with it", async () => {
    const context = await chrome.browser.newContext();
    try {
      const page = await signedIn(context);
      const shown = await page.locator('.manifest-hash').first().textContent({ timeout: 30_000 });
      expect(shown).toBe(`manifest SHA-256 ${manifestSha256(manifest)}`);
      expect(await page.locator('a').first().getAttribute('href')).toContain(`&manifest=${manifestSha256(manifest)}`);
    } finally {
      await context.close();
    }
  });

  it('refuses a tampered tile although the server recomputes its hash; every other tile is drawn', async () => {
    expect(leaf.numPoints).toBeGreaterThan(0);
    expect(leaf.name.length).toBeGreaterThan(1);
    // Tamper with a node's records on the server's disk: move its first point 1 km east.
    const tampered = Buffer.from(original);
    tampered.writeInt32LE(tampered.readInt32LE(leaf.byteOffset) + 1_000_000, leaf.byteOffset);
    fs.chmodSync(octreePath, 0o600);
    fs.writeFileSync(octreePath, tampered);
    const context = await chrome.browser.newContext({ viewport: { width: 800, height: 500 } });
    try {
      const page = await signedIn(context);
      const watch = watchPage(page, server.url);
      // The server's own index, recomputed over the changed file: it agrees with the tampered tile.
      const walked = walkHierarchy(hierarchy, firstChunkSize);
      const nodes = Object.fromEntries(
        walked.nodes
          .filter((n) => n.byteSize > 0)
          .map((n) => [
            String(n.byteOffset),
            [n.byteSize, sha(tampered.subarray(n.byteOffset, n.byteOffset + n.byteSize))],
          ]),
      );
      const chunks = Object.fromEntries(
        walked.chunks.map((c) => [String(c.offset), [c.size, sha(hierarchy.subarray(c.offset, c.offset + c.size))]]),
      );
      const recomputed = {
        hierarchy: layer.files.hierarchy.sha256,
        octree: layer.files.octree.sha256,
        firstChunkSize,
        chunks,
        nodes,
      };
      expect(recomputed.nodes[String(leaf.byteOffset)]![1]).toBe(
        sha(tampered.subarray(leaf.byteOffset, leaf.byteOffset + leaf.byteSize)),
      );
      await page.route('**/layers/*/index', (route) =>
        route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(recomputed) }),
      );
      await page.goto(link(manifestSha256(manifest)));
      await page.waitForFunction(() => window.__vestige?.ready === true, undefined, { timeout: 60_000 });
      await page.evaluate(() => window.__vestige!.idle());
      const state = await page.evaluate(() => window.__vestige!.state());
      expect(state.warnings).toHaveLength(1);
      expect(state.warnings[0]).toContain(`tile ${leaf.name}: the bytes received do not match their SHA-256`);
      expect(state.warnings[0]).toContain('Refused');
      expect(state.loadedPoints).toBe(layer.points - leaf.numPoints);
      // Nothing was asked of the server's index: the manifest's tile hashes were the only check.
      expect(watch.requests.filter((u) => /\/layers\/[^/]+\/index/.test(u))).toEqual([]);
      expect(watch.requests.some((u) => u.includes(layer.tileHashes!.sha256))).toBe(true);
    } finally {
      await context.close();
      fs.writeFileSync(octreePath, original);
    }
  });

  it('refuses a manifest that is not the one the link names, before drawing anything', async () => {
    const context = await chrome.browser.newContext();
    try {
      const page = await signedIn(context);
      // A server that rewrites the manifest (here: a different tile-hash root) cannot match the pinned hash.
      await page.route(`**/api/cases/*/scenes/${manifest.id}`, async (route) => {
        const response = await route.fetch();
        const body = (await response.json()) as { manifest: SceneManifest };
        const l = body.manifest.layers.find((x): x is PointCloudLayer => x.type === 'pointcloud')!;
        l.tileHashes = { ...l.tileHashes!, root: '0'.repeat(64) };
        await route.fulfill({ response, body: JSON.stringify(body) });
      });
      await page.goto(link(manifestSha256(manifest)));
      await expect(page.locator('.message h1').textContent({ timeout: 30_000 })).resolves.toBe('The scene was refused');
      expect(await page.evaluate(() => window.__vestige)).toBeUndefined();
    } finally {
      await context.close();
    }
  });

  it('opens the untouched scene with every tile accepted and the pinned hash shown as matching', async () => {
    const context = await chrome.browser.newContext({ viewport: { width: 800, height: 500 } });
    try {
      const page = await signedIn(context);
      await page.goto(link(manifestSha256(manifest)));
      await page.waitForFunction(() => window.__vestige?.ready === true, undefined, { timeout: 60_000 });
      await page.evaluate(() => window.__vestige!.idle());
      const state = await page.evaluate(() => window.__vestige!.state());
      expect(state.warnings).toEqual([]);
      expect(state.loadedPoints).toBe(layer.points);
      expect(await page.locator('#panel .manifest-hash').textContent()).toContain('(matches the link)');
    } finally {
      await context.close();
    }
  });
});
