/**
 * What importers stream out. Points arrive in chunks of typed arrays (never one object per point), so a
 * scan of any size flows through in bounded memory.
 */

/** A batch of points. All arrays hold `count` points; optional attributes are absent when the source has none. */
export interface PointChunk {
  readonly kind: 'points';
  readonly count: number;
  /** x, y, z per point in the source frame, double precision (scanner coordinates are large). */
  readonly positions: Float64Array;
  /** r, g, b per point, 16-bit (8-bit sources are scaled by 257, so 255 → 65535). */
  readonly rgb?: Uint16Array;
  /** 16-bit intensity (sources with other ranges are scaled to 0–65535). */
  readonly intensity?: Uint16Array;
  /** ASPRS class code. */
  readonly classification?: Uint8Array;
  /** nx, ny, nz per point. Kept by importers; the octree does not store normals. */
  readonly normals?: Float32Array;
}

/** A triangle mesh. `glb` is set when the source was glTF, so the layer can keep the original bytes. */
export interface MeshChunk {
  readonly kind: 'mesh';
  readonly name: string;
  /** x, y, z per vertex (source frame, after node transforms). */
  readonly positions: Float64Array;
  /** Three vertex indices per triangle. */
  readonly indices: Uint32Array;
  readonly normals?: Float32Array;
  /** r, g, b per vertex, 0–1. */
  readonly colors?: Float32Array;
  /** The source as binary glTF when it was glTF (kept byte for byte for a .glb input). */
  readonly glb?: Uint8Array;
}

/** A camera that took a photo used in the reconstruction (COLMAP, E57 images). */
export interface ViewpointChunk {
  readonly kind: 'viewpoint';
  readonly id: string;
  readonly name: string;
  /** Camera-to-world, camera looking down −Z with +Y up (three.js convention). */
  readonly position: [number, number, number];
  readonly quaternion: [number, number, number, number];
  readonly intrinsics: {
    model: string;
    width: number;
    height: number;
    fx: number;
    fy: number;
    cx: number;
    cy: number;
    distortion: number[];
  };
  /** The image file name as the source names it. */
  readonly imageName?: string;
}

export type SceneChunk = PointChunk | MeshChunk | ViewpointChunk;

export interface PointAttributesPresent {
  rgb: boolean;
  intensity: boolean;
  classification: boolean;
}

/** Concatenates point chunks (small inputs and tests only: this holds everything in memory). */
export function concatPointChunks(chunks: readonly PointChunk[]): PointChunk {
  const count = chunks.reduce((n, c) => n + c.count, 0);
  const hasRgb = chunks.some((c) => c.rgb);
  const hasIntensity = chunks.some((c) => c.intensity);
  const hasClass = chunks.some((c) => c.classification);
  const hasNormals = chunks.length > 0 && chunks.every((c) => c.normals);
  const positions = new Float64Array(count * 3);
  const rgb = hasRgb ? new Uint16Array(count * 3) : undefined;
  const intensity = hasIntensity ? new Uint16Array(count) : undefined;
  const classification = hasClass ? new Uint8Array(count) : undefined;
  const normals = hasNormals ? new Float32Array(count * 3) : undefined;
  let at = 0;
  for (const c of chunks) {
    positions.set(c.positions.subarray(0, c.count * 3), at * 3);
    if (rgb && c.rgb) rgb.set(c.rgb.subarray(0, c.count * 3), at * 3);
    if (intensity && c.intensity) intensity.set(c.intensity.subarray(0, c.count), at);
    if (classification && c.classification) classification.set(c.classification.subarray(0, c.count), at);
    if (normals && c.normals) normals.set(c.normals.subarray(0, c.count * 3), at * 3);
    at += c.count;
  }
  return {
    kind: 'points',
    count,
    positions,
    ...(rgb ? { rgb } : {}),
    ...(intensity ? { intensity } : {}),
    ...(classification ? { classification } : {}),
    ...(normals ? { normals } : {}),
  };
}
