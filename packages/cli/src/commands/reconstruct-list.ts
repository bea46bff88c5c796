import type { ReconstructionRecord } from '@vestige/reconstruct';
import { ExitCode, type CliCommand } from '../command.ts';
import { caseOption, withCase } from '../case-options.ts';

export const command: CliCommand = {
  name: 'reconstruct list',
  summary: 'List the reconstructions in a case: scene, photos registered, scale, stated uncertainty',
  usage: 'vestige reconstruct list --case DIR [--json]',
  options: { ...caseOption },
  async run({ values }, out) {
    return withCase(values, { readOnly: true }, async (store) => {
      const { RECONSTRUCTIONS_COLLECTION } = await import('@vestige/reconstruct');
      const rows = store.listRecords<ReconstructionRecord>(RECONSTRUCTIONS_COLLECTION).map((r) => r.value);
      if (out.json)
        out.stdout(
          JSON.stringify(
            rows.map((r) => ({
              id: r.id,
              sceneId: r.sceneId,
              createdAt: r.createdAt,
              registered: r.report.photos.registered,
              given: r.report.photos.given,
              uncertainty: r.report.uncertainty ?? null,
            })),
          ),
        );
      else
        for (const r of rows)
          out.stdout(
            `${r.id}  scene ${r.sceneId}  ${r.report.photos.registered}/${r.report.photos.given} photos  ${r.report.uncertainty ? `± (${(r.report.uncertainty.relative * 100).toFixed(2)} % + ${(r.report.uncertainty.absoluteMetres * 1000).toFixed(1)} mm)` : 'unscaled'}  ${r.createdAt}`,
          );
      return ExitCode.ok;
    });
  },
};
