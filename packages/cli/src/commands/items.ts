import { ExitCode, type CliCommand } from '../command.ts';
import { caseOption, withCase } from '../case-options.ts';
import { shown } from '../terminal-text.ts';

const list: CliCommand = {
  name: 'items',
  summary: 'List the items in a case',
  usage: `vestige items --case DIR [--kind original|derived] [--json]`,
  options: { ...caseOption, kind: { type: 'string' } },
  async run({ values }, out) {
    return withCase(values, { readOnly: true }, async (store) => {
      const kind = values.kind === 'original' || values.kind === 'derived' ? values.kind : undefined;
      const items = store.items(kind ? { kind } : {});
      if (out.json) out.stdout(JSON.stringify(items));
      else
        for (const i of items)
          out.stdout(
            `${i.id}  ${i.kind.padEnd(8)}  ${i.sha256}  ${String(i.size).padStart(12)}  ${i.mediaType.padEnd(20)}  ${shown(i.name)}`,
          );
      return ExitCode.ok;
    });
  },
};

export const command = list;
