/**
 * `vestige demo`'s render step: after the scene step, a short fly-through of the sample room is rendered
 * on the embedded queue, and the case holds the render, its video, its report and the camera path.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaseStore } from '@vestige/evidence';
import { listSceneRecords } from '@vestige/scene';
import { step as sceneStep } from '@vestige/cli/demo/steps/50-scene.ts';
import { step as renderStep } from '@vestige/cli/demo/steps/55-render.ts';
import { makeTempDir } from '../support.ts';
import { ensureViewerBuilt } from '../viewer/browser.ts';

describe('demo step 55-render', () => {
  it('renders a 25-frame fly-through of the sample scene on the local queue, with video, report and camera path in the case', async () => {
    ensureViewerBuilt();
    const dir = makeTempDir('vestige-demo-render-');
    const caseDir = join(dir, 'case');
    CaseStore.init(caseDir, { operator: 'demo', reference: 'DEMO/0001' }).close();
    const lines: string[] = [];
    const ctx = {
      caseDir,
      samplesDir: join(dir, 'samples'),
      operator: 'demo',
      out: { json: false, interactive: false, stdout: () => undefined, stderr: () => undefined },
      shared: new Map<string, unknown>(),
      summary: (l: string) => lines.push(l),
    };
    await sceneStep.run(ctx);
    await renderStep.run(ctx);
    const sceneId = ctx.shared.get('sceneId') as string;
    const store = CaseStore.open(caseDir, { readOnly: true });
    try {
      const [render] = store.listRecords('renders');
      expect(render?.value).toMatchObject({ frames: 25, sceneId, cameraPathId: 'demo-walk' });
      const names = store.items().map((i) => i.name);
      expect(names.some((n) => n.endsWith('.mp4'))).toBe(true);
      expect(names.some((n) => n.endsWith('-report.html'))).toBe(true);
      expect(listSceneRecords(store, 'camera-paths', sceneId).map((p) => p.id)).toEqual(['demo-walk']);
    } finally {
      store.close();
    }
    expect(lines.find((l) => l.startsWith('render '))).toMatch(/25 frames at 480×270/);
  }, 600_000);
});
