import { VestigeError } from '@vestige/evidence/errors';
import { ExitCode, type CliCommand } from '../command.ts';
import { caseOption, operatorOption, requireOperator, withCase } from '../case-options.ts';
import { parsePoint } from '../option-parsers.ts';

export const command: CliCommand = {
  name: 'scene mark',
  summary: 'Place an evidence marker in a scene and keep it in the case',
  usage: `vestige scene mark SCENE-ID --case DIR --operator NAME --at X,Y,Z [--label TEXT] [--item ITEM-ID] [--note TEXT] [--id ID] [--json]

The position is in the scene's source coordinates. The label defaults to the lowest unused number, as the
viewer numbers its markers. The marker is a case record with a custody event; the viewer shows it at once.`,
  options: {
    ...caseOption,
    ...operatorOption,
    at: { type: 'string' },
    label: { type: 'string' },
    item: { type: 'string' },
    note: { type: 'string' },
    id: { type: 'string' },
  },
  allowPositionals: true,
  async run({ values, positionals }, out) {
    const sceneId = positionals[0];
    if (!sceneId)
      throw new VestigeError('E_USAGE', 'scene mark needs the scene id.', { hint: this.usage.split('\n')[0] });
    const operator = requireOperator(values);
    const position = parsePoint('at', values.at);
    const optional = (name: string, key: string) =>
      typeof values[name] === 'string' ? { [key]: values[name] as string } : {};
    const { addMarker, formatPoint, toDisplayed, loadScene, lengthUnit } = await import('@vestige/scene');
    return withCase(values, {}, async (store) => {
      const marker = addMarker(
        store,
        sceneId,
        {
          position,
          ...optional('label', 'label'),
          ...optional('item', 'itemId'),
          ...optional('note', 'note'),
          ...optional('id', 'id'),
        },
        operator,
      );
      const manifest = loadScene(store, sceneId);
      if (out.json) out.stdout(JSON.stringify({ scene: sceneId, marker }));
      else
        out.stdout(
          `marker ${marker.label} (${marker.id}) at ${formatPoint(marker.position)}, displayed ${formatPoint(toDisplayed(manifest, marker.position))} ${lengthUnit(manifest.units)}`,
        );
      return ExitCode.ok;
    });
  },
};
