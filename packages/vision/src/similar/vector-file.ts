import { VestigeError } from '@vestige/evidence';

const MAGIC = 'VSTVEC1\n';
export const VECTOR_MEDIA_TYPE = 'application/x-vestige-vectors';

/** What a row of a vector file stands for: an item, or one frame of a video item. */
export interface VectorRow {
  readonly itemId: string;
  readonly sha256: string;
  /** Decoded frame index, for rows taken from a video. */
  readonly frame?: number;
}

export interface VectorFileHeader {
  readonly dims: number;
  readonly model: { readonly id: string; readonly version: string };
  readonly rows: readonly VectorRow[];
}

/**
 * A batch of embeddings as one blob: `VSTVEC1\n`, a 4-byte little-endian header length, the header as
 * JSON (dimensions, model, one row description per vector), zero padding to a multiple of 4, then the
 * vectors as little-endian float32, row after row. Stored content-addressed like any derived file, so
 * `vestige verify` covers it, and read back one file at a time by the similarity search.
 */
export function encodeVectorFile(header: VectorFileHeader, vectors: readonly Float32Array[]): Buffer {
  if (vectors.length !== header.rows.length || vectors.some((v) => v.length !== header.dims))
    throw new Error('vector file: rows and vectors disagree');
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const start = align4(MAGIC.length + 4 + json.length);
  const out = Buffer.alloc(start + vectors.length * header.dims * 4);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(json.length, MAGIC.length);
  json.copy(out, MAGIC.length + 4);
  vectors.forEach((v, r) => v.forEach((x, d) => out.writeFloatLE(x, start + (r * header.dims + d) * 4)));
  return out;
}

export function decodeVectorFile(
  bytes: Buffer,
  label: string,
): { header: VectorFileHeader; vector(row: number): Float32Array } {
  if (bytes.length < MAGIC.length + 4 || bytes.toString('latin1', 0, MAGIC.length) !== MAGIC) {
    throw new VestigeError('E_INPUT_CORRUPT', `${label} is not a Vestige vector file`, { file: label });
  }
  const length = bytes.readUInt32LE(MAGIC.length);
  const header = JSON.parse(bytes.toString('utf8', MAGIC.length + 4, MAGIC.length + 4 + length)) as VectorFileHeader;
  const start = align4(MAGIC.length + 4 + length);
  if (bytes.length !== start + header.rows.length * header.dims * 4)
    throw new VestigeError('E_INPUT_CORRUPT', `${label}: its length does not match its header`, { file: label });
  return {
    header,
    vector: (row) =>
      Float32Array.from({ length: header.dims }, (_, d) => bytes.readFloatLE(start + (row * header.dims + d) * 4)),
  };
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
