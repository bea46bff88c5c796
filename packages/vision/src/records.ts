import sharp from 'sharp';
import { canonicalJson, sha256Hex } from '@vestige/evidence';
import type { BackendIdentity } from './runtime/backend.ts';

/** Said with every output, report and screen: these are proposals for a person to decide on. */
export const PROPOSAL_NOTICE =
  'The tool proposes; a person decides. Scores, face boxes and groups are machine proposals for an officer to review; they do not categorise, identify or redact anything by themselves.';

/** Item annotations written by @vestige/vision (each one a custody event). */
export const VISION_ANNOTATION = {
  triage: 'vision.triage',
  faces: 'vision.faces',
} as const;

/** Case records written by @vestige/vision (each one a custody event). */
export const VISION_RECORDS = {
  triage: 'vision.triage',
  faceGroups: 'vision.face-groups',
  redactionLists: 'vision.redaction-lists',
} as const;

/** The backend facts that can change a model's output bits; recorded in provenance and every cache key. */
export function backendFacts(b: BackendIdentity): Record<string, unknown> {
  return { backend: b.backend, tfjs: b.tfjs, simd: b.simd, threads: b.threads, binarySha256: b.binary?.sha256 ?? null };
}

/** Library versions for provenance: tfjs and the backend, plus sharp/libvips (which made every model input). */
export function visionLibraries(b: BackendIdentity): Record<string, string> {
  const v = sharp.versions as Record<string, string | undefined>;
  return {
    tfjs: b.tfjs,
    'tfjs-backend': `${b.backend}${b.backend === 'wasm' ? (b.simd ? ' (SIMD)' : ' (no SIMD)') : ''}`,
    sharp: v.sharp ?? 'unknown',
    libvips: v.vips ?? 'unknown',
  };
}

/**
 * A result's cache key: the hash of everything that decides its bytes — the input's SHA-256, the model
 * files, how the input was prepared, the backend (results differ in the last bits between backends),
 * and the libvips that decoded it.
 */
export function cacheKey(parts: {
  input: string;
  models: unknown;
  preparation: unknown;
  backend: BackendIdentity;
}): string {
  const v = sharp.versions as Record<string, string | undefined>;
  return sha256Hex(canonicalJson({ ...parts, backend: backendFacts(parts.backend), libvips: v.vips ?? 'unknown' }));
}

/** Float32 values as base64 of their little-endian bytes: exact, and a quarter of the size of decimal text. */
export function encodeFloats(values: Float32Array): string {
  const le = new DataView(new ArrayBuffer(values.length * 4));
  values.forEach((v, i) => le.setFloat32(i * 4, v, true));
  return Buffer.from(le.buffer).toString('base64');
}

export function decodeFloats(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Float32Array.from({ length: bytes.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

/** Rounds for records: scores to 6 decimals, pixel coordinates to 0.01 (finer than any detector is right). */
export const round6 = (v: number): number => Math.round(v * 1e6) / 1e6;
export const round2 = (v: number): number => Math.round(v * 100) / 100;
