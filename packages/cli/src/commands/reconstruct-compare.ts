import { VestigeError } from '@vestige/evidence/errors';
import { ExitCode, type CliCommand } from '../command.ts';
import { caseOption, withCase } from '../case-options.ts';

export const command: CliCommand = {
  name: 'reconstruct compare',
  summary: 'Check a re-run against an earlier reconstruction by geometry (camera positions, scale), never by hash',
  usage: `vestige reconstruct compare FIRST SECOND --case DIR [--json]

COLMAP is not byte-identical between runs, so a re-run of the same photos and settings is judged by where it
puts the cameras (after the best rigid alignment, as a fraction of the camera path) and by its scale, against
the tolerances stated in every reconstruction's report. Exit code 1 when outside them.`,
  options: { ...caseOption },
  allowPositionals: true,
  async run({ values, positionals }, out) {
    if (positionals.length !== 2)
      throw new VestigeError('E_USAGE', 'reconstruct compare needs two reconstruction ids.', {
        hint: 'vestige reconstruct list --case DIR shows them.',
      });
    const { compareReconstructions } = await import('@vestige/reconstruct');
    return withCase(values, { readOnly: true }, async (store) => {
      const c = compareReconstructions(store, positionals[0]!, positionals[1]!);
      if (out.json) out.stdout(JSON.stringify(c));
      else {
        out.stdout(
          `${c.commonPhotos} photos in both; cameras within ${(c.worstPositionFraction * 100).toFixed(3)} % of the path (tolerance ${c.tolerances.cameraPositions * 100} %); scale ${c.scaleDifference === null ? 'not compared (unscaled)' : `differs by ${(c.scaleDifference * 100).toFixed(3)} % (tolerance ${c.tolerances.scale * 100} %)`}`,
        );
        out.stdout(
          c.withinTolerances
            ? 'The re-run agrees within the stated tolerances.'
            : 'The re-run does NOT agree within the stated tolerances.',
        );
      }
      return c.withinTolerances ? ExitCode.ok : ExitCode.failed;
    });
  },
};
