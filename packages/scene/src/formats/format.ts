import type { Bounds } from '../manifest/schema.ts';
import type { SceneChunk } from '../points.ts';
import type { ScanPhoto } from '../photos.ts';

/** What a reader can tell about an input before (or without) reading every point. */
export interface SceneHeader {
  format: string;
  /** Points the file says it holds (may be wrong for some formats, e.g. PTS headers). */
  points?: number;
  /** Bounds the file states (LAS header, E57 cartesianBounds); not trusted for the octree. */
  bounds?: Bounds;
  attributes: { rgb: boolean; intensity: boolean; classification: boolean; normals: boolean };
  meshes?: number;
  viewpoints?: number;
  crs?: { wkt?: string; epsg?: number };
  units?: 'm' | 'cm' | 'mm' | 'ft' | 'in' | 'unknown';
  /** Format-specific facts for `scene info` (version, point format, scans, extra-byte names …). */
  details: Record<string, unknown>;
}

export interface SceneReadOptions {
  /** Points per chunk (default 262 144). LAZ yields LASzip's own chunks (50 000 points as usually written). */
  chunkPoints?: number;
  /** Worker threads for readers that decode in parallel (LAZ; default: one per core). */
  workers?: number;
  signal?: AbortSignal;
  /** Told when a file says one thing and holds another but can still be read (e.g. more PLY records than declared). */
  onWarning?: (warning: SceneReadWarning) => void;
}

export interface SceneReadWarning {
  code: string;
  file: string;
  message: string;
  details?: Record<string, unknown>;
}

export const DEFAULT_CHUNK_POINTS = 262_144;

/**
 * One 3D input format. Readers take a path rather than a one-way stream because scanner formats keep
 * their index at the end of the file (E57 XML, COPC hierarchy); they read in bounded windows and yield
 * chunks, so a scan larger than memory flows through. Adding a format is one new file plus one line in
 * `registry.ts`.
 */
export interface SceneFormat {
  readonly id: string;
  readonly title: string;
  /** Lower-case, with the dot: `.las`. */
  readonly extensions: readonly string[];
  /** True for folder inputs (a COLMAP model). */
  readonly directory?: boolean;
  /** True when the first bytes (and name) look like this format. */
  sniff(head: Uint8Array, name: string): boolean;
  header(path: string): Promise<SceneHeader>;
  read(path: string, options?: SceneReadOptions): AsyncIterable<SceneChunk>;
  /**
   * Photos the file carries with their pixels, pose and projection (E57 images2D), for formats that have
   * them. Separate from `read` so the points stream is unchanged and each photo's bytes stream on demand.
   */
  photos?(path: string): AsyncIterable<ScanPhoto>;
}
