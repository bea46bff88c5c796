import * as fs from 'node:fs';
import { VestigeError } from '@vestige/evidence/errors';
import type { CameraPath } from '@vestige/scene';
import { readCameraPathFile } from '../camera-path-file.ts';
import { ExitCode, type CliCommand, type CommandOutput } from '../command.ts';
import { caseOption, operatorOption, requireOperator, withCase } from '../case-options.ts';

function sceneIdOf(positionals: string[], usage: string): string {
  if (!positionals[0]) throw new VestigeError('E_USAGE', 'which scene? Give its id.', { hint: usage.split('\n')[0] });
  return positionals[0];
}

async function describe(p: CameraPath): Promise<string> {
  const { cameraPathDuration, cameraPathFrameCount } = await import('@vestige/scene/core');
  return `${p.id}  '${p.name}'  ${p.keyframes.length} keyframes, ${cameraPathDuration(p).toFixed(2)} s at ${p.fps} fps = ${cameraPathFrameCount(p)} frames`;
}

async function saved(out: CommandOutput, path: CameraPath): Promise<void> {
  out.stdout(
    out.json ? JSON.stringify(path) : `saved camera path ${await describe(path)} (custody log: camera-path.saved)`,
  );
}

export const commands: CliCommand[] = [
  {
    name: 'scene path list',
    summary: "List a scene's camera paths (fly-throughs for `vestige render video`)",
    usage: `vestige scene path list SCENE-ID --case DIR [--json]`,
    options: { ...caseOption },
    allowPositionals: true,
    async run({ values, positionals }, out) {
      const sceneId = sceneIdOf(positionals, this.usage);
      const { listSceneRecords, loadScene } = await import('@vestige/scene');
      return withCase(values, { readOnly: true }, async (store) => {
        loadScene(store, sceneId);
        const paths = listSceneRecords(store, 'camera-paths', sceneId);
        out.stdout(
          out.json
            ? JSON.stringify(paths)
            : paths.length
              ? paths.map(describe).join('\n')
              : 'no camera paths (make one in the viewer, or with `vestige scene path from-views`)',
        );
        return ExitCode.ok;
      });
    },
  },
  {
    name: 'scene path from-views',
    summary: 'Make a camera path through saved views, in the order given, and keep it in the case',
    usage: `vestige scene path from-views SCENE-ID --case DIR --operator NAME --views V1,V2,… --id ID [--name TEXT] [--seconds 2] [--fps 24] [--json]

Each saved view becomes a keyframe, --seconds apart; the camera moves between them on a centripetal
Catmull-Rom spline and turns by slerp (the viewer's preview and the render farm use the same code).`,
    options: {
      ...caseOption,
      ...operatorOption,
      views: { type: 'string' },
      id: { type: 'string' },
      name: { type: 'string' },
      seconds: { type: 'string' },
      fps: { type: 'string' },
    },
    allowPositionals: true,
    async run({ values, positionals }, out) {
      const sceneId = sceneIdOf(positionals, this.usage);
      const operator = requireOperator(values);
      const ids = String(values.views ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (ids.length === 0 || typeof values.id !== 'string')
        throw new VestigeError('E_USAGE', 'scene path from-views needs --views V1,V2,… and --id ID.');
      const { cameraPathFromViews, getSceneRecord, loadScene, saveSceneRecord } = await import('@vestige/scene');
      return withCase(values, {}, async (store) => {
        const manifest = loadScene(store, sceneId);
        const views = ids.map(
          (id) =>
            getSceneRecord(store, 'views', sceneId, id) ??
            (() => {
              throw new VestigeError('E_INPUT_MISSING', `No saved view '${id}' in scene ${sceneId}.`);
            })(),
        );
        const path = cameraPathFromViews(views, {
          id: values.id as string,
          name: typeof values.name === 'string' ? values.name : (values.id as string),
          fps: Number(values.fps ?? 24),
          secondsBetween: Number(values.seconds ?? 2),
        });
        await saved(out, saveSceneRecord(store, manifest, 'camera-paths', path, operator));
        return ExitCode.ok;
      });
    },
  },
  {
    name: 'scene path import',
    summary: 'Keep a camera path file (as the viewer exports it) in a scene',
    usage: `vestige scene path import SCENE-ID FILE --case DIR --operator NAME [--json]`,
    options: { ...caseOption, ...operatorOption },
    allowPositionals: true,
    async run({ values, positionals }, out) {
      const sceneId = sceneIdOf(positionals, this.usage);
      const file = positionals[1];
      if (!file) throw new VestigeError('E_USAGE', 'scene path import needs the file.', { hint: this.usage });
      const operator = requireOperator(values);
      const {
        schema: _s,
        version: _v,
        sceneId: _i,
        frame: _f,
        units: _u,
        interpolation: _n,
        ...path
      } = await readCameraPathFile(file);
      const { loadScene, saveSceneRecord } = await import('@vestige/scene');
      return withCase(values, {}, async (store) => {
        await saved(out, saveSceneRecord(store, loadScene(store, sceneId), 'camera-paths', path, operator));
        return ExitCode.ok;
      });
    },
  },
  {
    name: 'scene path export',
    summary: "Write a scene's camera path as a JSON file (schema vestige.camera-path, version 1)",
    usage: `vestige scene path export SCENE-ID PATH-ID --case DIR --out FILE`,
    options: { ...caseOption, out: { type: 'string' } },
    allowPositionals: true,
    async run({ values, positionals }, out) {
      const sceneId = sceneIdOf(positionals, this.usage);
      const id = positionals[1];
      if (!id || typeof values.out !== 'string')
        throw new VestigeError('E_USAGE', 'scene path export needs the path id and --out FILE.');
      const { cameraPathFile, getSceneRecord, loadScene } = await import('@vestige/scene');
      return withCase(values, { readOnly: true }, async (store) => {
        const manifest = loadScene(store, sceneId);
        const path = getSceneRecord(store, 'camera-paths', sceneId, id);
        if (!path) throw new VestigeError('E_INPUT_MISSING', `No camera path '${id}' in scene ${sceneId}.`);
        fs.writeFileSync(
          values.out as string,
          JSON.stringify(cameraPathFile(path, { sceneId, units: manifest.units }), null, 2) + '\n',
        );
        out.stdout(out.json ? JSON.stringify({ out: values.out }) : `wrote ${values.out}`);
        return ExitCode.ok;
      });
    },
  },
];
