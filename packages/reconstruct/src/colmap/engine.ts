/**
 * COLMAP as a `ReconstructionEngine`: SIFT features, exhaustive or sequential matching with geometric
 * verification, incremental mapping with bundle adjustment (Schönberger & Frahm, "Structure-from-Motion
 * Revisited", CVPR 2016); dense patch-match stereo and fusion where COLMAP was built with CUDA (Schönberger et al.,
 * "Pixelwise View Selection for Unstructured Multi-View Stereo", ECCV 2016). Every step's output files are
 * checked: COLMAP's exit code alone does not say the work was done.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VestigeError } from '@vestige/evidence';
import type {
  DenseRequest,
  DenseResult,
  EngineIdentity,
  EngineProbe,
  ReconstructionEngine,
  SparseRequest,
  SparseResult,
} from '../engine.ts';
import type { ReconstructionSettings } from '../settings.ts';
import { colmapStatus, resolveColmap, type ColmapBinary } from './binary.ts';
import { databaseImages, imageDiagnostics, writeFocalPriors } from './database.ts';
import { colmapRunner, type ColmapRunner } from './run.ts';

function identity(binary: ColmapBinary): EngineIdentity {
  return { id: 'colmap', version: binary.version, build: binary.banner, path: binary.path };
}

function modelFolders(sparseDir: string): string[] {
  if (!existsSync(sparseDir)) return [];
  return readdirSync(sparseDir)
    .filter(
      (d) =>
        /^\d+$/.test(d) &&
        ['cameras.bin', 'images.bin', 'points3D.bin'].every((f) => existsSync(join(sparseDir, d, f))),
    )
    .sort((a, b) => Number(a) - Number(b))
    .map((d) => join(sparseDir, d));
}

function imageNamesOf(textDir: string): string[] {
  const lines = readFileSync(join(textDir, 'images.txt'), 'utf8')
    .split('\n')
    .filter((l) => !l.startsWith('#'));
  const names: string[] = [];
  for (let i = 0; i < lines.length; i += 2) {
    const f = lines[i]!.trim().split(/\s+/);
    if (f.length >= 10) names.push(f.slice(9).join(' '));
  }
  return names;
}

async function extractAndMatch(runner: ColmapRunner, request: SparseRequest, db: string): Promise<void> {
  const s = request.settings;
  const gpu = runner.binary.cuda;
  request.onProgress?.('features');
  await runner.run('feature_extractor', {
    database_path: db,
    image_path: request.imageDir,
    random_seed: s.seed,
    'ImageReader.camera_model': s.cameraModel,
    'ImageReader.single_camera_per_folder': s.shareIntrinsics,
    'SiftExtraction.use_gpu': gpu,
    'SiftExtraction.num_threads': s.threads,
    'SiftExtraction.max_image_size': s.maxImageSize,
    'SiftExtraction.max_num_features': s.maxFeatures,
  });
  const read = databaseImages(db);
  if (read.length < request.images.length) {
    const missing = request.images.map((i) => i.name).filter((n) => !read.some((r) => r.name === n));
    throw new VestigeError(
      'E_TOOL_FAILED',
      `COLMAP could not read ${missing.length} photo(s): ${missing.slice(0, 5).join(', ')}: ${runner.tail()}`,
      { details: { missing } },
    );
  }
  writeFocalPriors(db, request.groups, s.cameraModel);
  request.onProgress?.('matching');
  if (request.matching === 'sequential') {
    await runner.run('sequential_matcher', {
      database_path: db,
      random_seed: s.seed,
      'SiftMatching.use_gpu': gpu,
      'SiftMatching.num_threads': s.threads,
      'SequentialMatching.overlap': s.sequentialOverlap,
      'SequentialMatching.loop_detection': false,
    });
  } else {
    await runner.run('exhaustive_matcher', {
      database_path: db,
      random_seed: s.seed,
      'SiftMatching.use_gpu': gpu,
      'SiftMatching.num_threads': s.threads,
    });
  }
}

async function sparse(request: SparseRequest): Promise<SparseResult> {
  const binary = resolveColmap();
  const logPath = join(request.workspace, 'colmap.log');
  const runner = colmapRunner(binary, request.workspace, logPath, request.signal);
  const db = join(request.workspace, 'database.db');
  const sparseDir = join(request.workspace, 'sparse');
  try {
    await extractAndMatch(runner, request, db);
    request.onProgress?.('mapping');
    // The mapper exits 1 when it builds no model at all ("failed to create sparse model"): that is the photos'
    // doing, not a broken engine, so it is told apart from other failures by the models on disk.
    let mapperError: VestigeError | undefined;
    await runner
      .run('mapper', {
        database_path: db,
        image_path: request.imageDir,
        output_path: ensureDir(sparseDir),
        random_seed: request.settings.seed,
        'Mapper.num_threads': request.settings.threads,
      })
      .catch((err: unknown) => {
        if (!(err instanceof VestigeError) || err.code !== 'E_TOOL_FAILED' || modelFolders(sparseDir).length > 0)
          throw err;
        mapperError = err;
      });
    const diagnostics = imageDiagnostics(db);
    const models = modelFolders(sparseDir);
    if (models.length === 0) {
      throw new VestigeError(
        'E_RECONSTRUCTION_FAILED',
        `COLMAP made no model from these ${request.images.length} photos: ${mapperError ? mapperError.message : runner.tail(3)}`,
        {
          hint: 'The photos must overlap: each part of the scene in at least three photos taken from different places, about two thirds overlap between neighbours. See the per-photo facts in the details.',
          details: { images: Object.fromEntries(diagnostics) },
        },
      );
    }
    const converted: Array<{ dir: string; text: string; names: string[] }> = [];
    for (const dir of models) {
      const text = join(request.workspace, 'text', dir.split('/').pop()!);
      await runner.run('model_converter', { input_path: dir, output_path: ensureDir(text), output_type: 'TXT' });
      if (!existsSync(join(text, 'images.txt')))
        throw new VestigeError('E_TOOL_FAILED', `COLMAP model_converter wrote no images.txt: ${runner.tail()}`);
      converted.push({ dir, text, names: imageNamesOf(text) });
    }
    converted.sort((a, b) => b.names.length - a.names.length);
    return {
      engine: identity(binary),
      modelDir: converted[0]!.dir,
      textModelDir: converted[0]!.text,
      otherModels: converted.slice(1).map((c) => c.names),
      diagnostics,
      commands: runner.commands,
      logPath,
    };
  } finally {
    await runner.close();
  }
}

/** mapper and model_converter do not create their output folders. */
function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function dense(request: DenseRequest): Promise<DenseResult> {
  const binary = resolveColmap();
  const logPath = join(request.workspace, 'colmap-dense.log');
  const runner = colmapRunner(binary, request.workspace, logPath, request.signal);
  const mvs = join(request.workspace, 'dense');
  const fused = join(mvs, 'fused.ply');
  try {
    request.onProgress?.('undistorting');
    await runner.run('image_undistorter', {
      image_path: request.imageDir,
      input_path: request.modelDir,
      output_path: mvs,
      output_type: 'COLMAP',
    });
    request.onProgress?.('stereo');
    // Without CUDA this patch_match_stereo refuses with exit 1, and automatic_reconstructor skips stereo: whatever the
    // exit code, the depth maps on disk say whether stereo ran.
    const stereoError = await runner
      .run('patch_match_stereo', {
        workspace_path: mvs,
        workspace_format: 'COLMAP',
        'PatchMatchStereo.geom_consistency': true,
      })
      .then(
        () => undefined,
        (err: unknown) => (err instanceof VestigeError && err.code === 'E_TOOL_FAILED' ? err : Promise.reject(err)),
      );
    const depthMaps = join(mvs, 'stereo', 'depth_maps');
    const made = existsSync(depthMaps) ? readdirSync(depthMaps).filter((f) => f.endsWith('.geometric.bin')).length : 0;
    if (made === 0) throw noDenseOutput(binary, 'patch_match_stereo wrote no depth maps', runner.tail(3));
    if (stereoError) throw stereoError;
    request.onProgress?.('fusion');
    await runner.run('stereo_fusion', {
      workspace_path: mvs,
      workspace_format: 'COLMAP',
      input_type: 'geometric',
      output_path: fused,
    });
    const points = plyVertexCount(fused);
    if (points === 0)
      throw noDenseOutput(
        binary,
        existsSync(fused) ? 'stereo_fusion wrote an empty fused.ply' : 'stereo_fusion wrote no fused.ply',
        runner.tail(3),
      );
    return { engine: identity(binary), pointsPath: fused, points, commands: runner.commands, logPath };
  } finally {
    await runner.close();
  }
}

