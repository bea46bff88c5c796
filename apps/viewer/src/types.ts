/**
 * What the viewer receives from the server. The manifest and record types are the scene core's
 * (`@vestige/scene/core`, the one definition the server validates with); the viewer only marks which
 * entries came with the scene build (read-only) and when a saved one last changed.
 */
import type {
  Annotation,
  CameraPath,
  EvidenceMarker,
  Measurement,
  SavedView,
  SceneManifest,
} from '@vestige/scene/core';

/** A record as the viewer holds it: `builtIn` when it came in the manifest (not deletable). */
export type Shown<T> = T & { builtIn?: boolean; updatedAt?: string };

export type MeasurementRecord = Shown<Measurement>;
export type MarkerRecord = Shown<EvidenceMarker>;
export type AnnotationRecord = Shown<Annotation>;
export type ViewRecord = Shown<SavedView>;
export type CameraPathRecord = Shown<CameraPath>;

export interface SceneResponse {
  manifest: SceneManifest;
  case: { id: string; name: string; reference: string };
  readOnly: boolean;
  operator: string;
}
