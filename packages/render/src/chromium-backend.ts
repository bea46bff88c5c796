/**
 * The Chromium render backend: Debian's headless Chromium (SwiftShader WebGL 2 where there is no GPU)
 * driven by playwright-core, showing the viewer's render page. One browser per worker process, started on
 * first use and kept alive across chunks (a fresh browser per small chunk measured 3× slower: about 6 s per
 * start), and the last two scene pages kept open so the next chunk of the same render finds its octree
 * nodes already loaded. Frames come back as the PNG the page made with `canvas.toBlob`, POSTed to a
 * same-origin path that this backend intercepts (the server's CSP allows no other origin).
 */
import * as fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { VestigeError } from '@vestige/evidence';
import type { RenderBackend, RenderPage } from './backend.ts';
import type { FrameStats, RenderInfo, RenderPageSettings } from './page-contract.ts';

export const CHROMIUM_PATH = process.env.VESTIGE_CHROMIUM ?? '/usr/bin/chromium';

/** The brief's headless flags, and SwiftShader explicitly so a machine's GPU never changes the class by accident. */
const CHROMIUM_ARGS = [
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
];

const CAPTURE_PATH = '/__vestige-render/frame/';
const PAGE_TIMEOUT_MS = 180_000;

interface RenderHookInPage {
  __vestigeRender?: {
    ready: boolean;
    info(): RenderInfo;
    configure(s: RenderPageSettings): { colorMode: string; edl: boolean };
    frame(n: number, url: string): Promise<FrameStats>;
  };
}
declare const window: RenderHookInPage;
declare const document: { querySelector(selector: string): unknown };

function renderFailed(what: string, err: unknown): VestigeError {
  const message = (err as Error)?.message ?? String(err);
  return new VestigeError(
    'E_RENDER_FAILED',
    `${what}: ${message.replace(/^page\.evaluate: (Error: )?/, '').split('\n')[0]}`,
    {
      hint: 'Check that the scene opens in `vestige serve`; a node that fails its tile check is refused, never drawn around.',
      cause: err,
    },
  );
}

class ChromiumPage implements RenderPage {
  private pending: { resolve(png: Buffer): void } | null = null;

  constructor(
    readonly page: Page,
    readonly info: RenderInfo,
  ) {}

  static async open(browser: Browser, url: string, width: number, height: number): Promise<ChromiumPage> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    page.setDefaultTimeout(PAGE_TIMEOUT_MS);
    let holder: ChromiumPage | undefined;
    await page.route(`**${CAPTURE_PATH}**`, async (route) => {
      const body = route.request().postDataBuffer();
      await route.fulfill({ status: 204 });
      if (body && holder?.pending) holder.pending.resolve(body);
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(url);
      await page.waitForFunction(
        () => window.__vestigeRender?.ready === true || document.querySelector('.message') !== null,
        undefined,
        { timeout: PAGE_TIMEOUT_MS },
      );
    } catch (err) {
      await context.close();
      throw renderFailed('the viewer did not open the scene', err);
    }
    const ready = await page.evaluate(() => window.__vestigeRender?.ready === true);
    if (!ready) {
      const text = await page
        .locator('.message')
        .innerText()
        .catch(() => '');
      await context.close();
      throw new VestigeError(
        'E_RENDER_FAILED',
        `the viewer could not open the scene: ${text.replace(/\s+/g, ' ').trim() || errors.join('; ')}`,
      );
    }
    holder = new ChromiumPage(page, await page.evaluate(() => window.__vestigeRender!.info()));
    return holder;
  }

  async configure(settings: RenderPageSettings): Promise<{ colorMode: string; edl: boolean }> {
    try {
      return await this.page.evaluate((s) => window.__vestigeRender!.configure(s), settings);
    } catch (err) {
      throw renderFailed('the render settings were refused', err);
    }
  }

  async frame(n: number, signal: AbortSignal): Promise<{ png: Buffer; stats: FrameStats }> {
    signal.throwIfAborted();
    const captured = new Promise<Buffer>((resolve) => (this.pending = { resolve }));
    let onAbort = (): void => undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    aborted.catch(() => undefined);
    try {
      const stats = await Promise.race([
        this.page.evaluate(([i, url]) => window.__vestigeRender!.frame(i, url), [n, `${CAPTURE_PATH}${n}`] as const),
        aborted,
      ]);
      return { png: await Promise.race([captured, aborted]), stats };
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      throw renderFailed(`frame ${n}`, err);
    } finally {
      this.pending = null;
      // One listener per frame would pile up on the chunk's signal (a 48-frame chunk: 48 listeners).
      signal.removeEventListener('abort', onAbort);
    }
  }

  async close(): Promise<void> {
    await this.page.context().close();
  }
}

export class ChromiumBackend implements RenderBackend {
  readonly id = 'chromium';
  private browser: Promise<Browser> | null = null;
  private readonly pages = new Map<string, Promise<ChromiumPage>>();

  constructor(private readonly executablePath = CHROMIUM_PATH) {}

  private launch(): Promise<Browser> {
    if (!this.browser) {
      if (!fs.existsSync(this.executablePath)) {
        throw new VestigeError('E_TOOL_MISSING', `Chromium is needed to render and is not at ${this.executablePath}.`, {
          hint: "Install Debian's chromium (apt-get install chromium), or set VESTIGE_CHROMIUM to its path.",
        });
      }
      // playwright gives every launch a fresh temporary --user-data-dir of its own, and removes it.
      this.browser = chromium.launch({ executablePath: this.executablePath, headless: true, args: CHROMIUM_ARGS });
    }
    return this.browser;
  }

  async version(): Promise<string> {
    return `Chromium ${(await this.launch()).version()}`;
  }

  async open(url: string, width: number, height: number, key: string): Promise<RenderPage> {
    let page = this.pages.get(key);
    if (!page) {
      page = this.launch().then((b) => ChromiumPage.open(b, url, width, height));
      page.catch(() => this.pages.delete(key));
      this.pages.set(key, page);
      // Two scenes open at most: each holds its octree nodes and a few full-size buffers.
      while (this.pages.size > 2) {
        const [oldest, open] = this.pages.entries().next().value!;
        this.pages.delete(oldest);
        void open.then((p) => p.close()).catch(() => undefined);
      }
    }
    return page;
  }

  /** Forgets a page (after a failed frame its state is unknown). */
  async discard(key: string): Promise<void> {
    const page = this.pages.get(key);
    this.pages.delete(key);
    await page?.then((p) => p.close()).catch(() => undefined);
  }

  async close(): Promise<void> {
    for (const key of [...this.pages.keys()]) await this.discard(key);
    const browser = this.browser;
    this.browser = null;
    if (browser) await (await browser).close().catch(() => undefined);
  }
}
