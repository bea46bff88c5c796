/**
 * The contract every reconstruction engine meets. COLMAP is the first; another (OpenMVG, a GPU SfM) is one new
 * folder that meets the same contract. Engines are separate programs: they run on a workspace folder of prepared
 * photos and hand back a sparse model in COLMAP's text format (the scene package's COLMAP reader imports it), the
 * per-photo facts needed to say why a photo was not used, and every command line they ran.
 */
import type { ReconstructionSettings } from './settings.ts';

/** One photo as the engine sees it, copied from the case into the workspace. */
export interface PreparedImage {
  /** Name inside the image folder, e.g. `cam-1/IMG_0001.jpg`; the key for everything the engine reports. */
  readonly name: string;
  readonly itemId: string;
  readonly sha256: string;
  readonly width: number;
  readonly height: number;
  /** Index into the request's camera groups. */
  readonly group: number;
}

/** Photos that share one camera's intrinsics (same body, size and focal length), with the prior from EXIF if any. */
export interface CameraGroup {
  readonly folder: string;
  readonly label: string;
  readonly width: number;
  readonly height: number;
  /** Focal length in pixels from EXIF, given to the engine as a prior it still refines. */
  readonly priorFocalPx?: number;
  /** Where the prior came from, in words (`EXIF FocalLength 4.8 mm × FocalPlaneXResolution …`). */
  readonly priorSource?: string;
}

export interface SparseRequest {
  readonly workspace: string;
  readonly imageDir: string;
  readonly images: readonly PreparedImage[];
  readonly groups: readonly CameraGroup[];
  readonly matching: 'exhaustive' | 'sequential';
  readonly settings: ReconstructionSettings;
  readonly signal?: AbortSignal;
  readonly onProgress?: (stage: string) => void;
}

/** What the engine knows about each photo before mapping: enough to say why one was not registered. */
export interface ImageDiagnostics {
  readonly keypoints: number;
  /** Other photos it shares geometrically verified matches with. */
  readonly verifiedPairs: number;
}

export interface EngineIdentity {
  readonly id: string;
  readonly version: string;
  /** The program's own description of its build (e.g. with or without CUDA). */
  readonly build: string;
  readonly path: string;
}

export interface EngineCommand {
  readonly program: string;
  readonly argv: readonly string[];
  readonly exitCode: number | null;
  readonly wallSeconds: number;
}

export interface SparseResult {
  readonly engine: EngineIdentity;
  /** The chosen model (most photos registered), binary, as the engine wrote it. */
  readonly modelDir: string;
  /** The same model in COLMAP's text format. */
  readonly textModelDir: string;
  /** Photos registered in other, unconnected models (they could not be joined to the chosen one). */
  readonly otherModels: ReadonlyArray<readonly string[]>;
  readonly diagnostics: ReadonlyMap<string, ImageDiagnostics>;
  readonly commands: readonly EngineCommand[];
  /** The engine's full output. */
  readonly logPath: string;
}

export interface DenseRequest {
  readonly workspace: string;
  readonly imageDir: string;
  /** A sparse model (binary) from `sparse`. */
  readonly modelDir: string;
  readonly settings: ReconstructionSettings;
  readonly signal?: AbortSignal;
  readonly onProgress?: (stage: string) => void;
}

export interface DenseResult {
  readonly engine: EngineIdentity;
  /** Fused dense points, PLY, in the sparse model's frame. */
  readonly pointsPath: string;
  readonly points: number;
  readonly commands: readonly EngineCommand[];
  readonly logPath: string;
}

export interface EngineProbe {
  readonly available: boolean;
  readonly identity?: EngineIdentity;
  /** Dense stereo possible here (COLMAP: a CUDA build). */
  readonly dense: boolean;
  /** Why not, in words, when unavailable or without dense. */
  readonly note?: string;
}

export interface ReconstructionEngine {
  readonly id: string;
  /** Court-report sentence: what the engine does and the reference for its method. */
  describe(settings: ReconstructionSettings, matching: 'exhaustive' | 'sequential'): string;
  probe(): EngineProbe;
  sparse(request: SparseRequest): Promise<SparseResult>;
  dense(request: DenseRequest): Promise<DenseResult>;
}
