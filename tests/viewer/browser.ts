/**
 * Headless Debian Chromium for the viewer's end-to-end tests and benchmark, and the viewer's build
 * (apps/viewer/build.mjs: vite into apps/viewer/dist, only when its sources changed).
 */
import * as fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureViewerBuilt as ensureBuilt } from '../../apps/viewer/build.mjs';
import { makeTempDir, requireTool } from '../support.ts';
import type { FrameBudget } from '@vestige/scene';

export const CHROMIUM = process.env.VESTIGE_CHROMIUM ?? '/usr/bin/chromium';

/** Builds the viewer unless its build matches its sources (the same check `pnpm install` and `vestige serve` make). */
export function ensureViewerBuilt(): void {
  ensureBuilt({ log: (line: string) => process.stderr.write(`${line}\n`) });
}

export async function launchChromium(): Promise<{ browser: Browser; userDataDir: string; close(): Promise<void> }> {
  requireTool(CHROMIUM, 'Chromium (apt install chromium)');
  const userDataDir = makeTempDir('vestige-chromium-');
  // playwright gives every launch a fresh, temporary --user-data-dir of its own (and removes it).
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
    ],
  });
  return {
    browser,
    userDataDir,
    async close() {
      await browser.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export interface PageWatch {
  consoleErrors: string[];
  foreignRequests: string[];
  requests: string[];
}

/** Records console errors and every request that is not to the local server. */
export function watchPage(page: Page, origin: string): PageWatch {
  const w: PageWatch = { consoleErrors: [], foreignRequests: [], requests: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') w.consoleErrors.push(`${m.text()} ${m.location().url}`);
  });
  page.on('pageerror', (e) => w.consoleErrors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => {
    const url = r.url();
    w.requests.push(url);
    if (!url.startsWith(`${origin}/`) && !url.startsWith('blob:') && !url.startsWith('data:'))
      w.foreignRequests.push(url);
  });
  return w;
}

type V3 = [number, number, number];
/** The viewer's test hook (apps/viewer/src/main.ts), as seen from Node type-checking. */
export interface VestigeHook {
  ready: boolean;
  viewer: {
    maxScreenError: number;
    pointBudget: number;
    invalidate(): void;
    lastPick: { world: V3 } | null;
    toSource(world: V3): V3;
  };
  firstFrameAt(): number | null;
  project(source: V3): { x: number; y: number } | null;
  idle(): Promise<void>;
  selectTool(tool: string | null): void;
  state(): {
    visiblePoints: number;
    loadedPoints: number;
    bytes: number;
    warnings: string[];
    measurements: { id: string; kind: string; value: number; unit: string; plusMinus: number | null }[];
  };
  measure(
    kind: string,
    points: V3[],
    named?: { id?: string; label?: string },
  ): Promise<{ id: string; value: number; unit: string } | null>;
  screenshot(): string;
  setCamera(position: V3, target: V3): void;
  sight(eye: V3, target: V3): { visible: boolean; blocking: V3 | null };
  showScanPhoto(
    id: string,
  ): Promise<{ id: string; name: string; mode: 'projected' | 'picture'; drawn: boolean; note: string | null } | null>;
  cameraPose(): { position: V3; quaternion: [number, number, number, number]; fov: number };
  showPose(pose: {
    position: V3;
    quaternion: readonly [number, number, number, number];
    fov: number;
    focusDistance: number;
  }): void;
  canvasSize(): { width: number; height: number };
  budget(): Promise<FrameBudget>;
}
