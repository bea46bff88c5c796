import { VestigeError } from '@vestige/evidence/errors';
import { ExitCode, type CliCommand } from '../command.ts';
import { caseOption, operatorOption, requireOperator, requireString, withCase } from '../case-options.ts';
import { shown } from '../terminal-text.ts';
import { pixelLimitOf, resolveItemId } from '../option-parsers.ts';

export const command: CliCommand = {
  name: 'enhance',
  summary: 'Apply a recipe of documented image operations to an item; the result is a new derived item with provenance',
  usage: `vestige enhance ITEM [ITEM…] --recipe FILE.json --case DIR --operator NAME [--pixel-limit N] [--json]

Runs the recipe's steps in order on the item (decoded at 16 bits per sample) and stores the result as
a PNG derived item whose provenance records every step, its parameters, the input hashes and the
software versions. The original is never changed; running the same recipe again gives identical bytes
(and the same item). Several ITEMs are only allowed when the recipe starts with frame-average.
If the recipe has annotate steps, a second item holds the annotated image; the enhanced one stays clean.

Recipe: { "name": "plate", "steps": [ { "op": "crop", "params": { "left": 10, "top": 20, "width": 200,
  "height": 80 }, "note": "why" }, … ], "output": { "bitDepth": 8 } }

--pixel-limit N: refuse images with more than N pixels (default 100,000,000) — decompression bombs.
Nothing in the case changes when the recipe, an item or an image is bad (typed error, exit 1).
--json prints { provenanceId, items: [{id, name, sha256}], steps: [...], limits: [...] }.`,
  async usageDetails() {
    const { listOperations } = await import('@vestige/imaging');
    return `\nOperations:\n${listOperations()
      .map((o) => `  ${o.id.padEnd(24)} ${o.title}`)
      .join('\n')}`;
  },
  options: {
    ...caseOption,
    ...operatorOption,
    recipe: { type: 'string', short: 'r' },
    'pixel-limit': { type: 'string' },
  },
  allowPositionals: true,
  async run({ values, positionals }, out) {
    if (positionals.length === 0)
      throw new VestigeError('E_USAGE', 'enhance needs at least one item id.', { hint: this.usage.split('\n')[0] });
    const operator = requireOperator(values);
    // The recipe is read and validated before the case is even opened.
    const { enhanceItems, loadRecipeFile } = await import('@vestige/imaging');
    const recipe = loadRecipeFile(requireString(values, 'recipe', 'the recipe JSON file'));
    const pixelLimit = pixelLimitOf(values);
    return withCase(values, {}, async (store) => {
      const ids = positionals.map((p) => resolveItemId(store, p));
      const result = await enhanceItems(store, ids, recipe, { operator, ...(pixelLimit ? { pixelLimit } : {}) });
      if (out.json) {
        out.stdout(
          JSON.stringify({
            provenanceId: result.provenance.id,
            items: result.items.map((i) => ({ id: i.id, name: i.name, sha256: i.sha256 })),
            steps: result.steps,
            limits: result.limits,
          }),
        );
      } else {
        out.stdout(
          `Enhanced ${ids.join(', ')} with recipe "${recipe.name}" (${recipe.steps.length} steps) → provenance ${result.provenance.id}`,
        );
        result.steps.forEach((s, i) =>
          out.stdout(
            `  ${String(i + 1).padStart(2)}. ${s.operation} v${s.version}${s.notes.length ? ` — ${s.notes.join('; ')}` : ''}`,
          ),
        );
        for (const item of result.items) out.stdout(`  result ${item.id}  ${shown(item.name)}  sha256 ${item.sha256}`);
        for (const l of result.limits) out.stdout(`  limit: ${l}`);
        out.stdout(`Report: vestige report --case ${store.dir} --item ${result.items[0]!.id} --out report.html`);
      }
      return ExitCode.ok;
    });
  },
};
