/**
 * The parts of the scene manifest (@vestige/scene `SceneManifest`, schema `vestige.scene` v1) the viewer
 * reads. The server validates the manifest with the scene package's schema before sending it; the
 * viewer keeps its own light copy of the types so the browser bundle needs no Node code.
 */
import type { Vec3 } from './measure.ts';

export interface BlobRef {
  sha256: string;
  size: number;
}

export interface Viewpoint {
  id: string;
  name: string;
  pose: { position: Vec3; quaternion: [number, number, number, number] };
  intrinsics: { model: string; width: number; height: number; fx: number; fy: number; cx: number; cy: number; distortion: number[] };
  image?: { sha256?: string; itemId?: string; name: string };
}

export interface MeasurementRecord {
  id: string;
  label: string;
  kind: 'point' | 'distance' | 'polyline' | 'area' | 'angle' | 'height';
  points: Vec3[];
  value: number;
  unit: string;
  operator?: string;
  note?: string;
  builtIn?: boolean;
  updatedAt?: string;
}

export interface MarkerRecord {
  id: string;
  label: string;
  position: Vec3;
  itemId?: string;
  note?: string;
  builtIn?: boolean;
}

export interface AnnotationRecord {
  id: string;
  position: Vec3;
  text: string;
  author?: string;
  createdAt?: string;
  builtIn?: boolean;
}

export interface SavedView {
  id: string;
  name: string;
  camera: { projection: 'perspective' | 'orthographic'; position: Vec3; target: Vec3; up?: Vec3; fov?: number; zoom?: number };
  clipBox?: { min: Vec3; max: Vec3 } | null;
  colorMode?: string;
  pointBudget?: number;
  note?: string;
}

export type Layer =
  | { type: 'pointcloud'; id: string; name: string; format: string; files: { metadata: BlobRef; hierarchy: BlobRef; octree: BlobRef }; points: number; attributes: string[] }
  | { type: 'mesh'; id: string; name: string; format: string; file: BlobRef; offset?: Vec3; bounds: { min: Vec3; max: Vec3 } }
  | { type: 'viewpoints'; id: string; name: string; viewpoints: Viewpoint[] }
  | { type: 'markers'; id: string; name: string; markers: MarkerRecord[] }
  | { type: 'measurements'; id: string; name: string; measurements: MeasurementRecord[] }
  | { type: 'annotations'; id: string; name: string; annotations: AnnotationRecord[] };

export interface Manifest {
  schema: 'vestige.scene';
  version: number;
  id: string;
  name: string;
  units: string;
  origin: { offset: Vec3 };
  crs?: { epsg?: number; wkt?: string; name?: string };
  transform: number[];
  layers: Layer[];
}

export interface SceneResponse {
  manifest: Manifest;
  case: { id: string; name: string; reference: string };
  readOnly: boolean;
  operator: string;
}
