/**
 * `@vestige/scene/core` — the browser-safe scene core: the one implementation of each scene concept that
 * the CLI, the server and the viewer share. Pure TypeScript (zod and VestigeError only; no Node import,
 * checked by core.test.ts): measurement maths and units, line of sight, markers/measurements CSV and
 * GeoJSON, the manifest types and schema, scene records, and the Potree 2.0 record layout and hierarchy.
 */
export * from '../manifest/schema.ts';
/** The one error class, so the viewer's errors carry the same codes as the CLI's and the server's. */
export { VestigeError, isVestigeError, type ErrorCode } from '@vestige/evidence/errors';
export { parseSceneManifest, manifestBlobs, manifestBytes, schemaProblems } from '../manifest/parse.ts';
export type { PointChunk, MeshChunk, ViewpointChunk, SceneChunk, PointAttributesPresent } from '../points.ts';
export { sub, dot, cross, length, distance, normalize, midpoint, type Vec3, type MutableVec3 } from './vector.ts';
export { matrixFromQuaternion, type Mat3 } from './rotation.ts';
export {
  multiply,
  applyToPoint,
  scaling,
  translation,
  rotationBetween,
  invertAffine,
  toDisplayed,
  toSource,
  type Mat4,
  type SceneFrame,
} from './frames.ts';
export {
  SCENE_UNITS,
  ANGLE_UNIT,
  METRES_PER_UNIT,
  lengthUnit,
  areaUnit,
  decimalsFor,
  formatQuantity,
  formatLength,
  formatPoint,
  niceScaleLength,
  type SceneUnits,
} from './units.ts';
export {
  MEASUREMENT_KINDS,
  MEASUREMENT_DEFINITIONS,
  POINTS_NEEDED,
  pointCountProblem,
  measureDisplayed,
  measureScene,
  recomputeMeasurement,
  formatMeasurement,
  describeUncertainty,
  type MeasurementKind,
  type MeasurementResult,
  type MeasurementUncertainty,
  type StatedUncertainty,
  type MeasuredScene,
} from './measure.ts';
export { SightLine, insideBox, type SightResult, type ClipBox } from './line-of-sight.ts';
export {
  SavedViewSchema,
  CameraPathSchema,
  CameraPathFileSchema,
  SCENE_RECORD_SCHEMAS,
  type SavedView,
} from './record-schemas.ts';
export {
  CAMERA_PATH_SCHEMA,
  CAMERA_PATH_VERSION,
  CAMERA_PATH_INTERPOLATION,
  CAMERA_PATH_DESCRIPTION,
  CameraPathSampler,
  cameraPathDuration,
  cameraPathFrameCount,
  cameraPathProblems,
  checkCameraPath,
  cameraPathFile,
  cameraPathFromViews,
  keyframeFromView,
  lookAtQuaternion,
  poseDirection,
  slerp,
  centripetalCatmullRom,
  type CameraPath,
  type CameraKeyframe,
  type CameraPose,
} from './camera-path.ts';
export {
  SCENE_RECORD_ID,
  isSceneRecordCollection,
  sceneRecordKey,
  sceneRecordAction,
  compareRecordIds,
  byRecordId,
  nextMarkerLabel,
  sceneMeasurements,
  sceneMarkers,
  type SceneRecordCollection,
  type SceneRecordValues,
  type StoredSceneRecord,
} from './records.ts';
export { measurementsCsv, markersCsv, type ExportContext } from './export-csv.ts';
export { sceneGeoJson } from './export-geojson.ts';
export {
  sceneExportText,
  sceneExportFileName,
  SCENE_EXPORT_MEDIA_TYPES,
  type SceneExportSubject,
  type SceneExportFormat,
} from './scene-export.ts';
export {
  recordLayout,
  layoutFromMetadata,
  rgbBits,
  attributesJson,
  AttributeRanges,
  type RecordLayout,
  type PotreeMetadataJson,
  type PotreeAttributeJson,
} from './potree/layout.ts';
export {
  NODE_RECORD_BYTES,
  HIERARCHY_STEP,
  NodeType,
  writeHierarchy,
  readHierarchyChunk,
  walkHierarchy,
  readHierarchy,
  isProxy,
  type HierarchyNode,
  type HierarchyRecord,
  type WrittenHierarchy,
  type ByteSpan,
} from './potree/hierarchy.ts';
export { potreeNodes, decodePotreeRecords, decodePotreeNode } from './potree/decode.ts';
export { expectedTileHash, type PotreeTileIndex } from './potree/tile-index.ts';
export { TILE_HASH_BYTES, tileHashSection, chunkWithSection, sectionEntries } from './potree/tile-hashes.ts';
export {
  photoPixelOf,
  intoPhotoFrame,
  unprojectableReason,
  type ScanPhotoProjectionRecord,
} from './photo-projection.ts';
export type { FrameBudget, FrameStats, RenderInfo } from './render-frame.ts';
