// @vestige/reconstruct — photogrammetry: photos or video keyframes → a scaled, levelled scene with its uncertainty.
export type {
  ReconstructionEngine,
  SparseRequest,
  SparseResult,
  DenseRequest,
  DenseResult,
  EngineProbe,
  EngineIdentity,
  EngineCommand,
  PreparedImage,
  CameraGroup,
  ImageDiagnostics,
} from './engine.ts';
export { colmapEngine, plyVertexCount } from './colmap/engine.ts';
export { resolveColmap, colmapStatus, type ColmapBinary } from './colmap/binary.ts';
export {
  ReconstructionSettingsSchema,
  parseSettings,
  CAMERA_MODELS,
  type ReconstructionSettings,
  type ReconstructionSettingsInput,
} from './settings.ts';
export {
  reconstruct,
  analyseReconstruction,
  type ReconstructOptions,
  type ReconstructionResult,
} from './reconstruct.ts';
export type { StoredReconstruction, ReconstructionRecord } from './store.ts';
export { KnownDistanceSchema, parseKnownDistances, type KnownDistance } from './scale/known-distance.ts';
export { focalPriorFromExif, type FocalPrior } from './prepare/focal-prior.ts';
export { REPRODUCIBILITY_STATEMENT, RERUN_TOLERANCES, summariseReport, type QualityReport } from './quality/report.ts';
export { RECONSTRUCTIONS_COLLECTION, RECONSTRUCT_OPERATION_VERSION } from './versions.ts';
export { denseReconstruction, type DenseOptions } from './dense.ts';
export { reconstructSparseJob, reconstructDenseJob } from './jobs.ts';
export { compareReconstructions } from './rerun.ts';
export { compareRuns, type RerunComparison, type PlacedPhotos } from './quality/compare.ts';
