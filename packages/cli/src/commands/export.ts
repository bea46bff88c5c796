import { ExitCode, type CliCommand } from '../command.ts';
import { caseOption, operatorOption, requireOperator, requireString, withCase } from '../case-options.ts';
import { formatBytes } from '../progress.ts';
import { shown } from '../terminal-text.ts';

export const command: CliCommand = {
  name: 'export',
  summary: 'Write a self-checking bundle of items for disclosure or another lab',
  usage: `vestige export --case DIR --out FOLDER --operator NAME [--items I-000001,I-000002] [--sign KEY] [--json]

Writes the items' bytes (and every item their provenance leads back to), manifest.json (hashes, sources,
provenance), the custody events about them with the chain's hash skeleton, and SHA256SUMS (checkable
with \`sha256sum -c\`). Check it anywhere with \`vestige verify --bundle FOLDER\`. Without --items, all items.
--sign KEY  sign the bundle with a lab key (\`vestige key create\`): SIGNATURE.json covers manifest.json,
  SHA256SUMS and the custody head; check with \`vestige verify --bundle FOLDER --key KEY.pub\`. Without it
  a bundle shows accidental change only: anyone can rewrite it and its checksums.
The export is recorded in the custody log only once the bundle is complete; the case keeps a summary
(summaries/) naming the custody head it reached.`,
  options: {
    ...caseOption,
    ...operatorOption,
    out: { type: 'string' },
    items: { type: 'string' },
    sign: { type: 'string' },
  },
  async run({ values }, out) {
    const operator = requireOperator(values);
    const dest = requireString(values, 'out', 'the folder to write the bundle to');
    const itemIds =
      typeof values.items === 'string'
        ? values.items
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : [];
    const { exportBundle, loadSigningKey } = await import('@vestige/evidence');
    const signingKey = typeof values.sign === 'string' ? loadSigningKey(values.sign) : undefined;
    return withCase(values, {}, async (store) => {
      const report = await exportBundle(store, { itemIds, out: dest, operator, ...(signingKey ? { signingKey } : {}) });
      if (out.json) out.stdout(JSON.stringify(report));
      else
        out.stdout(
          `Exported ${report.items} items (${formatBytes(report.bytes)}), ${report.events} custody events to ${shown(report.out)}\nmanifest.json SHA-256 ${report.manifestSha256}` +
            (report.signedBy
              ? `\nsigned with key ${report.signedBy}`
              : '\nunsigned (use --sign KEY for a bundle that cannot be rewritten unnoticed)') +
            (report.custodyHead ? `\ncustody head: event ${report.custodyHead.seq} ${report.custodyHead.hash}` : ''),
        );
      return ExitCode.ok;
    });
  },
};
