import { exportBundle } from '@vestige/evidence';
import { ExitCode, type CliCommand } from '../command.ts';
import { caseOption, operatorOption, requireOperator, requireString, withCase } from '../case-options.ts';
import { formatBytes } from '../progress.ts';

export const command: CliCommand = {
  name: 'export',
  summary: 'Write a self-checking bundle of items for disclosure or another lab',
  usage: `vestige export --case DIR --out FOLDER --operator NAME [--items I-000001,I-000002] [--json]

Writes the items' bytes (and every item their provenance leads back to), manifest.json (hashes, sources,
provenance), the custody events about them with the chain's hash skeleton, and SHA256SUMS (checkable
with \`sha256sum -c\`). Check it anywhere with \`vestige verify --bundle FOLDER\`. Without --items, all items.`,
  options: { ...caseOption, ...operatorOption, out: { type: 'string' }, items: { type: 'string' } },
  async run({ values }, out) {
    const operator = requireOperator(values);
    const dest = requireString(values, 'out', 'the folder to write the bundle to');
    const itemIds = typeof values.items === 'string' ? values.items.split(',').map((s) => s.trim()).filter(Boolean) : [];
    return withCase(values, {}, async (store) => {
      const report = await exportBundle(store, { itemIds, out: dest, operator });
      if (out.json) out.stdout(JSON.stringify(report));
      else
        out.stdout(
          `Exported ${report.items} items (${formatBytes(report.bytes)}), ${report.events} custody events to ${report.out}\nmanifest.json SHA-256 ${report.manifestSha256}` +
            (report.custodyHead ? `\ncustody head: event ${report.custodyHead.seq} ${report.custodyHead.hash}` : ''),
        );
      return ExitCode.ok;
    });
  },
};
