/**
 * The render commands as an officer types them: a camera path file brought into the scene, a short
 * fly-through rendered here (embedded queue) with progress on stderr and the summary as JSON, a still,
 * and a path file that is not one refused with a typed error naming the file.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CaseStore } from '@vestige/evidence';
import { cameraPathFile } from '@vestige/scene';
import { cliPath, makeTempDir } from '../support.ts';
import { ensureViewerBuilt } from '../viewer/browser.ts';
import { WALK, walkCase } from './render-fixture.ts';

const run = promisify(execFile);
const vestige = (args: string[]) =>
  run(process.execPath, [cliPath, ...args, '--operator', 'PC 1234 Test'], { maxBuffer: 16 << 20 });

describe('vestige render', () => {
  it('imports a camera path file, renders frames of it into a video with a report, and draws a still', async () => {
    ensureViewerBuilt();
    const dir = makeTempDir('vestige-render-cli-');
    const { dir: caseDir } = await walkCase(join(dir, 'case'));
    const file = join(dir, 'walk.json');
    fs.writeFileSync(file, JSON.stringify(cameraPathFile(WALK, { sceneId: 'scene-1', units: 'm' })));
    await vestige(['scene', 'path', 'import', 'scene-1', file, '--case', caseDir]);

    const video = await vestige([
      'render',
      'video',
      'scene-1',
      '--case',
      caseDir,
      '--path',
      'walk',
      '--frames',
      '0-5',
      '--chunk',
      '3',
      '--size',
      '64x48',
      '--budget',
      '100000',
      '--preset',
      'ultrafast',
      '--json',
    ]);
    const summary = JSON.parse(video.stdout) as {
      frames: number;
      frameHashes: string[];
      report: { itemId: string } | null;
      renderClasses: string[];
    };
    expect(summary.frames).toBe(6);
    expect(summary.frameHashes).toHaveLength(6);
    expect(summary.report).not.toBeNull();

    const still = JSON.parse(
      (
        await vestige([
          'render',
          'still',
          'scene-1',
          '--case',
          caseDir,
          '--camera',
          WALK.keyframes[0]!.position.join(','),
          '--target',
          WALK.keyframes[0]!.target.join(','),
          '--size',
          '200x100',
          '--json',
        ])
      ).stdout,
    ) as { itemId: string; renderClass: string };
    expect(still.renderClass).toBe(summary.renderClasses[0]);
    const store = CaseStore.open(caseDir, { readOnly: true });
    try {
      expect(store.items().find((i) => i.id === still.itemId)?.mediaType).toBe('image/png');
    } finally {
      store.close();
    }

    fs.writeFileSync(file, JSON.stringify({ keyframes: 'none' }));
    const bad = await vestige(['render', 'video', 'scene-1', '--case', caseDir, '--path-file', file]).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(bad?.code).not.toBe(0);
    expect(bad?.stderr).toMatch(/E_RECIPE_INVALID/);
    expect(bad?.stderr).toContain(file);
  }, 600_000);
});
