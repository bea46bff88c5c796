/**
 * The viewer's camera-path editor in headless Chromium against the real server and case: a path built
 * from three saved views, reordered, scrubbed (the camera is the scene core's CameraPathSampler pose,
 * the one render mode uses for farm frames), saved as a scene record with its custody event, and
 * exported as the file `vestige scene path export` writes and the CLI's path reader takes.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { CaseStore } from '@vestige/evidence';
import {
  CameraPathSampler,
  keyframeFromView,
  listSceneRecords,
  loadScene,
  sceneRecordAction,
  toDisplayed,
  type CameraPath,
  type SavedView,
} from '@vestige/scene';
import { startServer, type RunningServer } from '@vestige/server';
import { readCameraPathFile } from '@vestige/cli';
import { cliPath, makeTempDir } from '../support.ts';
import { ensureViewerBuilt, launchChromium, type VestigeHook } from './browser.ts';
import { makeSceneCase, ORIGIN } from './scene-fixture.ts';

declare const window: { __vestige?: VestigeHook };
declare const document: { querySelector(s: string): { value: string; dispatchEvent(e: unknown): boolean } | null };
declare const Event: new (type: string, init?: { bubbles?: boolean }) => unknown;

type V3 = [number, number, number];
const at = (x: number, y: number, z: number): V3 => [ORIGIN[0] + x, ORIGIN[1] + y, ORIGIN[2] + z];

function vestige(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8' });
}

async function keyframeViewIds(page: Page): Promise<string[]> {
  return page
    .locator('#camera-path-keyframes li')
    .evaluateAll((items) => items.map((li) => (li as unknown as { dataset: { viewId: string } }).dataset.viewId));
}

describe('camera-path editor in Chromium', () => {
  let root: string;
  let caseDir: string;
  let caseId: string;
  let server: RunningServer;
  let chrome: Awaited<ReturnType<typeof launchChromium>>;

  beforeAll(async () => {
    ensureViewerBuilt();
    root = makeTempDir('vestige-camera-path-');
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

  it('builds a path from three saved views, reorders and scrubs it on the core sampler, saves it with a custody event and exports the CLI file', async () => {
    const context = await chrome.browser.newContext({ viewport: { width: 1280, height: 720 }, acceptDownloads: true });
    try {
      const page = await context.newPage();
      await page.goto(server.sceneUrl(caseId, 'scene-1'));
      await page.waitForFunction(() => window.__vestige?.ready === true, undefined, { timeout: 60_000 });

      // Three saved views, through the panel, from three cameras.
      const cameras: Array<[string, V3, V3]> = [
        ['Door', at(0.5, 0.5, 1.6), at(3, 2, 0.5)],
        ['Table', at(4, 0.5, 2.2), at(2, 3, 0.3)],
        ['Window', at(1, 3.5, 1.4), at(3.5, 1, 0.8)],
      ];
      for (const [name, position, target] of cameras) {
        await page.evaluate(([p, t]) => window.__vestige!.setCamera(p, t), [position, target] as const);
        await page.fill('input[name=view-name]', name);
        await page.click('button:has-text("Save view")');
        await page.locator('#views li', { hasText: name }).waitFor();
      }
      const store = CaseStore.open(caseDir, { readOnly: true });
      let views: SavedView[];
      try {
        await expect.poll(() => listSceneRecords(store, 'views', 'scene-1').length).toBe(3);
        views = cameras.map(([name]) => listSceneRecords(store, 'views', 'scene-1').find((v) => v.name === name)!);
      } finally {
        store.close();
      }

      // Add the three saved views in order, then move the last one up: Door, Window, Table.
      for (const v of views) {
        await page.selectOption('#camera-path-view', v.id);
        await page.click('#camera-path-add-view');
      }
      expect(await keyframeViewIds(page)).toEqual(views.map((v) => v.id));
      await page.click('#camera-path-keyframes li[data-index="2"] .keyframe-up');
      const order = [views[0]!, views[2]!, views[1]!];
      expect(await keyframeViewIds(page)).toEqual(order.map((v) => v.id));
      await page.fill('#camera-path-name', 'Door to table');
      await page.press('#camera-path-name', 'Tab');

      // The path the panel holds is the core's path through those views, 2 s apart (times stay in place).
      const expected: CameraPath = {
        id: '',
        name: 'Door to table',
        fps: 24,
        keyframes: order.map((v, i) => keyframeFromView(v, i * 2)),
      };
      const manifestStore = CaseStore.open(caseDir, { readOnly: true });
      const manifest = loadScene(manifestStore, 'scene-1');
      manifestStore.close();
      const sampler = new CameraPathSampler(expected, (p) => toDisplayed(manifest, p));

      // Scrub to 2.75 s (between Window and Table) and to a keyframe: the camera is the sampler's pose.
      for (const t of [2.75, 2, 0.5]) {
        const shown = await page.evaluate((value) => {
          const slider = document.querySelector('#camera-path-scrub')!;
          slider.value = String(value);
          slider.dispatchEvent(new Event('input', { bubbles: true }));
          return Number(slider.value);
        }, t);
        expect(shown).toBeCloseTo(t, 9);
        const pose = sampler.at(shown);
        const camera = await page.evaluate(() => window.__vestige!.cameraPose());
        camera.position.forEach((c, i) => expect(c).toBeCloseTo(pose.position[i]!, 6));
        camera.quaternion.forEach((c, i) => expect(c).toBeCloseTo(pose.quaternion[i]!, 9));
        expect(camera.fov).toBeCloseTo(pose.fov, 9);
      }
      // The camera stays where the path put it while the viewer keeps drawing (orbit controls do not re-aim it).
      await page.evaluate(() => window.__vestige!.idle());
      const held = await page.evaluate(() => window.__vestige!.cameraPose());
      held.quaternion.forEach((c, i) => expect(c).toBeCloseTo(sampler.at(0.5).quaternion[i]!, 9));

      // Save: a camera-paths record and its custody event in the case; verify stays clean.
      await page.click('#camera-path-save');
      const check = CaseStore.open(caseDir, { readOnly: true });
      try {
        await expect.poll(() => listSceneRecords(check, 'camera-paths', 'scene-1').length).toBe(1);
        const saved = listSceneRecords(check, 'camera-paths', 'scene-1')[0]!;
        expect(saved.name).toBe('Door to table');
        expect(saved.fps).toBe(24);
        expect(saved.keyframes.map((k) => [k.viewId, k.time])).toEqual(order.map((v, i) => [v.id, i * 2]));
        expect(saved.keyframes[1]!.position).toEqual(views[2]!.camera.position);
        expected.id = saved.id;
        const events = [...check.custody.events()].filter(
          (e) => e.action === sceneRecordAction('camera-paths', 'saved'),
        );
        expect(events).toHaveLength(1);
        expect(events[0]!.operator).toBe('PC 1234 Test');
      } finally {
        check.close();
      }
      const verified = vestige('verify', '--case', caseDir);
      expect(verified.status, verified.stdout + verified.stderr).toBe(0);

      // Export: the bytes `vestige scene path export` writes, read by the CLI's path reader.
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#camera-path-export')]);
      const exported = join(root, 'viewer.camera-path.json');
      await download.saveAs(exported);
      const cliFile = join(root, 'cli.camera-path.json');
      const r = vestige('scene', 'path', 'export', 'scene-1', expected.id, '--case', caseDir, '--out', cliFile);
      expect(r.status, r.stderr).toBe(0);
      expect(fs.readFileSync(exported, 'utf8')).toBe(fs.readFileSync(cliFile, 'utf8'));
      const read = await readCameraPathFile(exported);
      expect(read.keyframes.map((k) => k.viewId)).toEqual(order.map((v) => v.id));
      expect(new CameraPathSampler(read, (p) => toDisplayed(manifest, p)).frameCount).toBe(sampler.frameCount);

      // Import: a file as the CLI writes it becomes the draft (Save would keep it).
      await page.click('#camera-path-new');
      expect(await keyframeViewIds(page)).toEqual([]);
      await page.setInputFiles('#camera-path-import', cliFile);
      await expect.poll(() => keyframeViewIds(page)).toEqual(order.map((v) => v.id));
      expect(await page.inputValue('#camera-path-name')).toBe('Door to table');
    } finally {
      await context.close();
    }
  }, 240_000);
});
