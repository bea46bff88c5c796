import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CaseStore, ingest } from '@vestige/evidence';
import { authenticateItem, enhanceItems, loadRecipeFile } from '@vestige/imaging';
import { generateImagingSample } from '@vestige/samples/imaging/generate.ts';
import { cliPath, makeTempDir, requireTool } from '../support.ts';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let root: string;
let caseDir: string;
let result: { enhanced: string; original: string; originalSha: string; resultSha: string; operations: string[] };

beforeAll(async () => {
  root = makeTempDir('vestige-report-');
  const sample = await generateImagingSample(join(root, 'sample'));
  caseDir = join(root, 'case');
  const store = CaseStore.init(caseDir, { operator: 'PC 4711 Test', name: 'Op Lantern', reference: 'LAN/26/0042' });
  try {
    const ing = await ingest(store, [sample.image], { operator: 'PC 4711 Test' });
    const original = ing.files[0]!.itemId;
    await authenticateItem(store, original, { operator: 'PC 4711 Test' });
    const enh = await enhanceItems(store, [original], loadRecipeFile(sample.recipe), { operator: 'PC 4711 Test' });
    result = {
      enhanced: enh.items[0]!.id,
      original,
      originalSha: ing.files[0]!.sha256,
      resultSha: enh.items[0]!.sha256,
      operations: enh.steps.map((s) => s.operation),
    };
  } finally {
    store.close();
  }
});

describe('vestige report', () => {
  // Outside CI a machine without Chromium skips this; in CI (CI=true) the missing browser fails the test.
  it.skipIf(!fs.existsSync(CHROMIUM) && process.env.CI !== 'true')(
    'writes a self-contained HTML report (and PDF) that renders in headless Chromium without errors or requests',
    async () => {
      const html = join(root, 'out', 'report.html');
      const pdf = join(root, 'out', 'report.pdf');
      requireTool(CHROMIUM, 'Chromium');
      const r = spawnSync(
        process.execPath,
        [cliPath, 'report', '--case', caseDir, '--item', result.enhanced, '--out', html, '--pdf', pdf, '--json'],
        { encoding: 'utf8' },
      );
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ reproduced: true, steps: 6 });
      const text = fs.readFileSync(html, 'utf8');
      // Nothing that could fetch: no external URLs in src/href, no scripts.
      expect(text).not.toMatch(/<script/i);
      expect(text).not.toMatch(/(src|href)="(?!data:)/i);
      expect(fs.readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');

      const profile = makeTempDir('vestige-chromium-');
      const context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: FLAGS,
      });
      try {
        const page = await context.newPage();
        const requests: string[] = [];
        const problems: string[] = [];
        page.on('request', (req) => {
          if (!req.url().startsWith('data:')) requests.push(req.url());
        });
        page.on('console', (m) => {
          if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
        });
        page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
        const url = pathToFileURL(html).href;
        const response = await page.goto(url, { waitUntil: 'load' });
        expect(response?.ok()).toBe(true);
        // The only request is the report file itself.
        expect(requests).toEqual([url]);
        expect(problems).toEqual([]);
        // Runs in the page (no DOM types in this tsconfig: the page's document is described minimally).
        const facts = await page.evaluate(() => {
          interface Img {
            complete: boolean;
            naturalWidth: number;
            src: string;
          }
          const doc = (
            globalThis as unknown as {
              document: {
                title: string;
                body: { innerText: string };
                images: ArrayLike<Img>;
                querySelectorAll(s: string): { length: number };
              };
            }
          ).document;
          return {
            title: doc.title,
            text: doc.body.innerText,
            images: Array.from(doc.images).map((i) => ({
              ok: i.complete && i.naturalWidth > 0,
              data: i.src.startsWith('data:'),
            })),
            steps: doc.querySelectorAll('.step').length,
          };
        });
        expect(facts.steps).toBe(6);
        expect(facts.images.length).toBeGreaterThanOrEqual(10);
        expect(facts.images.every((i) => i.ok && i.data)).toBe(true);
        for (const op of result.operations) expect(facts.text).toContain(op);
        expect(facts.text).toContain(result.originalSha);
        expect(facts.text).toContain(result.resultSha);
        expect(facts.text).toContain('byte-for-byte identical');
        expect(facts.text).toMatch(/Limits of the evidence[\s\S]*800 × 600 pixels[\s\S]*IJG quality 70/);
        expect(facts.text).toMatch(/Hartley & Zisserman/);
        expect(facts.text).toContain('LAN/26/0042');
        // Authentication section with both heat maps and the plain explanations.
        expect(facts.text).toMatch(/Error level analysis[\s\S]*not proof of editing/);
        expect(facts.text).toMatch(/Noise residual/);
        expect(facts.text).toMatch(/Estimated IJG quality: 70/);
        expect(requests).toEqual([url]);
      } finally {
        await context.close();
        fs.rmSync(profile, { recursive: true, force: true });
      }
    },
  );
});
