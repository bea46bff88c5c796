import { ExitCode, type CliCommand } from '../command.ts';
import { caseOption, operatorOption, requireOperator, requireString, withCase } from '../case-options.ts';
import { pixelLimitOf, resolveItemId } from '../option-parsers.ts';
import { shown } from '../terminal-text.ts';

export const command: CliCommand = {
  name: 'authenticate',
  summary: 'Authentication checks on an image item: metadata consistency, JPEG tables, error level analysis, noise map',
  usage: `vestige authenticate --case DIR --item ID --operator NAME [--ela-quality Q] [--pixel-limit N] [--json]

Read-only analyses of the item (its bytes are never changed):
  metadata    EXIF/XMP dump; capture vs modification dates, EXIF vs file-system dates, embedded thumbnail vs
              picture, software tag, declared vs real dimensions
  quantisation JPEG DQT tables, estimated IJG quality and encoder family
  ela         error level analysis heat map (re-save at quality Q, default 90)
  noise       noise residual heat map
The heat maps are stored as derived items with provenance, and the findings as the item's
"imaging.authentication" annotation, so \`vestige report\` includes them. Each finding comes with what it can
and cannot show: none of them alone proves an image authentic or manipulated.
--json prints the findings.`,
  options: {
    ...caseOption,
    ...operatorOption,
    item: { type: 'string', short: 'i' },
    'ela-quality': { type: 'string' },
    'pixel-limit': { type: 'string' },
  },
  async run({ values }, out) {
    const operator = requireOperator(values);
    const ref = requireString(values, 'item', 'the image item to check');
    const pixelLimit = pixelLimitOf(values);
    const q = values['ela-quality'] === undefined ? undefined : Number(values['ela-quality']);
    if (q !== undefined && (!Number.isInteger(q) || q < 50 || q > 100)) {
      const { VestigeError } = await import('@vestige/evidence');
      throw new VestigeError(
        'E_USAGE',
        `--ela-quality must be a whole number from 50 to 100, got ${String(values['ela-quality'])}`,
      );
    }
    const { authenticateItem } = await import('@vestige/imaging');
    return withCase(values, {}, async (store) => {
      const { findings, heatMaps } = await authenticateItem(store, resolveItemId(store, ref), {
        operator,
        ...(pixelLimit ? { pixelLimit } : {}),
        ...(q ? { elaQuality: q } : {}),
      });
      if (out.json) out.stdout(JSON.stringify(findings));
      else {
        out.stdout(
          `Authentication checks on ${findings.itemId} (${findings.format}, ${findings.width} × ${findings.height}) → provenance ${findings.provenanceId}`,
        );
        for (const c of findings.metadata.checks) out.stdout(`  ${c.result.padEnd(13)} ${c.check}: ${c.detail}`);
        if (findings.quantisation)
          out.stdout(
            `  JPEG tables: quality ≈ ${findings.quantisation.estimatedQuality} — ${findings.quantisation.family}`,
          );
        if (findings.ela)
          out.stdout(
            `  ELA (q${findings.ela.quality}): mean error ${findings.ela.meanError.toFixed(2)}, p99 ${findings.ela.p99Error.toFixed(1)} → ${findings.ela.itemId}`,
          );
        out.stdout(
          `  noise residual: median ${findings.noise.medianSigma.toFixed(2)}, p95/median ${findings.noise.spread.toFixed(2)} → ${findings.noise.itemId}`,
        );
        for (const h of heatMaps) out.stdout(`  heat map ${h.id}  ${shown(h.name)}`);
      }
      return ExitCode.ok;
    });
  },
};
