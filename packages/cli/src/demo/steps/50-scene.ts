import { join } from 'node:path';
import { CaseStore } from '@vestige/evidence';
import {
  addMarker,
  addMeasurement,
  buildScene,
  formatMeasurement,
  levelScene,
  loadScene,
  markersCsv,
  potreeNodes,
  sceneExportRows,
  type PotreeMetadataJson,
} from '@vestige/scene';
import { generateSceneSamples } from '@vestige/samples';
import type { DemoStep } from '../step.ts';

export const step: DemoStep = {
  title:
    'Scene: build a level-of-detail point cloud (Potree 2.0) from a room scan, level it to the floor, mark and measure',
  async run(ctx) {
    const samples = generateSceneSamples(join(ctx.samplesDir, 'generated', 'scene'));
    const store = CaseStore.open(ctx.caseDir);
    try {
      const started = Date.now();
      const { manifest, provenanceId } = await buildScene(store, {
        inputs: [samples.ply],
        operator: ctx.operator,
        now: new Date(),
        name: 'Sample room scan',
      });
      const cloud = manifest.layers.find((l) => l.type === 'pointcloud');
      if (!cloud || cloud.type !== 'pointcloud') throw new Error('the scene has no point cloud');
      const metadata = JSON.parse(
        (await store.blobs.read(cloud.files.metadata.sha256)).toString('utf8'),
      ) as PotreeMetadataJson;
      const nodes = potreeNodes(metadata, await store.blobs.read(cloud.files.hierarchy.sha256));
      const sum = nodes.reduce((n, x) => n + x.numPoints, 0);
      ctx.summary(
        `scene ${manifest.id}: ${cloud.points} points from room.ply in ${((Date.now() - started) / 1000).toFixed(1)} s → ${nodes.length} octree nodes (hierarchy sums to ${sum}), provenance ${provenanceId}`,
      );
      ctx.summary(
        `  tiles: metadata.json ${cloud.files.metadata.sha256.slice(0, 16)}…, hierarchy.bin ${cloud.files.hierarchy.sha256.slice(0, 16)}…, octree.bin ${cloud.files.octree.sha256.slice(0, 16)}…`,
      );
      if (sum !== cloud.points) throw new Error(`octree holds ${sum} points, the scan ${cloud.points}`);
      const levelled = await levelScene(store, manifest.id, {
        method: 'fitted',
        operator: ctx.operator,
        now: new Date(),
      });
      const level = levelled.adjustments.at(-1);
      if (level?.kind === 'level')
        ctx.summary(
          `  levelled to the fitted floor: ${level.inliers} points, rms ${level.rms?.toFixed(4)} m (provenance ${level.provenanceId})`,
        );
      addMarker(
        store,
        manifest.id,
        { label: 'A', position: [1.8, 1.45, 0.75], note: 'item on the table' },
        ctx.operator,
      );
      const measured = addMeasurement(
        store,
        manifest.id,
        {
          label: 'table to box',
          kind: 'distance',
          points: [
            [1.8, 1.45, 0.75],
            [4.4, 2.75, 0.3],
          ],
        },
        ctx.operator,
      );
      ctx.summary(`  marker A placed; measured 'table to box' = ${formatMeasurement(measured)}`);
      const markers = markersCsv(
        { caseReference: store.info.reference, manifest: levelled },
        sceneExportRows(store, loadScene(store, manifest.id)).markers,
      ).split('\r\n');
      ctx.summary(`  markers CSV: ${markers.at(-2)}`);
      ctx.shared.set('scene', { id: manifest.id, sceneId: manifest.id, provenanceId });
      ctx.shared.set('sceneId', manifest.id);
    } finally {
      store.close();
    }
  },
};
