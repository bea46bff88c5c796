/**
 * Writes a finished reconstruction into the case, in an order where each step is complete on its own: the
 * engine's files and the report as blobs under one provenance record; the scene built from the gravity-up model
 * by the scene package; its scale and level adjustments (each its own provenance and custody event); the stated
 * uncertainty on the scene; and the reconstruction record that ties them together.
 */
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { canonicalJson, type CaseStore, type Digests, type DerivationOutput } from '@vestige/evidence';
import { buildScene, levelScene, loadScene, parseSceneManifest, scaleScene, type SceneManifest } from '@vestige/scene';
import type { ReconstructionEngine } from './engine.ts';
import type { PreparedPhotos } from './prepare/photos.ts';
import type { SelectedFrames } from './prepare/video.ts';
import type { QualityReport } from './quality/report.ts';
import type { ReconstructionAnalysis, ReconstructOptions } from './reconstruct.ts';
import { cameraCentre } from './model/sparse-model.ts';
import { applyMatrix } from './geometry/rotation.ts';
import { RECONSTRUCT_OPERATION_VERSION, RECONSTRUCTIONS_COLLECTION } from './versions.ts';

export interface StoredReconstruction {
  readonly id: string;
  readonly sceneId: string;
  readonly provenanceId: string;
  readonly manifest: SceneManifest;
  readonly report: QualityReport;
  readonly record: ReconstructionRecord;
}

export interface ReconstructionRecord {
  readonly id: string;
  readonly sceneId: string;
  readonly provenanceId: string;
  readonly createdAt: string;
  readonly operator: string;
  readonly engine: QualityReport['engine'];
  readonly settings: QualityReport['settings'];
  readonly matching: QualityReport['matching'];
  readonly knownDistances: unknown;
  /** Every photo given, with its hash, and its camera centre in the scene's source frame when it was placed. */
  readonly photos: ReadonlyArray<{
    itemId: string;
    sha256?: string;
    name: string;
    imageName?: string;
    registered: boolean;
    position?: [number, number, number];
    reason?: string;
  }>;
  readonly video?: {
    itemId: string;
    selector: unknown;
    frames: ReadonlyArray<{ index: number; itemId: string; sha256: string; time: string | null }>;
    provenanceId: string | null;
  };
  readonly report: QualityReport;
}

interface StoreInput {
  analysis: ReconstructionAnalysis;
  prepared: PreparedPhotos;
  frames: SelectedFrames | undefined;
  options: ReconstructOptions;
  engine: ReconstructionEngine;
  startedAt: Date;
  workspace: string;
  matching: 'exhaustive' | 'sequential';
}

async function putFiles(store: CaseStore, dir: string, prefix: string, mediaType: string): Promise<DerivationOutput[]> {
  const outputs: DerivationOutput[] = [];
  for (const name of readdirSync(dir).sort()) {
    const digests: Digests = await store.blobs.putFile(join(dir, name));
    outputs.push({ digests, name: `${prefix}/${name}`, mediaType });
  }
  return outputs;
}

