/**
 * Dense stereo for a stored reconstruction, on a node whose engine can do it (COLMAP: a CUDA build). The photos
 * and the engine's sparse model are taken back out of the case by hash; the fused points are turned into the
 * scene's gravity-up frame, and a dense scene is built beside the sparse one with the same scale and levelling.
 * Success is judged by the depth maps and fused points on disk, not by COLMAP's exit code.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VestigeError, type CaseStore } from '@vestige/evidence';
import {
  buildScene,
  levelScene,
  loadScene,
  scaleScene,
  sceneFormatById,
  writeLas,
  type PointChunk,
  type SceneManifest,
} from '@vestige/scene';
import { colmapEngine } from './colmap/engine.ts';
import type { PreparedImage, ReconstructionEngine } from './engine.ts';
import { applyMatrix, type Mat3 } from './geometry/rotation.ts';
import type { ReconstructionRecord } from './store.ts';
import { RECONSTRUCTIONS_COLLECTION } from './versions.ts';

export interface DenseOptions {
  readonly operator: string;
  readonly now: () => Date;
  readonly engine?: ReconstructionEngine;
  readonly tempDir?: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (message: string) => void;
}

function stepParameters<T>(store: CaseStore, provenanceId: string, operation: string): T {
  const step = store.provenance(provenanceId).steps.find((s) => s.operation === operation);
  if (!step) throw new VestigeError('E_SCENE_INVALID', `Provenance ${provenanceId} has no ${operation} step.`);
  return step.parameters as T;
}

async function* turned(path: string, R: Mat3): AsyncGenerator<PointChunk> {
  for await (const chunk of sceneFormatById('ply').read(path)) {
    if (chunk.kind !== 'points') continue;
    const p = chunk.positions;
    for (let i = 0; i < chunk.count; i++) {
      const q = applyMatrix(R, [p[i * 3]!, p[i * 3 + 1]!, p[i * 3 + 2]!]);
      p[i * 3] = q[0];
      p[i * 3 + 1] = q[1];
      p[i * 3 + 2] = q[2];
    }
    yield chunk;
  }
}

export async function denseReconstruction(
  store: CaseStore,
  reconstructionId: string,
  options: DenseOptions,
): Promise<{ sceneId: string; points: number; manifest: SceneManifest }> {
  const record = store.getRecord<ReconstructionRecord>(RECONSTRUCTIONS_COLLECTION, reconstructionId);
  if (!record)
    throw new VestigeError('E_ITEM_NOT_FOUND', `No reconstruction '${reconstructionId}' in this case.`, {
      hint: 'List them with `vestige reconstruct list`.',
    });
  const engine = options.engine ?? colmapEngine;
  const images = stepParameters<{ images: PreparedImage[] }>(
    store,
    record.provenanceId,
    'reconstruct.prepare',
  ).images.filter((i) => record.photos.some((p) => p.imageName === i.name && p.registered));
  const { rotation } = stepParameters<{ rotation: Mat3 }>(store, record.provenanceId, 'reconstruct.orient');
  const outputs = store.provenance(record.provenanceId).outputs;
  const workspace = await mkdtemp(join(options.tempDir ?? tmpdir(), 'vestige-dense-'));
  try {
    const imageDir = join(workspace, 'images');
    for (const image of images) {
      mkdirSync(join(imageDir, image.name, '..'), { recursive: true });
      writeFileSync(join(imageDir, image.name), await store.blobs.read(image.sha256));
    }
    const modelDir = join(workspace, 'sparse');
    mkdirSync(modelDir);
    for (const out of outputs.filter((o) => o.name.startsWith(`${record.id}/sparse/`)))
      writeFileSync(join(modelDir, out.name.split('/').pop()!), await store.blobs.read(out.sha256));
    const result = await engine.dense({
      workspace,
      imageDir,
      modelDir,
      settings: record.settings,
      ...(options.signal ? { signal: options.signal } : {}),
      onProgress: (s) => options.onProgress?.(`${engine.id}: ${s}`),
    });
    const las = join(workspace, 'dense.las');
    await writeLas(las, turned(result.pointsPath, rotation), {
      software: `Vestige dense ${engine.id} ${result.engine.version}`,
    });
    const sparseScene = loadScene(store, record.sceneId);
    const oriented = join(workspace, 'oriented');
    mkdirSync(oriented);
    for (const out of outputs.filter((o) => o.name.startsWith(`${record.id}/oriented/`)))
      writeFileSync(join(oriented, out.name.split('/').pop()!), await store.blobs.read(out.sha256));
    const sceneId = `${record.sceneId}-dense`;
    const now = options.now();
    await buildScene(store, {
      inputs: [oriented, las],
      operator: options.operator,
      now,
      id: sceneId,
      name: `${sparseScene.name} (dense)`,
      units: sparseScene.units,
      viewpointImages: new Map(images.map((i) => [i.name, { sha256: i.sha256, itemId: i.itemId }])),
      tempDir: workspace,
    });
    for (const adjustment of sparseScene.adjustments) {
      if (adjustment.kind === 'scale')
        await scaleScene(store, sceneId, {
          a: adjustment.a,
          b: adjustment.b,
          known: adjustment.known,
          operator: options.operator,
          now,
        });
      else
        await levelScene(store, sceneId, {
          method: 'fitted',
          tolerance: 0.02,
          seed: 1,
          operator: options.operator,
          now,
        });
    }
    if (sparseScene.measurementUncertainty)
      store.putRecord(
        'scenes',
        sceneId,
        { ...loadScene(store, sceneId), measurementUncertainty: sparseScene.measurementUncertainty },
        options.operator,
        'scene.uncertainty-stated',
      );
    store.putRecord(
      RECONSTRUCTIONS_COLLECTION,
      record.id,
      { ...record, dense: { sceneId, points: result.points, engine: result.engine, commands: result.commands } },
      options.operator,
      'reconstruction.dense-recorded',
    );
    return { sceneId, points: result.points, manifest: loadScene(store, sceneId) };
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
}
