/**
 * A scene built by the real octree builder (as `vestige scene build` does) opens in the viewer: every
 * tile is accepted against its hash, and the points the viewer loads add up to the scan's point count.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseStore } from '@vestige/evidence';
import { buildScene, readHierarchy } from '@vestige/scene';
import { startServer, type RunningServer } from '@vestige/server';
import { makeTempDir, repoRoot } from '../support.ts';
import { ensureViewerBuilt, launchChromium, watchPage, type VestigeHook } from './browser.ts';

declare const window: { __vestige?: VestigeHook };

describe('viewer opens an octree from the scene builder', () => {
  let root: string;
  let server: RunningServer;
  let chrome: Awaited<ReturnType<typeof launchChromium>>;
  let caseId: string;
  let sceneId: string;
  let inputPoints: number;
  let hierarchySum: number;

  beforeAll(async () => {
    ensureViewerBuilt();
    root = makeTempDir('vestige-built-scene-');
    const caseDir = join(root, 'case');
    const store = CaseStore.init(caseDir, { operator: 'PC 1', reference: 'OP-BUILT' });
    try {
      // laspy's simple.las (BSD-2, see tests/fixtures/3d/las/LICENSE-laspy-BSD2.txt): 1,065 points with colour.
      const result = await buildScene(store, {
        inputs: [join(repoRoot, 'tests/fixtures/3d/las/simple.las')],
        operator: 'PC 1',
        now: new Date('2026-01-01T00:00:00Z'),
        maxLeafPoints: 200,
      });
      caseId = store.info.id;
      sceneId = result.manifest.id;
      inputPoints = result.octree!.points;
      const layer = result.manifest.layers.find((l) => l.type === 'pointcloud') as unknown as {
        files: Record<'metadata' | 'hierarchy', { sha256: string }>;
      };
      const metadata = JSON.parse((await store.blobs.read(layer.files.metadata.sha256)).toString('utf8')) as {
        hierarchy: { firstChunkSize: number };
      };
      const hierarchy = readHierarchy(
        await store.blobs.read(layer.files.hierarchy.sha256),
        metadata.hierarchy.firstChunkSize,
      );
      hierarchySum = hierarchy.reduce((n: number, node: { numPoints: number }) => n + node.numPoints, 0);
    } finally {
      store.close();
    }
    server = await startServer({ cases: [caseDir], operator: 'PC 1' });
    chrome = await launchChromium();
  });
  afterAll(async () => {
    await chrome?.close();
    await server?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('loads every node, accepts every tile, and shows exactly the input point count', async () => {
    expect(inputPoints).toBe(1065);
    expect(hierarchySum).toBe(inputPoints);
    const context = await chrome.browser.newContext({ viewport: { width: 1024, height: 640 } });
    try {
      const page = await context.newPage();
      const watch = watchPage(page, server.url);
      await page.goto(server.sceneUrl(caseId, sceneId));
      await page.waitForFunction(() => window.__vestige?.ready === true, undefined, { timeout: 60_000 });
      await page.evaluate(() => window.__vestige!.idle());
      const state = await page.evaluate(() => window.__vestige!.state());
      expect(state.warnings).toEqual([]);
      expect(state.loadedPoints).toBe(inputPoints);
      expect(watch.consoleErrors).toEqual([]);
      expect(watch.foreignRequests).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
