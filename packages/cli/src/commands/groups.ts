import { ExitCode, type CliCommand } from '../command.ts';
import { caseOption, operatorOption, requireOperator, withCase } from '../case-options.ts';
import { parseView } from '../thumbnail-option.ts';

export const command: CliCommand = {
  name: 'groups',
  summary: 'Group near-duplicate images in a case (PDQ), with a representative per group',
  usage: `vestige groups --case DIR --operator NAME [--radius 31] [--min-quality 50]
               [--sheet FILE.jpg|png] [--thumbnails protected|greyscale|clear] [--json]

Groups hashed images into connected components of "PDQ distance ≤ radius" (run \`vestige phash --case\`
or \`vestige match\` first). Each group's representative is its best copy: highest PDQ quality, then most
pixels, then earliest item. Groups are saved as case records G-0001, … (replacing earlier groups) and
each member is annotated, so \`vestige categorise --group G-0001\` can grade a whole group at once.

--sheet writes a contact sheet of the representatives. Reviewer wellbeing: thumbnails are greyscale and
blurred by default (--thumbnails protected). --thumbnails greyscale removes the blur; --thumbnails clear
shows colour and detail, and must be asked for explicitly each time.`,
  options: {
    ...caseOption,
    ...operatorOption,
    radius: { type: 'string' },
    'min-quality': { type: 'string' },
    sheet: { type: 'string' },
    thumbnails: { type: 'string' },
  },
  async run({ values }, out) {
    const operator = requireOperator(values);
    const radius = values.radius === undefined ? 31 : Number(values.radius);
    const minQuality = values['min-quality'] === undefined ? 50 : Number(values['min-quality']);
    const view = await parseView(values.thumbnails);
    const { groupCaseNearDuplicates, writeContactSheet } = await import('@vestige/hashing');
    return withCase(values, {}, async (store) => {
      const result = groupCaseNearDuplicates(store, { operator, radius, minQuality });
      let sheet: unknown;
      if (typeof values.sheet === 'string') {
        sheet = await writeContactSheet(
          store,
          result.groups.map((g) => g.representative),
          values.sheet,
          { view, caption: (id) => `${result.groups.find((g) => g.representative === id)!.id} ${id}` },
        );
      }
      if (out.json) out.stdout(JSON.stringify({ ...result, ...(sheet ? { sheet } : {}) }));
      else {
        out.stdout(
          `${result.groups.length} near-duplicate groups among ${result.itemsConsidered} images (radius ${radius}; ${result.lowQualitySkipped} low-quality hashes left out)`,
        );
        for (const g of result.groups)
          out.stdout(
            `  ${g.id}  representative ${g.representative}  members ${g.members.join(' ')}  (max distance ${g.maxDistanceToRepresentative})`,
          );
        if (sheet) out.stdout(`contact sheet (${view}): ${values.sheet as string}`);
      }
      return ExitCode.ok;
    });
  },
};
