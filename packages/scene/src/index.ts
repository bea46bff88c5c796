// @vestige/scene — 3D formats in, Potree 2.0 octrees out, the scene manifest and scene records.
// Everything the browser can use too lives in the scene core (`@vestige/scene/core`), re-exported here.
export * from './core/index.ts';
export type { ScanPhoto, ScanPhotoImage, ScanPhotoProjection } from './photos.ts';
export { concatPointChunks } from './points.ts';
export {
  writePotreeInMemory,
  pointChunkFromArrays,
  type PotreeFiles,
  type PotreeWriteOptions,
  type PointArrays,
} from './potree/memory.ts';
export type { SceneFormat, SceneHeader, SceneReadOptions } from './formats/format.ts';
export { sceneFormats, sceneFormatById, sceneFormatRegistry, detectSceneFormat } from './formats/registry.ts';
export { locateColmap } from './formats/colmap.ts';
export { buildOctree, type OctreeBuildOptions, type OctreeBuildResult } from './build/octree-builder.ts';
export { writeLas, type LasWriteOptions } from './ops/las-writer.ts';
export {
  buildScene,
  loadScene,
  OCTREE_SAMPLING_DESCRIPTION,
  OCTREE_SAMPLING_DESCRIPTIONS,
  type BuildSceneOptions,
  type BuildSceneResult,
} from './scene/build-scene.ts';
export { manifestSha256 } from './scene/manifest-hash.ts';
export { sceneBuildJob, sceneBuildPayload } from './scene/build-job.ts';
export { scaleScene, levelScene, fitFloorPlane, type PlaneFit } from './scene/adjust.ts';
export {
  saveSceneRecord,
  listSceneRecords,
  getSceneRecord,
  deleteSceneRecord,
  sceneExportRows,
  addMarker,
  addMeasurement,
  checkRecordId,
} from './scene/annotate.ts';
export { exportPointsLas } from './scene/export.ts';
export { scenePoints, pointLayer } from './scene/read-points.ts';
export { meshToGlb } from './ops/mesh-glb.ts';
export { lasRecordSource } from './formats/las.ts';
export type { LasSource } from './build/record-passes.mjs';
export { lazRecordSource } from './formats/laz.ts';
export { crc32c } from './io/crc32c.ts';
