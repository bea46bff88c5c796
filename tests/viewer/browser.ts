/**
 * Headless Debian Chromium for the viewer's end-to-end tests and benchmark, and a once-per-run build of
 * the viewer (vite) into apps/viewer/dist, which the server serves.
 */
import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { makeTempDir, repoRoot, requireTool } from '../support.ts';

export const CHROMIUM = process.env.VESTIGE_CHROMIUM ?? '/usr/bin/chromium';
const viewerDir = join(repoRoot, 'apps', 'viewer');
const distIndex = join(viewerDir, 'dist', 'index.html');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Builds the viewer unless dist is newer than every source file. Test files run in parallel workers, so
 * a lock file keeps it to one build per run.
 */
export function ensureViewerBuilt(): void {
  const sources = Math.max(newestMtime(join(viewerDir, 'src')), newestMtime(join(viewerDir, 'public')), fs.statSync(join(viewerDir, 'index.html')).mtimeMs, fs.statSync(join(viewerDir, 'vite.config.ts')).mtimeMs);
  const fresh = () => fs.existsSync(distIndex) && fs.statSync(distIndex).mtimeMs >= sources;
  if (fresh()) return;
  const lock = join(viewerDir, '.build.lock');
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch {
      if (Date.now() > deadline) fs.rmSync(lock, { force: true });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    if (fresh()) return;
    execFileSync(process.execPath, [join(viewerDir, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], { cwd: viewerDir, stdio: 'inherit' });
    // Mark the build as newer than the sources even if the clock is coarse.
    const now = new Date();
    fs.utimesSync(distIndex, now, now);
  } finally {
    fs.rmSync(lock, { force: true });
  }
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
    if (!url.startsWith(`${origin}/`) && !url.startsWith('blob:') && !url.startsWith('data:')) w.foreignRequests.push(url);
  });
  return w;
}

type V3 = [number, number, number];
/** The viewer's test hook (apps/viewer/src/main.ts), as seen from Node type-checking. */
export interface VestigeHook {
  ready: boolean;
  viewer: { maxScreenError: number; pointBudget: number; invalidate(): void; lastPick: { world: V3 } | null; toSource(world: V3): V3 };
  firstFrameAt(): number | null;
  project(source: V3): { x: number; y: number } | null;
  idle(): Promise<void>;
  selectTool(tool: string | null): void;
  state(): { visiblePoints: number; loadedPoints: number; bytes: number; warnings: string[]; measurements: { id: string; kind: string; value: number; unit: string }[] };
  screenshot(): string;
  setCamera(position: V3, target: V3): void;
  sight(eye: V3, target: V3): { visible: boolean; blocking: V3 | null };
}
