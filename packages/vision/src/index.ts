// Front door of @vestige/vision. Other packages import only from here. Nothing here loads tfjs until a
// model is used (worker threads run the models).
export {
  selectBackend,
  backendLabel,
  type BackendIdentity,
  type BackendReport,
  type BackendOptions,
  type BackendChoice,
} from './runtime/backend.ts';
export {
  MODELS,
  NSFW_MOBILENET_V2,
  SSD_MOBILENET_V1_FACES,
  TINY_FACE_DETECTOR,
  FACE_LANDMARKS_68,
  FACE_RECOGNITION,
  type ModelManifestEntry,
  type ModelFile,
} from './models/manifest.ts';
export { readVerifiedModelFiles, modelIdentity, type VerifiedModelFiles } from './models/model-files.ts';
export type { VisionModel, RgbImage, ModelLoadReport } from './models/vision-model.ts';
export { KerasClassifier, type ClassifierSpec, type Classification } from './models/keras-classifier.ts';
export { NSFW_CLASSIFIER } from './models/classifiers.ts';
export { SsdFaceDetector, SSD_INPUT_SIZE, iou, type ScoredBox, type SsdInput } from './models/ssd-face-detector.ts';
export {
  FaceAnalyser,
  DEFAULT_FACE_THRESHOLDS,
  type FaceThresholds,
  type FaceFinding,
} from './models/face-analyser.ts';
export {
  decodeForModel,
  reshapeInput,
  DECODE_DESCRIPTION,
  type InputShape,
  type DecodedInput,
} from './image/decode.ts';
export { VisionWorkerPool, sharedVisionPool, closeSharedVisionPool } from './worker/pool.ts';
export { PROPOSAL_NOTICE, VISION_ANNOTATION, VISION_RECORDS, encodeFloats, decodeFloats } from './records.ts';
export {
  scoreItems,
  TRIAGE_ACTIVITY,
  type TriageAnnotation,
  type ScoreOptions,
  type ScoreReport,
} from './triage/score-items.ts';
export { triageJob, loadClassifierSpec, type TriagePayload } from './triage/triage-job.ts';
export {
  triageCase,
  reviewOrder,
  triageCandidates,
  type ReviewOrder,
  type TriageCaseOptions,
  type TriageCaseReport,
} from './triage/triage-case.ts';
export {
  encodeVectorFile,
  decodeVectorFile,
  VECTOR_MEDIA_TYPE,
  type VectorFileHeader,
  type VectorRow,
} from './similar/vector-file.ts';
export {
  findFaces,
  facesJob,
  faceRef,
  type FacesAnnotation,
  type StoredFace,
  type FindFacesOptions,
  type FindFacesReport,
} from './faces/find-faces.ts';
export {
  FACE_GROUP_DISTANCE,
  groupFaces,
  proposeFaceGroups,
  confirmFaceGroup,
  rejectFaceGroup,
  splitFaceGroup,
  faceGroups,
  caseFaces,
  descriptorDistance,
  type FaceGroup,
  type FaceGroupStatus,
} from './faces/face-groups.ts';
export { facesCase, type FacesCaseOptions, type FacesCaseReport } from './faces/faces-case.ts';
export {
  parseRedactionList,
  formatRedactionList,
  coverAt,
  trackBoxAt,
  redactionListSchema,
  type RedactionList,
  type RedactionTrack,
  type Box,
} from './redact/redaction-list.ts';
export { buildTracks, type TrackingOptions } from './redact/tracker.ts';
export { proposeRedaction, type ProposeOptions } from './redact/propose.ts';
export { renderRedaction, REDACT_ACTIVITY, type RenderOptions, type RenderReport } from './redact/render.ts';
export { coverFilter, type RedactionFormat } from './redact/render-video.ts';
export { trackSheets, sheetFrames, SHEET_ACTIVITY, type TrackSheet } from './redact/track-sheets.ts';
export { similarItems, type SimilarReport, type SimilarHit, type PdqNeighbour } from './similar/similar-items.ts';
export { checkVision, type VisionCheck } from './runtime/doctor.ts';
export { tfjs, type Tf } from './runtime/tfjs.ts';
export type * as Tfjs from '@tensorflow/tfjs';
