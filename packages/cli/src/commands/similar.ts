import { VestigeError } from '@vestige/evidence/errors';
import { ExitCode, type CliCommand } from '../command.ts';
import { caseOption, withCase } from '../case-options.ts';
import { positiveInteger } from '../option-parsers.ts';

export const command: CliCommand = {
  name: 'similar',
  summary: 'The items that look most like an item (image embeddings, exact cosine), beside its PDQ near-duplicates',
  usage: `vestige similar ITEM --case DIR [--top 10] [--pdq-radius 31] [--json]

Ranks every item triaged with the same model by the cosine similarity of its embedding (NSFWJS
MobileNetV2's 1280-value pooled features; run \`vestige triage\` first) to ITEM's: an exact search that
reads the case's stored vectors one file at a time, so memory stays small however large the case. For a
video, its closest frame counts. Beside them, PDQ near-duplicates within --pdq-radius bits when the case
has been hashed (\`vestige phash --case\`). Visual similarity proposes pictures of the same scene, object
or person for review; it decides nothing. Read-only: the case is not changed.`,
  options: { ...caseOption, top: { type: 'string' }, 'pdq-radius': { type: 'string' } },
  allowPositionals: true,
  async run({ values, positionals }, out) {
    const itemId = positionals[0];
    if (!itemId || positionals.length > 1) {
      out.stderr(`similar takes exactly one item id.\n\n${this.usage}`);
      return ExitCode.usage;
    }
    const top = positiveInteger(values.top, 'top');
    const radius = values['pdq-radius'] === undefined ? undefined : Number(values['pdq-radius']);
    if (radius !== undefined && !(Number.isInteger(radius) && radius >= 0 && radius <= 256))
      throw new VestigeError(
        'E_USAGE',
        `--pdq-radius must be a whole number of bits from 0 to 256, not '${String(values['pdq-radius'])}'`,
      );
    const { similarItems } = await import('@vestige/vision');
    return withCase(values, { readOnly: true }, async (store) => {
      const report = await similarItems(store, itemId, {
        ...(top ? { top } : {}),
        ...(radius !== undefined ? { pdqRadius: radius } : {}),
      });
      if (out.json) out.stdout(JSON.stringify(report));
      else {
        out.stdout(report.notice);
        out.stdout(
          `most like ${report.query.itemId} ${report.query.name} (${report.vectorsScanned} vectors in ${report.filesRead} files, model ${report.query.model.id}):`,
        );
        for (const h of report.visual)
          out.stdout(
            `  ${h.itemId}  similarity ${h.similarity.toFixed(4)}${h.frame !== undefined ? `  frame ${h.frame}` : ''}  ${h.name}`,
          );
        if (report.pdq === null) out.stdout('PDQ: not hashed (run `vestige phash --case DIR`)');
        else {
          out.stdout(`PDQ near-duplicates: ${report.pdq.length}`);
          for (const n of report.pdq) out.stdout(`  ${n.itemId}  distance ${n.distance}  ${n.name}`);
        }
      }
      return ExitCode.ok;
    });
  },
};
