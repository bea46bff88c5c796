/**
 * One render node: this process's backend (one browser, kept alive), the viewer host, its render class
 * (from the canary, made once) and the viewer bundle it serves. Every render job in the process goes
 * through it, one chunk at a time: one browser already keeps both cores busy.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { arch, platform } from 'node:os';
import { join, relative } from 'node:path';
import { VestigeError } from '@vestige/evidence';
import { workerName } from '@vestige/jobs';
import { cameraPathFrameCount } from '@vestige/scene';
import type { RenderBackend } from './backend.ts';
import { CANARY_SCENE, CANARY_SETTINGS, CANARY_SIZE, makeCanaryCase, removeCanaryCase } from './canary.ts';
import { ChromiumBackend } from './chromium-backend.ts';
import type { FrameStats, RenderPageSettings } from './page-contract.ts';
import type { RenderRecipe } from './recipe.ts';
import type { ViewerHost, ViewerSite } from './viewer-host.ts';

/** What a node is, as provenance records it beside every frame it drew. */
export interface RenderIdentity {
  worker: string;
  /** `rc-` + the first 12 hex digits of the canary's SHA-256. */
  renderClass: string;
  canarySha256: string;
  /** e.g. `Chromium 156.0.8078.114`. */
  engine: string;
  webglRenderer: string;
  webglVersion: string;
  /** SHA-256 over the built viewer's files. */
  viewerBundle: string;
  platform: string;
}

/** SHA-256 over the viewer bundle's file names and bytes (build stamps and other dot-files left out). */
export function viewerBundleHash(viewerDir: string): string {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else files.push(relative(viewerDir, p).split('\\').join('/'));
    }
  };
  if (!fs.existsSync(join(viewerDir, 'index.html'))) {
    throw new VestigeError('E_TOOL_MISSING', `The viewer is not built in ${viewerDir}.`, {
      hint: 'Run `pnpm install` (it builds the viewer) or `node apps/viewer/build.mjs`.',
    });
  }
  walk(viewerDir);
  const hash = createHash('sha256');
  for (const f of files.sort())
    hash
      .update(`${f}\0`)
      .update(fs.readFileSync(join(viewerDir, f)))
      .update('\0');
  return hash.digest('hex');
}

/** The page settings for a recipe (the same names the viewer's render mode takes). */
export function pageSettings(recipe: RenderRecipe): RenderPageSettings {
  return {
    pointBudget: recipe.pointBudget,
    maxScreenError: recipe.maxScreenError,
    pointSize: recipe.point.size,
    pointSizeFactor: recipe.point.sizeFactor,
    pointShape: recipe.point.shape,
    colorMode: recipe.colorMode,
    edl: recipe.edl,
    overlays: recipe.overlays,
    path: recipe.cameraPath,
    frames: cameraPathFrameCount(recipe.cameraPath),
  };
}

export type FrameSink = (n: number, png: Buffer, stats: FrameStats) => Promise<void>;

export class RenderNode {
  private identityPromise: Promise<RenderIdentity> | null = null;
  private readonly sites = new Map<string, Promise<ViewerSite>>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly host: ViewerHost,
    readonly backend: RenderBackend = new ChromiumBackend(),
    readonly worker = workerName(),
  ) {}

  /** Renders the canary on first call; the same answer afterwards. */
  identity(): Promise<RenderIdentity> {
    this.identityPromise ??= this.exclusive(() => this.measure());
    return this.identityPromise;
  }

  private async measure(): Promise<RenderIdentity> {
    const viewerBundle = viewerBundleHash(this.host.viewerDir);
    const { root, caseDir } = await makeCanaryCase();
    const site = await this.host.open(caseDir);
    const key = `canary|${root}`;
    try {
      const page = await this.backend.open(
        site.sceneUrl(CANARY_SCENE, { render: `${CANARY_SIZE.width}x${CANARY_SIZE.height}` }),
        CANARY_SIZE.width,
        CANARY_SIZE.height,
        key,
      );
      await page.configure(CANARY_SETTINGS);
      const { png } = await page.frame(0, new AbortController().signal);
      const canarySha256 = createHash('sha256').update(png).digest('hex');
      return {
        worker: this.worker,
        renderClass: `rc-${canarySha256.slice(0, 12)}`,
        canarySha256,
        engine: await this.backend.version(),
        webglRenderer: page.info.webglRenderer,
        webglVersion: page.info.webglVersion,
        viewerBundle,
        platform: `${platform()} ${arch()}`,
      };
    } finally {
      await this.backend.discard(key);
      await site.close();
      removeCanaryCase(root);
    }
  }

  /** One chunk at a time per node. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private site(caseDir: string): Promise<ViewerSite> {
    let site = this.sites.get(caseDir);
    if (!site) {
      site = this.host.open(caseDir);
      site.catch(() => this.sites.delete(caseDir));
      this.sites.set(caseDir, site);
    }
    return site;
  }

  /**
   * Draws `frames` of the recipe in order, handing each PNG to `sink` before the next is drawn. Returns
   * what the recipe's 'auto' settings settled to (for provenance).
   */
  renderFrames(
    caseDir: string,
    recipe: RenderRecipe,
    frames: readonly number[],
    signal: AbortSignal,
    sink: FrameSink,
  ): Promise<{ colorMode: string; edl: boolean }> {
    return this.exclusive(async () => {
      const { width, height } = recipe.resolution;
      const key = `${caseDir}|${recipe.sceneId}|${recipe.manifestSha256}|${width}x${height}`;
      const site = await this.site(caseDir);
      try {
        const page = await this.backend.open(
          site.sceneUrl(recipe.sceneId, { render: `${width}x${height}` }),
          width,
          height,
          key,
        );
        if (Math.max(width, height) > Math.min(page.info.maxRenderbufferSize, ...page.info.maxViewportDims)) {
          throw new VestigeError(
            'E_INPUT_UNSUPPORTED',
            `This node's renderer (${page.info.webglRenderer}) draws at most ${page.info.maxRenderbufferSize} px on a side; the recipe asks for ${width} × ${height}.`,
            {
              hint: 'Render a smaller frame, or on a node whose graphics allow the size.',
            },
          );
        }
        const resolved = await page.configure(pageSettings(recipe));
        for (const n of frames) {
          signal.throwIfAborted();
          const { png, stats } = await page.frame(n, signal);
          await sink(n, png, stats);
        }
        return resolved;
      } catch (err) {
        await this.backend.discard(key);
        throw err;
      }
    });
  }

  async close(): Promise<void> {
    for (const site of this.sites.values()) await site.then((s) => s.close()).catch(() => undefined);
    this.sites.clear();
    await this.backend.close();
  }
}
