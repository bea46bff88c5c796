import { ExitCode, type CliCommand } from '../command.ts';
import { caseOption, withCase } from '../case-options.ts';

export const command: CliCommand = {
  name: 'show',
  summary: 'Show one item: hashes, sources, metadata, annotations, provenance',
  usage: `vestige show ITEM --case DIR [--json]`,
  options: { ...caseOption },
  allowPositionals: true,
  async run({ values, positionals }, out) {
    const id = positionals[0];
    if (!id) {
      out.stderr(this.usage);
      return ExitCode.usage;
    }
    return withCase(values, { readOnly: true }, async (store) => {
      const item = store.item(id);
      const detail = {
        ...item,
        sources: store.sources(id),
        annotations: store.annotations(id),
        provenance: store.provenanceOf(id),
      };
      out.stdout(out.json ? JSON.stringify(detail) : JSON.stringify(detail, null, 2));
      return ExitCode.ok;
    });
  },
};
