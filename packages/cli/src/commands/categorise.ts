import type { UkCategory } from '@vestige/hashing';
import { VestigeError } from '@vestige/evidence/errors';
import { ExitCode, type CliCommand } from '../command.ts';
import { caseOption, operatorOption, requireOperator, withCase } from '../case-options.ts';
import { parseView } from '../thumbnail-option.ts';

export const command: CliCommand = {
  name: 'categorise',
  summary: 'Set a category (UK A/B/C/not indecent) and tags on items or near-duplicate groups',
  usage: `vestige categorise [ITEM…] [--group G-0001 …] --case DIR --operator NAME
                   [--category A|B|C|N|none] [--tag TAG …] [--untag TAG …] [--note TEXT]
                   [--sheet FILE.jpg|png] [--thumbnails protected|greyscale|clear] [--json]

Categories follow the UK scheme: A, B, C, or N (not indecent); none clears a grade. Each grade is also
stored as its Project VIC category (A/B/C → 1 child abuse material, N → 0 non-pertinent) for VICS
export. --group applies the decision to every member of a near-duplicate group (see \`vestige groups\`).
Every changed item is one custody event with the new value and your name (earlier values stay in
the log); unchanged items are left alone.

--sheet writes a contact sheet of the items just categorised; thumbnails are greyscale and blurred
unless --thumbnails greyscale or --thumbnails clear is given (reviewer wellbeing).`,
  options: {
    ...caseOption,
    ...operatorOption,
    group: { type: 'string', multiple: true, short: 'g' },
    category: { type: 'string' },
    tag: { type: 'string', multiple: true, short: 't' },
    untag: { type: 'string', multiple: true },
    note: { type: 'string' },
    sheet: { type: 'string' },
    thumbnails: { type: 'string' },
  },
  allowPositionals: true,
  async run({ values, positionals }, out) {
    const operator = requireOperator(values);
    let category: UkCategory | null | undefined;
    const { categorise, parseUkCategory, writeContactSheet, UK_CATEGORY_LABELS } = await import('@vestige/hashing');
    if (typeof values.category === 'string') {
      if (values.category.toLowerCase() === 'none') category = null;
      else {
        category = parseUkCategory(values.category);
        if (!category)
          throw new VestigeError(
            'E_USAGE',
            `--category must be A, B, C, N (not indecent) or none, not '${values.category}'`,
          );
      }
    }
    const view = await parseView(values.thumbnails);
    return withCase(values, {}, async (store) => {
      const result = categorise(store, {
        operator,
        items: positionals,
        groups: (values.group as string[] | undefined) ?? [],
        ...(category !== undefined ? { category } : {}),
        addTags: (values.tag as string[] | undefined) ?? [],
        removeTags: (values.untag as string[] | undefined) ?? [],
        ...(typeof values.note === 'string' ? { note: values.note } : {}),
      });
      let sheet: unknown;
      if (typeof values.sheet === 'string')
        sheet = await writeContactSheet(
          store,
          result.changed.map((c) => c.itemId),
          values.sheet,
          { view },
        );
      if (out.json) out.stdout(JSON.stringify({ ...result, ...(sheet ? { sheet } : {}) }));
      else {
        for (const c of result.changed) {
          out.stdout(
            `${c.itemId}  ${c.after.uk ? UK_CATEGORY_LABELS[c.after.uk] : 'no grade'}${c.after.tags.length ? `  tags: ${c.after.tags.join(', ')}` : ''}${c.after.viaGroup ? `  (group ${c.after.viaGroup})` : ''}`,
          );
        }
        out.stdout(`${result.changed.length} items changed, ${result.unchanged.length} already so`);
        if (sheet) out.stdout(`contact sheet (${view}): ${values.sheet as string}`);
      }
      return ExitCode.ok;
    });
  },
};
