import { VestigeError } from '@vestige/evidence/errors';
import type { MeasurementKind } from '@vestige/scene';
import { ExitCode, type CliCommand } from '../command.ts';
import { caseOption, operatorOption, requireOperator, requireString, withCase } from '../case-options.ts';
import { parsePoint } from '../option-parsers.ts';

export const command: CliCommand = {
  name: 'scene measure',
  summary: 'Measure a distance, height, angle, area or polyline between points of a scene and keep it in the case',
  usage: `vestige scene measure SCENE-ID --case DIR --operator NAME --kind KIND
                      --point X,Y,Z --point X,Y,Z [--point …] [--label TEXT] [--id ID] [--note TEXT] [--json]

Points are in the scene's source coordinates (as the viewer shows them when picking). The value is computed
in the displayed frame (after scale and level) by the same code the server and the viewer use, and kept in
the case as a measurement record with a custody event; the viewer shows it at once. When the scene states a
measurement uncertainty, the value is given with its ±. The kinds:`,
  async usageDetails() {
    const { MEASUREMENT_KINDS, MEASUREMENT_DEFINITIONS } = await import('@vestige/scene/core');
    return MEASUREMENT_KINDS.map((k) => `  ${MEASUREMENT_DEFINITIONS[k]}`).join('\n');
  },
  options: {
    ...caseOption,
    ...operatorOption,
    kind: { type: 'string' },
    point: { type: 'string', multiple: true },
    label: { type: 'string' },
    id: { type: 'string' },
    note: { type: 'string' },
  },
  allowPositionals: true,
  async run({ values, positionals }, out) {
    const sceneId = positionals[0];
    if (!sceneId)
      throw new VestigeError('E_USAGE', 'scene measure needs the scene id.', { hint: this.usage.split('\n')[0] });
    const operator = requireOperator(values);
    const { MEASUREMENT_KINDS, addMeasurement, formatMeasurement } = await import('@vestige/scene');
    const kind = requireString(values, 'kind', `what to measure: ${MEASUREMENT_KINDS.join(', ')}`) as MeasurementKind;
    if (!MEASUREMENT_KINDS.includes(kind))
      throw new VestigeError('E_USAGE', `--kind must be one of ${MEASUREMENT_KINDS.join(', ')}, not '${kind}'.`);
    const points = ((values.point as string[] | undefined) ?? []).map((p) => parsePoint('point', p));
    const label = typeof values.label === 'string' ? values.label : `${kind[0]!.toUpperCase()}${kind.slice(1)}`;
    return withCase(values, {}, async (store) => {
      const m = addMeasurement(
        store,
        sceneId,
        {
          kind,
          points,
          label,
          ...(typeof values.id === 'string' ? { id: values.id } : {}),
          ...(typeof values.note === 'string' ? { note: values.note } : {}),
        },
        operator,
      );
      if (out.json) out.stdout(JSON.stringify({ scene: sceneId, measurement: m, text: formatMeasurement(m) }));
      else
        out.stdout(
          `${m.id} ${m.label}: ${formatMeasurement(m)} (${m.kind}, ${m.points.length} points; kept in the case by ${operator})`,
        );
      return ExitCode.ok;
    });
  },
};
