/**
 * The viewer in headless Debian Chromium (software WebGL), served by the real server from a real case.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { CaseStore } from '@vestige/evidence';
import { readHierarchy } from '@vestige/scene';
import { startServer, type RunningServer } from '@vestige/server';
import { makeTempDir } from '../support.ts';
import { ensureViewerBuilt, launchChromium, watchPage, type VestigeHook } from './browser.ts';
import { KNOWN_A, KNOWN_B, knownDistance, makeSceneCase, ORIGIN } from './scene-fixture.ts';

declare const window: { __vestige?: VestigeHook };

type Launched = Awaited<ReturnType<typeof launchChromium>>;

async function openScene(context: BrowserContext, server: RunningServer, caseId: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(server.sceneUrl(caseId, 'scene-1'));
  await page.waitForFunction(() => window.__vestige?.ready === true, undefined, { timeout: 60_000 });
  return page;
}

async function idle(page: Page): Promise<void> {
  await page.evaluate(() => window.__vestige!.idle());
}

describe('scene viewer in Chromium', () => {
  let root: string;
  let caseDir: string;
  let caseId: string;
  let server: RunningServer;
  let chrome: Launched;

  beforeAll(async () => {
    ensureViewerBuilt();
    root = makeTempDir('vestige-viewer-');
    caseDir = join(root, 'case');
    caseId = (await makeSceneCase(caseDir)).caseId;
    server = await startServer({ cases: [caseDir], operator: 'PC 1234 Test' });
    chrome = await launchChromium();
  });
  afterAll(async () => {
    await chrome?.close();
    await server?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('loads the sample scene with no console errors, no request to another host, and a picture that is not blank', async () => {
    const context = await chrome.browser.newContext({ viewport: { width: 1280, height: 720 } });
    try {
      const page = await context.newPage();
      const watch = watchPage(page, server.url);
      await page.goto(server.sceneUrl(caseId, 'scene-1'));
      await page.waitForFunction(() => window.__vestige?.ready === true, undefined, { timeout: 60_000 });
      await idle(page);
      const state = await page.evaluate(() => window.__vestige!.state());
      expect(state.visiblePoints).toBeGreaterThan(1000);
      expect(state.warnings).toEqual([]);
      const png = await page.locator('#view canvas').screenshot();
      const stats = await sharp(png).stats();
      // A blank canvas is one flat colour; the scene has floor, box and wall in several colours.
      expect(Math.max(...stats.channels.map((c) => c.stdev))).toBeGreaterThan(10);
      const { dominant } = stats;
      expect(dominant).toBeDefined();
      const burned = await page.evaluate(() => window.__vestige!.screenshot());
      expect(burned.startsWith('data:image/png;base64,')).toBe(true);
      expect(watch.consoleErrors).toEqual([]);
      expect(watch.foreignRequests).toEqual([]);
      expect(watch.requests.some((u) => u.includes('/blobs/'))).toBe(true);
      // The server's preload links are taken up by the viewer, not fetched twice.
      expect(watch.requests.filter((u) => u.endsWith('/scenes/scene-1'))).toHaveLength(1);
      expect(watch.requests.filter((u) => u.endsWith('/layers/scan/index'))).toHaveLength(1);
    } finally {
      await context.close();
    }
  });

  it('measures the true distance between two known points (within 1 mm), saves it, and it survives a server restart', async () => {
    const context = await chrome.browser.newContext({ viewport: { width: 1280, height: 720 } });
    try {
      const page = await openScene(context, server, caseId);
      // Full detail, so the exact known points are among the drawn ones; the measurement itself is the real code path.
      await page.evaluate(() => {
        window.__vestige!.viewer.maxScreenError = 0;
        window.__vestige!.viewer.invalidate();
      });
      await idle(page);
      await page.locator('#view canvas').focus();
      await page.keyboard.press('m');
      for (const p of [KNOWN_A, KNOWN_B]) {
        const at = await page.evaluate((q) => window.__vestige!.project(q), p);
        expect(at).not.toBeNull();
        await page.mouse.click(at!.x, at!.y);
      }
      const row = page.locator('#measurements tbody tr[data-kind="distance"]');
      await row.waitFor({ timeout: 10_000 });
      const measured = Number(await row.getAttribute('data-value'));
      expect(Math.abs(measured - knownDistance)).toBeLessThan(0.001);
      await expect
        .poll(
          async () =>
            (
              (await fetch(`${server.url}/api/cases/${caseId}/scenes/scene-1/measurements`, {
                headers: { Authorization: `Bearer ${server.token}` },
              }).then((r) => r.json())) as { measurements: unknown[] }
            ).measurements.length,
        )
        .toBe(1);
    } finally {
      await context.close();
    }

    await server.close();
    server = await startServer({ cases: [caseDir], operator: 'PC 1234 Test' });
    const again = await chrome.browser.newContext({ viewport: { width: 1280, height: 720 } });
    try {
      const page = await openScene(again, server, caseId);
      const row = page.locator('#measurements tbody tr[data-kind="distance"]');
      await row.waitFor({ timeout: 10_000 });
      expect(Math.abs(Number(await row.getAttribute('data-value')) - knownDistance)).toBeLessThan(0.001);
      const store = CaseStore.open(caseDir, { readOnly: true });
      try {
        const saved = [...store.custody.events()].filter((e) => e.action === 'measurement.saved');
        expect(saved).toHaveLength(1);
        expect(saved[0]!.operator).toBe('PC 1234 Test');
      } finally {
        store.close();
      }
    } finally {
      await again.close();
    }
  });

  it('measures in the displayed frame of a levelled and scaled scene, and keeps the picked points in the source frame', async () => {
    // Levelling turns the scene (here 30° about Z and a 2° tilt about X); scaling multiplies lengths (here 1.25).
    const k = 1.25,
      a = Math.PI / 6,
      b = (2 * Math.PI) / 180;
    const [ca, sa, cb, sb] = [Math.cos(a), Math.sin(a), Math.cos(b), Math.sin(b)];
    // R = Rz(a) · Rx(b), times k; column-major.
    const transform = [
      k * ca,
      k * sa,
      0,
      0,
      -k * sa * cb,
      k * ca * cb,
      k * sb,
      0,
      k * sa * sb,
      -k * ca * sb,
      k * cb,
      0,
      0.3,
      -0.2,
      0.1,
      1,
    ];
    const dir = join(root, 'levelled');
    const made = await makeSceneCase(dir, { withMesh: false, transform });
    const s = await startServer({ cases: [dir], operator: 'PC 1234 Test' });
    const context = await chrome.browser.newContext({ viewport: { width: 1280, height: 720 } });
    try {
      const page = await openScene(context, s, made.caseId);
      await page.evaluate(() => {
        window.__vestige!.viewer.maxScreenError = 0;
        window.__vestige!.viewer.invalidate();
      });
      await idle(page);
      await page.locator('#view canvas').focus();
      await page.keyboard.press('m');
      for (const p of [KNOWN_A, KNOWN_B]) {
        const at = await page.evaluate((q) => window.__vestige!.project(q), p);
        await page.mouse.click(at!.x, at!.y);
      }
      const row = page.locator('#measurements tbody tr[data-kind="distance"]');
      await row.waitFor({ timeout: 10_000 });
      expect(Math.abs(Number(await row.getAttribute('data-value')) - k * knownDistance)).toBeLessThan(0.001);
      const listSaved = async () =>
        (
          (await fetch(`${s.url}/api/cases/${made.caseId}/scenes/scene-1/measurements`, {
            headers: { Authorization: `Bearer ${s.token}` },
          }).then((r) => r.json())) as { measurements: { points: number[][] }[] }
        ).measurements;
      await expect.poll(async () => (await listSaved()).length).toBe(1);
      const list = await listSaved();
      const [pa, pb] = list[0]!.points;
      for (let i = 0; i < 3; i++) {
        expect(Math.abs(pa![i]! - KNOWN_A[i]!)).toBeLessThan(0.0002);
        expect(Math.abs(pb![i]! - KNOWN_B[i]!)).toBeLessThan(0.0002);
      }
    } finally {
      await context.close();
      await s.close();
    }
  });

  it('picks the front-most point by keyboard alone, never a clipped one, and finds what blocks a line of sight', async () => {
    const context = await chrome.browser.newContext({ viewport: { width: 1280, height: 720 } });
    const at = (x: number, y: number, z: number): [number, number, number] => [
      ORIGIN[0] + x,
      ORIGIN[1] + y,
      ORIGIN[2] + z,
    ];
    try {
      const page = await openScene(context, server, caseId);
      await page.evaluate(() => {
        window.__vestige!.viewer.maxScreenError = 0;
      });
      // Standing in front of the box (front face at y = 4.75), the back wall (y = 8) right behind it.
      await page.evaluate(([eye, target]) => window.__vestige!.setCamera(eye, target), [
        at(7.5, 1.5, 0.6),
        at(7.5, 4.75, 0.6),
      ] as const);
      await idle(page);
      await page.locator('#view canvas').focus();
      await page.keyboard.press('Space');
      const picked = await page.evaluate(() => {
        const v = window.__vestige!.viewer;
        return v.lastPick ? v.toSource(v.lastPick.world) : null;
      });
      expect(picked).not.toBeNull();
      expect(Math.abs(picked![1] - (ORIGIN[1] + 4.75))).toBeLessThan(0.03);
      expect(Math.abs(picked![0] - (ORIGIN[0] + 7.5))).toBeLessThan(0.06);

      // Clip the box away (keep x ≤ 6.5): nothing may be picked where it was.
      await page.keyboard.press('c');
      for (const [id, value] of [
        ['clip-min-x', '-1'],
        ['clip-max-x', '6.5'],
        ['clip-min-y', '-1'],
        ['clip-max-y', '9'],
        ['clip-min-z', '-1'],
        ['clip-max-z', '3'],
      ] as const) {
        await page.fill(`#${id}`, value);
        await page.press(`#${id}`, 'Enter');
      }
      await page.locator('#view canvas').focus();
      await page.keyboard.press('Space');
      await expect.poll(() => page.locator('#status').textContent()).toMatch(/No point under the cursor/);
      await page.keyboard.press('c');

      const blocked = await page.evaluate(([e, t]) => window.__vestige!.sight(e, t), [
        at(7.5, 2, 0.6),
        at(7.5, 7.9, 0.6),
      ] as const);
      expect(blocked.visible).toBe(false);
      expect(Math.abs(blocked.blocking![1] - (ORIGIN[1] + 4.75))).toBeLessThan(0.06);
      const clear = await page.evaluate(([e, t]) => window.__vestige!.sight(e, t), [
        at(3, 2, 0.6),
        at(3, 7.9, 0.6),
      ] as const);
      expect(clear).toEqual({ visible: true, blocking: null });
      expect(await page.locator('#sight-lines li').count()).toBe(2);
    } finally {
      await context.close();
    }
  });

  it('looks through a photo viewpoint, lists its keyboard shortcuts, and shows a message instead of a blank page when WebGL is unavailable', async () => {
    const context = await chrome.browser.newContext({ viewport: { width: 1280, height: 720 } });
    try {
      const page = await openScene(context, server, caseId);
      // Look through the photo viewpoint: the photograph is laid over the view.
      await page.getByRole('button', { name: 'Look through Photo 1 (doorway)' }).click();
      await page.locator('#photo-overlay').waitFor({ state: 'visible', timeout: 10_000 });
      expect(await page.locator('#photo-overlay').getAttribute('src')).toMatch(/^blob:/);
      await page.locator('#view canvas').focus();
      await page.keyboard.press('Escape');
      await page.locator('#photo-overlay').waitFor({ state: 'hidden', timeout: 10_000 });
      await page.keyboard.press('h');
      await expect.poll(() => page.locator('#help').isVisible()).toBe(true);
      expect(await page.locator('#help').textContent()).toMatch(/line of sight/);
      const noGl = await context.newPage();
      await noGl.addInitScript(() => {
        const proto = (
          globalThis as unknown as {
            HTMLCanvasElement: { prototype: { getContext: (type: string, ...rest: unknown[]) => unknown } };
          }
        ).HTMLCanvasElement.prototype;
        const original = proto.getContext;
        proto.getContext = function (this: unknown, type: string, ...rest: unknown[]) {
          return /webgl/i.test(type) ? null : original.call(this, type, ...rest);
        };
      });
      await noGl.goto(`${server.url}/view?case=${caseId}&scene=scene-1`);
      await noGl.locator('.message h1').waitFor({ timeout: 20_000 });
      expect(await noGl.locator('.message').textContent()).toMatch(/3D view unavailable/);
    } finally {
      await context.close();
    }
  });

  it('places a numbered evidence marker and saves a view, both kept in the case', async () => {
    const context = await chrome.browser.newContext({ viewport: { width: 1280, height: 720 } });
    try {
      const page = await openScene(context, server, caseId);
      await idle(page);
      await page.locator('#view canvas').focus();
      await page.keyboard.press('k');
      await page.keyboard.press('Space');
      // Marker 1 came with the scene build, so the new one is 2.
      await page.locator('#markers .badge', { hasText: '2' }).waitFor({ timeout: 10_000 });
      await page.fill('#markers input[aria-label="Note for marker 2"]', 'footprint');
      await page.press('#markers input[aria-label="Note for marker 2"]', 'Enter');
      await page.fill('input[name="view-name"]', 'Overview for court');
      await page.click('button:has-text("Save view")');
      await page.locator('#views button', { hasText: 'Overview for court' }).waitFor({ timeout: 10_000 });
      const get = async (what: string) =>
        (await fetch(`${server.url}/api/cases/${caseId}/scenes/scene-1/${what}`, {
          headers: { Authorization: `Bearer ${server.token}` },
        }).then((r) => r.json())) as Record<string, Array<Record<string, unknown>>>;
      await expect
        .poll(async () => (await get('markers')).markers?.map((m) => [m.label, m.note]))
        .toEqual([['2', 'footprint']]);
      await expect.poll(async () => (await get('views')).views?.map((v) => v.name)).toEqual(['Overview for court']);
    } finally {
      await context.close();
    }
  });

  it('asks an unauthenticated browser to sign in (the API answers 401)', async () => {
    const context = await chrome.browser.newContext();
    try {
      const page = await context.newPage();
      const statuses: number[] = [];
      page.on('response', (r) => {
        if (r.url().includes('/api/')) statuses.push(r.status());
      });
      await page.goto(`${server.url}/view?case=${caseId}&scene=scene-1`);
      await page.locator('form.sign-in').waitFor({ timeout: 20_000 });
      expect(statuses).toContain(401);
    } finally {
      await context.close();
    }
  });

  it('refuses a tile whose bytes do not match its hash, with a visible warning', async () => {
    const dir = join(root, 'tampered');
    const made = await makeSceneCase(dir, { withMesh: false });
    const s = await startServer({ cases: [dir], operator: 'PC 1234 Test' });
    const context = await chrome.browser.newContext({ viewport: { width: 1280, height: 720 } });
    try {
      // The server proves the whole octree against its address and issues the node hashes first …
      const index = await fetch(`${s.url}/api/cases/${made.caseId}/scenes/scene-1/layers/scan/index`, {
        headers: { Authorization: `Bearer ${s.token}` },
      });
      expect(index.status).toBe(200);
      // … then a byte of the root node changes on disk (or on the way).
      const store = CaseStore.open(dir, { readOnly: true });
      const metadata = JSON.parse(
        (
          await store.blobs.read(
            made.manifest.layers[0]!.type === 'pointcloud' ? made.manifest.layers[0]!.files.metadata.sha256 : '',
          )
        ).toString(),
      );
      const hierarchy = await store.blobs.read(made.hierarchySha256);
      const rootNode = readHierarchy(hierarchy, metadata.hierarchy.firstChunkSize).find((n) => n.name === 'r')!;
      const path = store.blobs.pathOf(made.octreeSha256);
      store.close();
      fs.chmodSync(path, 0o644);
      const fd = fs.openSync(path, 'r+');
      const b = Buffer.alloc(1);
      fs.readSync(fd, b, 0, 1, rootNode.byteOffset + 13);
      b[0] = b[0]! ^ 0x5a;
      fs.writeSync(fd, b, 0, 1, rootNode.byteOffset + 13);
      fs.closeSync(fd);

      const page = await context.newPage();
      await page.goto(s.sceneUrl(made.caseId, 'scene-1'));
      await page.waitForFunction(() => window.__vestige?.ready === true, undefined, { timeout: 60_000 });
      const warning = page.locator('#warnings .warning');
      await warning.first().waitFor({ state: 'visible', timeout: 20_000 });
      expect(await warning.first().textContent()).toMatch(
        /tile r: the bytes received do not match their SHA-256.*Refused/,
      );
      await idle(page);
      // Nothing of the refused tile is drawn.
      expect((await page.evaluate(() => window.__vestige!.state())).visiblePoints).toBe(0);
    } finally {
      await context.close();
      await s.close();
    }
  });
});
