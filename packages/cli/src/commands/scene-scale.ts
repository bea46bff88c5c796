import { VestigeError } from '@vestige/evidence/errors';
import { ExitCode, type CliCommand } from '../command.ts';
import { caseOption, operatorOption, requireOperator, withCase } from '../case-options.ts';
import { parsePoint } from '../option-parsers.ts';

export const command: CliCommand = {
  name: 'scene scale',
  summary: "Set a scene's scale from a known distance between two points (recorded in provenance)",
  usage: `vestige scene scale SCENE-ID --case DIR --operator NAME --from X,Y,Z --to X,Y,Z --known DISTANCE [--json]

The two points are in the scene's source coordinates (as the viewer shows them when picking). The scene is
scaled uniformly so that their distance becomes DISTANCE (in the scene's units). Points are not rewritten.`,
  options: {
    ...caseOption,
    ...operatorOption,
    from: { type: 'string' },
    to: { type: 'string' },
    known: { type: 'string' },
  },
  allowPositionals: true,
  async run({ values, positionals }, out) {
    const id = positionals[0];
    if (!id) throw new VestigeError('E_USAGE', 'scene scale needs the scene id.', { hint: this.usage.split('\n')[0] });
    const operator = requireOperator(values);
    const a = parsePoint('from', values.from);
    const b = parsePoint('to', values.to);
    const known = Number(values.known);
    if (!(known > 0)) throw new VestigeError('E_USAGE', '--known needs the real distance, a positive number.');
    const { scaleScene } = await import('@vestige/scene');
    return withCase(values, {}, async (store) => {
      const m = await scaleScene(store, id, { a, b, known, operator, now: new Date() });
      const adj = m.adjustments.at(-1)!;
      if (out.json) out.stdout(JSON.stringify({ id: m.id, adjustment: adj, transform: m.transform }));
      else if (adj.kind === 'scale')
        out.stdout(
          `scene ${m.id} scaled by ${adj.factor.toPrecision(7)} (measured ${adj.measured.toPrecision(7)}, known ${adj.known} ${m.units}); provenance ${adj.provenanceId}`,
        );
      return ExitCode.ok;
    });
  },
};
