import { VestigeError } from '@vestige/evidence/errors';
import type { StillResult } from '@vestige/render';
import { ExitCode, type CliCommand } from '../command.ts';
import { caseOption, operatorOption, requireOperator, withCase } from '../case-options.ts';
import { RENDER_OPTIONS_USAGE, recipeSettings, renderOptions, renderQueue } from '../render-options.ts';
import { parsePoint } from '../option-parsers.ts';

export const command: CliCommand = {
  name: 'render still',
  summary: 'Render one high-resolution still of a scene (up to 8192 px a side) from a saved view or a camera',
  usage: `vestige render still SCENE-ID --case DIR --operator NAME (--view ID | --camera X,Y,Z --target X,Y,Z [--fov DEG]) [options] [--name FILE.png] [--json]

Draws the view with the viewer's own code in headless Chromium (render mode) and stores the PNG as a
derived item with provenance (the scene's tiles in; render node, class and recipe in the step). The same
recipe on a node of the same render class gives the same bytes. Camera positions are source coordinates.

${RENDER_OPTIONS_USAGE}`,
  options: {
    ...caseOption,
    ...operatorOption,
    ...renderOptions,
    view: { type: 'string' },
    camera: { type: 'string' },
    target: { type: 'string' },
    fov: { type: 'string' },
    name: { type: 'string' },
  },
  allowPositionals: true,
  async run({ values, positionals }, out) {
    const sceneId = positionals[0];
    if (!sceneId)
      throw new VestigeError('E_USAGE', 'render still needs the scene id.', { hint: this.usage.split('\n')[0] });
    const operator = requireOperator(values);
    const { getSceneRecord, loadScene } = await import('@vestige/scene');
    const payload = await withCase(values, { readOnly: true }, async (store) => {
      loadScene(store, sceneId);
      let camera: { position: [number, number, number]; target: [number, number, number]; fov: number };
      if (typeof values.view === 'string') {
        const view = getSceneRecord(store, 'views', sceneId, values.view);
        if (!view) throw new VestigeError('E_INPUT_MISSING', `No saved view '${values.view}' in scene ${sceneId}.`);
        camera = { position: [...view.camera.position], target: [...view.camera.target], fov: view.camera.fov ?? 60 };
      } else
        camera = {
          position: parsePoint('camera', values.camera),
          target: parsePoint('target', values.target),
          fov: values.fov === undefined ? 60 : Number(values.fov),
        };
      return {
        caseDir: store.dir,
        operator,
        recipe: { ...(await recipeSettings(store, sceneId, values)), camera },
        ...(typeof values.name === 'string' ? { name: values.name } : {}),
      };
    });
    const queue = await renderQueue(values);
    const { closeRenderNode } = await import('../render-host.ts');
    try {
      const result = (await queue.waitFor(await queue.enqueue('render.still', payload))) as StillResult;
      out.stdout(
        out.json
          ? JSON.stringify(result)
          : `still ${result.itemId}  sha256 ${result.sha256}  ${result.size} bytes, render class ${result.renderClass}, provenance ${result.provenanceId}`,
      );
      return ExitCode.ok;
    } finally {
      await queue.close();
      await closeRenderNode();
    }
  },
};
