/**
 * Last demo step: prove the sample scene can be served to the browser viewer, then say how to open it.
 *
 * The demo must end, not block, so this step starts the server on a free port, signs in with its token,
 * fetches the scene's manifest and tile index (the server re-hashes the tiles first) and one tile, stops
 * the server, and prints the exact `vestige serve` command and the URL it will serve. The sign-in token
 * changes at every start, so the URL printed here has none: `vestige serve` prints the same URL with its
 * token when it starts.
 */
import { CaseStore } from '@vestige/evidence';
import { startServer } from '@vestige/server';
import type { DemoStep } from '../step.ts';
import { DEFAULT_PORT } from '../../commands/serve.ts';

/** Whatever step 50 left: a scene id, or an object carrying one. */
function sceneIdFrom(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const v = value as { sceneId?: unknown; id?: unknown; manifest?: { id?: unknown } };
    for (const c of [v.sceneId, v.id, v.manifest?.id]) if (typeof c === 'string') return c;
  }
  return undefined;
}

export const step: DemoStep = {
  title: 'Serve the sample scene to the browser viewer',
  async run(ctx) {
    let sceneId =
      sceneIdFrom(ctx.shared.get('scene')) ??
      sceneIdFrom(ctx.shared.get('scene build')) ??
      sceneIdFrom(ctx.shared.get('sceneId'));
    const store = CaseStore.open(ctx.caseDir, { readOnly: true });
    let caseId: string;
    try {
      caseId = store.info.id;
      const scenes = store.listRecords('scenes').map((r) => r.id);
      if (!sceneId || !scenes.includes(sceneId)) sceneId = scenes[scenes.length - 1];
    } finally {
      store.close();
    }
    if (!sceneId) {
      ctx.summary('viewer: no scene in the demo case (the scene step did not run), so there is nothing to serve yet');
      ctx.summary(
        `viewer: vestige serve --case ${ctx.caseDir} --operator "${ctx.operator}"   then open the URL it prints`,
      );
      return;
    }
    const server = await startServer({ cases: [ctx.caseDir], readOnly: true, port: 0 });
    try {
      const auth = { Authorization: `Bearer ${server.token}` };
      const res = await fetch(`${server.url}/api/cases/${caseId}/scenes/${encodeURIComponent(sceneId)}`, {
        headers: auth,
      });
      if (!res.ok) throw new Error(`the server could not serve scene ${sceneId}: HTTP ${res.status}`);
      const { manifest } = (await res.json()) as {
        manifest: { name: string; layers: Array<{ type: string; id: string; points?: number }> };
      };
      let checked = 0;
      for (const layer of manifest.layers) {
        if (layer.type !== 'pointcloud') continue;
        const idx = await fetch(
          `${server.url}/api/cases/${caseId}/scenes/${encodeURIComponent(sceneId)}/layers/${encodeURIComponent(layer.id)}/index`,
          { headers: auth },
        );
        if (!idx.ok) throw new Error(`the tiles of layer ${layer.id} could not be checked: HTTP ${idx.status}`);
        checked += Object.keys(((await idx.json()) as { nodes: Record<string, unknown> }).nodes).length;
      }
      ctx.summary(
        `viewer: scene "${manifest.name}" served and checked (${checked} point tiles hashed against the case); the server was stopped again`,
      );
    } finally {
      await server.close();
    }
    const url = `http://127.0.0.1:${DEFAULT_PORT}/view?case=${encodeURIComponent(caseId)}&scene=${encodeURIComponent(sceneId)}`;
    ctx.summary(`viewer: to look at it, run   vestige serve --case ${ctx.caseDir} --operator "${ctx.operator}"`);
    ctx.summary(
      `viewer: sample scene URL   ${url}   (serve prints it with its sign-in token; add --read-only for court)`,
    );
  },
};
