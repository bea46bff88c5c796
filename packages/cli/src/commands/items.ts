import { ExitCode, type CliCommand } from '../command.ts';
import { caseOption, withCase } from '../case-options.ts';

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
      else for (const i of items) out.stdout(`${i.id}  ${i.kind.padEnd(8)}  ${i.sha256}  ${String(i.size).padStart(12)}  ${i.mediaType.padEnd(20)}  ${i.name}`);
      return ExitCode.ok;
    });
  },
};

const show: CliCommand = {
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
      const detail = { ...item, sources: store.sources(id), annotations: store.annotations(id), provenance: store.provenanceOf(id) };
      out.stdout(out.json ? JSON.stringify(detail) : JSON.stringify(detail, null, 2));
      return ExitCode.ok;
    });
  },
};

export const commands = [list, show];
