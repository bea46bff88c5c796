import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaseStore } from '@vestige/evidence';
import { loadScene, sceneExportRows } from '@vestige/scene';
import { step } from '@vestige/cli/demo/steps/50-scene.ts';
import { tempDir } from './helpers.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('demo step 50-scene', () => {
  it('builds a scene from the sample room and leaves its id for the viewer step', async () => {
    const caseDir = join(tmp.dir, 'case');
    CaseStore.init(caseDir, { operator: 'demo' }).close();
    const lines: string[] = [];
    const shared = new Map<string, unknown>();
    await step.run({
      caseDir,
      samplesDir: join(tmp.dir, 'samples'),
      operator: 'demo',
      out: { json: false, interactive: false, stdout: () => undefined, stderr: () => undefined },
      shared,
      summary: (l) => lines.push(l),
    });
    const id = shared.get('sceneId') as string;
    expect(id).toMatch(/^scene-/);
    const store = CaseStore.open(caseDir, { readOnly: true });
    try {
      const m = loadScene(store, id);
      expect(m.layers.map((l) => l.type)).toEqual(['pointcloud']);
      expect(m.adjustments.map((a) => a.kind)).toEqual(['level']);
      // The marker and the measurement are scene records, as the viewer's and the server's are.
      const rows = sceneExportRows(store, m);
      expect(rows.markers.map((k) => k.label)).toEqual(['A']);
      expect(rows.measurements.map((x) => [x.id, x.label, x.unit])).toEqual([['D-1', 'table to box', 'm']]);
    } finally {
      store.close();
    }
    expect(lines[0]).toMatch(/200000 points/);
  });
});
