import { VestigeError } from '@vestige/evidence/errors';
import { ExitCode, type CliCommand } from '../command.ts';
import { caseOption, operatorOption, requireOperator, withCase } from '../case-options.ts';
import { parsePoint } from '../option-parsers.ts';

export const command: CliCommand = {
  name: 'scene level',
  summary: 'Level a scene to its floor: a fitted plane, or three picked floor points (recorded in provenance)',
  usage: `vestige scene level SCENE-ID --case DIR --operator NAME [--fit [--tolerance T] [--seed N]] [--points X,Y,Z --points X,Y,Z --points X,Y,Z] [--json]

--fit (default) fits the floor plane to the scene's points: RANSAC over the coarse octree levels, planes within
30° of horizontal, most points within T (default 0.02 scene units) wins, refined by least squares. --points
levels to the plane through three picked floor points (source coordinates). The floor becomes horizontal at
height 0; points are not rewritten.`,
  options: {
    ...caseOption,
    ...operatorOption,
    fit: { type: 'boolean' },
    points: { type: 'string', multiple: true },
    tolerance: { type: 'string' },
    seed: { type: 'string' },
  },
  allowPositionals: true,
  async run({ values, positionals }, out) {
    const id = positionals[0];
    if (!id) throw new VestigeError('E_USAGE', 'scene level needs the scene id.', { hint: this.usage.split('\n')[0] });
    const operator = requireOperator(values);
    const picked = (values.points as string[] | undefined) ?? [];
    if (picked.length > 0 && values.fit) throw new VestigeError('E_USAGE', 'choose --fit or --points, not both.');
    if (picked.length > 0 && picked.length !== 3)
      throw new VestigeError('E_USAGE', `--points must be given three times (got ${picked.length}).`);
    const { levelScene } = await import('@vestige/scene');
    return withCase(values, {}, async (store) => {
      const now = new Date();
      const m =
        picked.length === 3
          ? await levelScene(store, id, {
              method: 'picked',
              points: picked.map((p) => parsePoint('points', p)) as [
                [number, number, number],
                [number, number, number],
                [number, number, number],
              ],
              operator,
              now,
            })
          : await levelScene(store, id, {
              method: 'fitted',
              ...(values.tolerance !== undefined ? { tolerance: Number(values.tolerance) } : {}),
              ...(values.seed !== undefined ? { seed: Number(values.seed) } : {}),
              operator,
              now,
            });
      const adj = m.adjustments.at(-1)!;
      if (out.json) out.stdout(JSON.stringify({ id: m.id, adjustment: adj, transform: m.transform }));
      else if (adj.kind === 'level') {
        const tilt = (Math.acos(Math.min(1, adj.plane.normal[2])) * 180) / Math.PI;
        out.stdout(
          `scene ${m.id} levelled (${adj.method}): floor normal ${adj.plane.normal.map((v) => v.toFixed(5)).join(', ')}, tilt ${tilt.toFixed(3)}°, ${adj.inliers} points, rms ${adj.rms?.toPrecision(3)}; provenance ${adj.provenanceId}`,
        );
      }
      return ExitCode.ok;
    });
  },
};