function reconstructionId(input: StoreInput): string {
  const key = canonicalJson({
    photos: input.prepared.images.map((i) => i.sha256),
    settings: input.analysis.report.settings,
    distances: input.options.knownDistances ?? null,
    at: input.startedAt.toISOString(),
  });
  return `recon-${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
}

async function recordEngineRun(store: CaseStore, id: string, input: StoreInput): Promise<{ provenanceId: string }> {
  const { analysis, prepared, frames, options, engine, matching } = input;
  const report = analysis.report;
  const outputs = [
    ...(await putFiles(store, analysis.sparse.modelDir, `${id}/sparse`, 'application/octet-stream')),
    ...(await putFiles(store, analysis.orientedModelDir, `${id}/oriented`, 'text/plain')),
    { digests: await store.blobs.putFile(analysis.sparse.logPath), name: `${id}/colmap.log`, mediaType: 'text/plain' },
    {
      digests: await store.blobs.putBuffer(Buffer.from(JSON.stringify(report, null, 2))),
      name: `${id}/quality-report.json`,
      mediaType: 'application/json',
    },
  ];
  const { provenance } = store.recordDerivation({
    activity: 'reconstruct.sparse',
    inputs: prepared.images.map((i) => ({ sha256: i.sha256, itemId: i.itemId, role: 'photo' })),
    steps: [
      {
        operation: 'reconstruct.prepare',
        version: RECONSTRUCT_OPERATION_VERSION,
        parameters: {
          images: prepared.images,
          groups: prepared.groups,
          conversions: prepared.conversions,
          rejected: prepared.rejected,
          ...(frames
            ? {
                keyframes: {
                  selector: frames.report.selector,
                  frames: frames.itemIds,
                  provenanceId: frames.report.provenanceId,
                },
              }
            : {}),
        },
        description: `${prepared.images.length} photo(s) were read from the case, each checked against its SHA-256 and decoded whole, and given to the engine${Object.keys(prepared.conversions).length ? ` (${Object.keys(prepared.conversions).length} written upright as lossless PNG)` : ' unchanged'}; photos from one camera body share intrinsics, with focal-length priors from EXIF where present.${frames ? ` The photos are keyframes of a video: ${frames.report.selector.description}` : ''}`,
      },
      {
        operation: 'reconstruct.engine',
        version: RECONSTRUCT_OPERATION_VERSION,
        parameters: { engine: report.engine, settings: report.settings, matching, commands: report.commands },
        description: engine.describe(report.settings, matching),
      },
      {
        operation: 'reconstruct.orient',
        version: RECONSTRUCT_OPERATION_VERSION,
        parameters: {
          up: analysis.gravity.up,
          rotation: analysis.gravity.rotation,
          spreadDegrees: analysis.gravity.spreadDegrees,
        },
        description: `The model was turned (a rotation only: no distance changes) so that the mean "up" of the ${report.photos.registered} placed photos points up; they agreed with it to ${analysis.gravity.spreadDegrees.toFixed(2)}° on average. The turned model is what the scene shows.`,
      },
    ],
    outputs,
    libraries: { [report.engine.id]: report.engine.version, sharp: sharp.versions.sharp, libvips: sharp.versions.vips },
    operator: options.operator,
    startedAt: input.startedAt,
    finishedAt: options.now(),
  });
  return { provenanceId: provenance.id };
}

async function adjustScene(store: CaseStore, sceneId: string, input: StoreInput): Promise<QualityReport['level']> {
  const { analysis, options } = input;
  const ctx = { operator: options.operator, now: options.now() };
  if (analysis.scale && analysis.scaleEnds)
    await scaleScene(store, sceneId, {
      a: analysis.scaleEnds[0],
      b: analysis.scaleEnds[1],
      known: analysis.scale.scaleBy.known,
      ...ctx,
    });
  const level = analysis.report.level;
  if (!level.levelled) return level;
  try {
    await levelScene(store, sceneId, { method: 'fitted', tolerance: analysis.floorTolerance, seed: 1, ...ctx });
    return level;
  } catch (err) {
    return {
      levelled: false,
      gravityFromPhotos: level.gravityFromPhotos,
      note: `levelling failed (${(err as Error).message}); the scene is turned so that the photos' mean up is up`,
    };
  }
}

export async function storeReconstruction(store: CaseStore, input: StoreInput): Promise<StoredReconstruction> {
  const { analysis, prepared, frames, options } = input;
  const id = reconstructionId(input);
  const { provenanceId } = await recordEngineRun(store, id, input);
  const sceneId = `scene-${id}`;
  const viewpointImages = new Map(prepared.images.map((i) => [i.name, { sha256: i.sha256, itemId: i.itemId }]));
  await buildScene(store, {
    inputs: [analysis.orientedModelDir],
    format: 'colmap',
    operator: options.operator,
    now: options.now(),
    id: sceneId,
    name: options.name ?? `Reconstruction ${id}`,
    units: analysis.scale ? 'm' : 'unknown',
    viewpointImages,
    tempDir: input.workspace,
  });
  const level = await adjustScene(store, sceneId, input);
  const report: QualityReport = { ...analysis.report, level };
  if (analysis.uncertainty) {
    const manifest = loadScene(store, sceneId);
    store.putRecord(
      'scenes',
      sceneId,
      parseSceneManifest({ ...manifest, measurementUncertainty: analysis.uncertainty }),
      options.operator,
      'scene.uncertainty-stated',
    );
  }
  const positions = new Map(
    [...analysis.model.images.values()].map((i) => [i.name, applyMatrix(analysis.gravity.rotation, cameraCentre(i))]),
  );
  const record: ReconstructionRecord = {
    id,
    sceneId,
    provenanceId,
    createdAt: input.startedAt.toISOString(),
    operator: options.operator,
    engine: report.engine,
    settings: report.settings,
    matching: input.matching,
    knownDistances: options.knownDistances ?? [],
    photos: report.photos.outcomes.map((o) => ({
      itemId: o.itemId,
      name: o.name,
      registered: o.registered,
      ...(o.sha256 ? { sha256: o.sha256 } : {}),
      ...(o.imageName ? { imageName: o.imageName } : {}),
      ...(o.imageName && positions.get(o.imageName) ? { position: positions.get(o.imageName)! } : {}),
      ...(o.reason ? { reason: o.reason } : {}),
    })),
    ...(frames
      ? {
          video: {
            itemId: frames.report.source.itemId,
            selector: frames.report.selector,
            frames: frames.report.frames.map((f) => ({
              index: f.index,
              itemId: f.itemId,
              sha256: f.sha256,
              time: f.time,
            })),
            provenanceId: frames.report.provenanceId,
          },
        }
      : {}),
    report,
  };
  store.putRecord(RECONSTRUCTIONS_COLLECTION, id, record, options.operator, 'reconstruction.recorded');
  return { id, sceneId, provenanceId, manifest: loadScene(store, sceneId), report, record };
}
