import * as fs from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { VestigeError } from '@vestige/evidence/errors';
import { ExitCode, type CliCommand } from '../command.ts';
import { caseOption, requireString, withCase } from '../case-options.ts';
import { pixelLimitOf, resolveItemId } from '../option-parsers.ts';

export const CHROMIUM = '/usr/bin/chromium';
/** Flags for a Chromium that must not talk to anything: the report is a closed document. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Prints the HTML to PDF with headless Chromium (same HTML, print CSS). */
export async function htmlToPdf(htmlPath: string, pdfPath: string): Promise<void> {
  if (!fs.existsSync(CHROMIUM))
    throw new VestigeError('E_TOOL_MISSING', `PDF output needs Chromium at ${CHROMIUM}`, {
      hint: 'Install the Debian package chromium, or use the HTML report.',
    });
  const { chromium } = await import('playwright-core');
  const profile = fs.mkdtempSync(resolve(dirname(pdfPath), '.vestige-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  try {
    const page = await context.newPage();
    await page.goto(pathToFileURL(resolve(htmlPath)).href, { waitUntil: 'load' });
    await page.pdf({
      path: pdfPath,
      format: 'A4',
      printBackground: true,
      margin: { top: '15mm', bottom: '15mm', left: '12mm', right: '12mm' },
    });
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

export const command: CliCommand = {
  name: 'report',
  summary: 'Write the court report (self-contained HTML, optional PDF) for an enhanced item',
  usage: `vestige report --case DIR --item RESULT --out report.html [--pdf report.pdf] [--json]

The report lists, in plain words, every step of the recipe that produced RESULT with its parameters and
scientific reference, before/after thumbnails, the hashes that tie the result to the original, the
limits of the evidence (pixels in the region, compression seen), authentication findings recorded for
the original (\`vestige authenticate\`), software versions and the related custody events. The recipe is
re-run from the original while the report is made and the report says whether the bytes matched.
The HTML is one file with everything inline: no scripts, fonts or images are fetched from anywhere.
--pdf prints the same HTML to PDF with headless Chromium (${CHROMIUM}).
The case is opened read-only.`,
  options: {
    ...caseOption,
    item: { type: 'string', short: 'i' },
    out: { type: 'string' },
    pdf: { type: 'string' },
    'pixel-limit': { type: 'string' },
  },
  async run({ values }, out) {
    const ref = requireString(values, 'item', 'the enhanced item to report on');
    const outPath = requireString(values, 'out', 'where to write the HTML report');
    const pixelLimit = pixelLimitOf(values);
    const { buildEnhancementReport } = await import('@vestige/imaging');
    return withCase(values, { readOnly: true }, async (store) => {
      const report = await buildEnhancementReport(store, resolveItemId(store, ref), pixelLimit ? { pixelLimit } : {});
      fs.mkdirSync(dirname(resolve(outPath)), { recursive: true });
      fs.writeFileSync(outPath, report.html);
      const pdf = typeof values.pdf === 'string' ? values.pdf : undefined;
      if (pdf) await htmlToPdf(outPath, pdf);
      if (out.json)
        out.stdout(
          JSON.stringify({
            itemId: report.itemId,
            html: resolve(outPath),
            ...(pdf ? { pdf: resolve(pdf) } : {}),
            steps: report.steps,
            reproduced: report.reproduced,
            bytes: Buffer.byteLength(report.html),
          }),
        );
      else {
        out.stdout(
          `Report for ${report.itemId}: ${report.steps} steps, re-run ${report.reproduced ? 'reproduced the recorded output exactly' : 'DID NOT reproduce the recorded output'}`,
        );
        out.stdout(`  HTML: ${resolve(outPath)}${pdf ? `\n  PDF:  ${resolve(pdf)}` : ''}`);
      }
      return report.reproduced ? ExitCode.ok : ExitCode.partial;
    });
  },
};