function noDenseOutput(binary: ColmapBinary, what: string, engineSays: string): VestigeError {
  return new VestigeError(
    'E_TOOL_FAILED',
    `COLMAP dense stereo failed: ${what} (COLMAP: ${engineSays || 'no message'}).`,
    {
      hint: binary.cuda
        ? 'Check the sparse model and the photos; the log is kept with the attempt.'
        : `${binary.path} was built without CUDA, so it cannot run dense stereo: run reconstruct.dense on a worker with a CUDA build of COLMAP (vestige worker --redis URL --capability cuda).`,
      details: { cuda: binary.cuda },
    },
  );
}

/** Vertex count from a PLY header; 0 when the file is absent or has no header. */
export function plyVertexCount(path: string): number {
  if (!existsSync(path)) return 0;
  const head = readFileSync(path).subarray(0, 4096).toString('latin1');
  const m = /element vertex (\d+)/.exec(head);
  return m ? Number(m[1]) : 0;
}

export const colmapEngine: ReconstructionEngine = {
  id: 'colmap',
  describe(settings: ReconstructionSettings, matching) {
    return `COLMAP structure-from-motion: SIFT features (at most ${settings.maxFeatures} per photo, photos scaled to at most ${settings.maxImageSize} px), ${matching === 'exhaustive' ? 'every pair of photos matched' : `each frame matched with its ${settings.sequentialOverlap} neighbours in order`} and each match verified by two-view geometry (RANSAC), then incremental mapping with bundle adjustment; camera model ${settings.cameraModel}${settings.shareIntrinsics ? ', one set of intrinsics per camera body' : ''}. Reference: J. L. Schönberger and J.-M. Frahm, "Structure-from-Motion Revisited", CVPR 2016.`;
  },
  probe(): EngineProbe {
    const status = colmapStatus();
    if (!status.ok) return { available: false, dense: false, note: `${status.error} ${status.hint}` };
    return {
      available: true,
      identity: identity(status.binary),
      dense: status.binary.cuda,
      ...(status.binary.cuda
        ? {}
        : {
            note: 'this COLMAP was built without CUDA: sparse reconstruction only; dense stereo runs on a worker with a CUDA build (vestige worker --capability cuda)',
          }),
    };
  },
  sparse,
  dense,
};
