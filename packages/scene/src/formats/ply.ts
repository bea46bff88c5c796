/**
 * PLY (Stanford polygon format): ASCII and binary little/big endian; vertices with colours, normals,
 * intensity and classification; faces make the file a mesh. Point clouds stream in chunks; a mesh needs
 * its vertices in memory to resolve faces, so meshes are capped.
 */
import { VestigeError } from '@vestige/evidence';
import { ByteReader } from '../io/byte-reader.ts';
import { InputFile, corrupt, withInputFile } from '../io/input-file.ts';
import { readLines, splitFields } from '../io/lines.ts';
import type { MeshChunk, PointChunk, SceneChunk } from '../points.ts';
import { DEFAULT_CHUNK_POINTS, type SceneFormat, type SceneHeader, type SceneReadOptions } from './format.ts';

type PlyType = 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';
const TYPE_ALIASES: Record<string, PlyType> = {
  char: 'int8',
  int8: 'int8',
  uchar: 'uint8',
  uint8: 'uint8',
  short: 'int16',
  int16: 'int16',
  ushort: 'uint16',
  uint16: 'uint16',
  int: 'int32',
  int32: 'int32',
  uint: 'uint32',
  uint32: 'uint32',
  float: 'float32',
  float32: 'float32',
  double: 'float64',
  float64: 'float64',
};
const TYPE_SIZE: Record<PlyType, number> = {
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  float32: 4,
  float64: 8,
};

interface PlyProperty {
  name: string;
  type: PlyType;
  listCount?: PlyType;
}
interface PlyElement {
  name: string;
  count: number;
  properties: PlyProperty[];
}
interface PlyHeader {
  format: 'ascii' | 'binary_little_endian' | 'binary_big_endian';
  elements: PlyElement[];
  dataOffset: number;
  comments: string[];
}

/** Largest mesh read into memory (vertices); bigger meshes should be sampled to points first. */
const MAX_MESH_VERTICES = 50_000_000;

async function readPlyHeader(file: InputFile): Promise<PlyHeader> {
  const head = await file.readUpTo(0, 1 << 16);
  const text = head.toString('latin1');
  const end = text.search(/end_header\r?\n/);
  if (!text.startsWith('ply')) throw corrupt(file.path, 'This is not a PLY file (no "ply" magic).');
  if (end < 0) throw corrupt(file.path, 'The PLY header has no end_header within 64 KiB.');
  const endLine = text.slice(end).match(/end_header\r?\n/)![0];
  const lines = text.slice(0, end).split(/\r?\n/);
  let format: PlyHeader['format'] | undefined;
  const elements: PlyElement[] = [];
  const comments: string[] = [];
  for (const line of lines.slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'format') {
      if (f[1] !== 'ascii' && f[1] !== 'binary_little_endian' && f[1] !== 'binary_big_endian')
        throw corrupt(file.path, `Unknown PLY format '${f[1]}'.`);
      format = f[1];
    } else if (f[0] === 'element') {
      const count = Number(f[2]);
      if (!Number.isSafeInteger(count) || count < 0)
        throw corrupt(file.path, `PLY element '${f[1]}' has an invalid count '${f[2]}'.`);
      elements.push({ name: f[1] ?? '', count, properties: [] });
    } else if (f[0] === 'property') {
      const el = elements.at(-1);
      if (!el) throw corrupt(file.path, 'A PLY property comes before any element.');
      if (f[1] === 'list') {
        const listCount = TYPE_ALIASES[f[2] ?? ''];
        const type = TYPE_ALIASES[f[3] ?? ''];
        if (!listCount || !type) throw corrupt(file.path, `Unknown PLY list types in '${line}'.`);
        el.properties.push({ name: f[4] ?? '', type, listCount });
      } else {
        const type = TYPE_ALIASES[f[1] ?? ''];
        if (!type) throw corrupt(file.path, `Unknown PLY property type in '${line}'.`);
        el.properties.push({ name: f[2] ?? '', type });
      }
    } else if (f[0] === 'comment' || f[0] === 'obj_info') {
      comments.push(line.slice(f[0].length + 1));
    }
  }
  if (!format) throw corrupt(file.path, 'The PLY header has no format line.');
  const dataOffset = Buffer.byteLength(text.slice(0, end), 'latin1') + endLine.length;
  const header: PlyHeader = { format, elements, dataOffset, comments };
  checkClaimedSize(file, header);
  return header;
}

/**
 * A header can claim any count (10^12 vertices …). Before allocating or reading anything, check the file
 * can hold at least that many records; a lie is a corrupt file, not an out-of-memory crash.
 */
function checkClaimedSize(file: InputFile, header: PlyHeader): void {
  let minBytes = 0;
  for (const el of header.elements) {
    const perRecord =
      header.format === 'ascii'
        ? el.properties.length * 2 // "0 " per value at the least
        : el.properties.reduce((n, p) => n + (p.listCount ? TYPE_SIZE[p.listCount] : TYPE_SIZE[p.type]), 0);
    minBytes += el.count * perRecord;
  }
  const available = file.size - header.dataOffset;
  if (minBytes > available + 1) {
    const vertex = header.elements.find((e) => e.name === 'vertex');
    throw corrupt(
      file.path,
      `The PLY header claims ${vertex ? `${vertex.count} vertices` : 'more data'} but the file holds only ${available} bytes of data (at least ${minBytes} needed).`,
      {
        claimed: Object.fromEntries(header.elements.map((e) => [e.name, e.count])),
        dataBytes: available,
        minimumBytes: minBytes,
      },
    );
  }
}

interface VertexMap {
  x: number;
  y: number;
  z: number;
  r: number;
  g: number;
  b: number;
  nx: number;
  ny: number;
  nz: number;
  intensity: number;
  classification: number;
}

function mapVertex(el: PlyElement): VertexMap {
  const idx = (...names: string[]): number =>
    el.properties.findIndex((p) => !p.listCount && names.includes(p.name.toLowerCase()));
  return {
    x: idx('x'),
    y: idx('y'),
    z: idx('z'),
    r: idx('red', 'r', 'diffuse_red'),
    g: idx('green', 'g', 'diffuse_green'),
    b: idx('blue', 'b', 'diffuse_blue'),
    nx: idx('nx', 'normal_x'),
    ny: idx('ny', 'normal_y'),
    nz: idx('nz', 'normal_z'),
    intensity: idx('intensity', 'scalar_intensity', 'reflectance', 'scalar_reflectance'),
    classification: idx('classification', 'class', 'scalar_classification'),
  };
}

/** Scales a colour/intensity value of any PLY type to 16 bits. Floats are taken as 0–1. */
function to16(value: number, type: PlyType): number {
  const v =
    type === 'uint8' || type === 'int8'
      ? value * 257
      : type === 'float32' || type === 'float64'
        ? value * 65535
        : value;
  return v < 0 ? 0 : v > 65535 ? 65535 : Math.round(v);
}

class ChunkBuilder {
  positions: Float64Array;
  rgb?: Uint16Array;
  intensity?: Uint16Array;
  classification?: Uint8Array;
  normals?: Float32Array;
  n = 0;
  constructor(
    readonly capacity: number,
    readonly map: VertexMap,
  ) {
    this.positions = new Float64Array(capacity * 3);
    if (map.r >= 0 && map.g >= 0 && map.b >= 0) this.rgb = new Uint16Array(capacity * 3);
    if (map.intensity >= 0) this.intensity = new Uint16Array(capacity);
    if (map.classification >= 0) this.classification = new Uint8Array(capacity);
    if (map.nx >= 0 && map.ny >= 0 && map.nz >= 0) this.normals = new Float32Array(capacity * 3);
  }
  push(values: ArrayLike<number>, types: PlyType[]): void {
    const m = this.map;
    const i = this.n++;
    this.positions[i * 3] = values[m.x]!;
    this.positions[i * 3 + 1] = values[m.y]!;
    this.positions[i * 3 + 2] = values[m.z]!;
    if (this.rgb) {
      this.rgb[i * 3] = to16(values[m.r]!, types[m.r]!);
      this.rgb[i * 3 + 1] = to16(values[m.g]!, types[m.g]!);
      this.rgb[i * 3 + 2] = to16(values[m.b]!, types[m.b]!);
    }
    if (this.intensity) this.intensity[i] = to16(values[m.intensity]!, types[m.intensity]!);
    if (this.classification) this.classification[i] = values[m.classification]! & 0xff;
    if (this.normals) {
      this.normals[i * 3] = values[m.nx]!;
      this.normals[i * 3 + 1] = values[m.ny]!;
      this.normals[i * 3 + 2] = values[m.nz]!;
    }
  }
  take(): PointChunk {
    const n = this.n;
    const out: PointChunk = {
      kind: 'points',
      count: n,
      positions: this.positions.subarray(0, n * 3),
      ...(this.rgb ? { rgb: this.rgb.subarray(0, n * 3) } : {}),
      ...(this.intensity ? { intensity: this.intensity.subarray(0, n) } : {}),
      ...(this.classification ? { classification: this.classification.subarray(0, n) } : {}),
      ...(this.normals ? { normals: this.normals.subarray(0, n * 3) } : {}),
    };
    return out;
  }
}

function readValue(view: DataView, at: number, type: PlyType, le: boolean): number {
  switch (type) {
    case 'int8':
      return view.getInt8(at);
    case 'uint8':
      return view.getUint8(at);
    case 'int16':
      return view.getInt16(at, le);
    case 'uint16':
      return view.getUint16(at, le);
    case 'int32':
      return view.getInt32(at, le);
    case 'uint32':
      return view.getUint32(at, le);
    case 'float32':
      return view.getFloat32(at, le);
    case 'float64':
      return view.getFloat64(at, le);
  }
}

async function* readPly(path: string, options: SceneReadOptions): AsyncGenerator<SceneChunk> {
  const file = await InputFile.open(path);
  try {
    const header = await readPlyHeader(file);
    const vertexEl = header.elements.find((e) => e.name === 'vertex');
    if (!vertexEl) throw corrupt(path, 'The PLY file has no vertex element.');
    const map = mapVertex(vertexEl);
    if (map.x < 0 || map.y < 0 || map.z < 0) throw corrupt(path, 'PLY vertices have no x, y, z properties.');
    const faceEl = header.elements.find((e) => e.name === 'face');
    const isMesh = !!faceEl && faceEl.count > 0;
    if (isMesh && vertexEl.count > MAX_MESH_VERTICES) {
      throw new VestigeError(
        'E_INPUT_TOO_LARGE',
        `The PLY mesh has ${vertexEl.count} vertices; meshes are read up to ${MAX_MESH_VERTICES}.`,
        {
          file: path,
          hint: 'Sample the mesh to a point cloud (CloudCompare: Sample points on a mesh) and import that.',
        },
      );
    }
    const per = isMesh ? Math.max(1, vertexEl.count) : (options.chunkPoints ?? DEFAULT_CHUNK_POINTS);
    const le = header.format === 'binary_little_endian';
    const ascii = header.format === 'ascii';
    const lines = ascii ? readLines(path, header.dataOffset)[Symbol.asyncIterator]() : undefined;
    const reader = ascii ? undefined : new ByteReader(file, header.dataOffset);
    let fields: string[] = [];
    let fieldAt = 0;
    const nextAscii = async (): Promise<number> => {
      while (fieldAt >= fields.length) {
        const r = await lines!.next();
        if (r.done) throw corrupt(path, 'The PLY file ends before all the elements its header declares.');
        fields = splitFields(r.value);
        fieldAt = 0;
      }
      const v = Number(fields[fieldAt++]);
      if (Number.isNaN(v)) throw corrupt(path, `A PLY value is not a number: '${fields[fieldAt - 1]}'.`);
      return v;
    };
    const meshVertices: PointChunk[] = [];
    let indices: number[] | undefined;
    for (const el of header.elements) {
      const types = el.properties.map((p) => p.type);
      const fixed = !ascii && el.properties.every((p) => !p.listCount);
      const stride = fixed ? el.properties.reduce((n, p) => n + TYPE_SIZE[p.type], 0) : 0;
      const offsets: number[] = [];
      if (fixed) el.properties.reduce((at, p) => (offsets.push(at), at + TYPE_SIZE[p.type]), 0);
      const values = new Float64Array(el.properties.length);
      const isVertex = el === vertexEl;
      const isFace = el === faceEl;
      if (isFace) indices = [];
      let builder = isVertex ? new ChunkBuilder(Math.min(per, Math.max(1, el.count)), map) : undefined;
      if (fixed) {
        // Fixed-size records: read many at once.
        const batch = Math.max(1, Math.floor((1 << 22) / Math.max(1, stride)));
        for (let done = 0; done < el.count; ) {
          const n = Math.min(batch, el.count - done);
          const view = await reader!.take(n * stride, `PLY ${el.name} records`);
          if (!isVertex) {
            done += n;
            continue;
          }
          for (let i = 0; i < n; i++) {
            for (let k = 0; k < values.length; k++)
              values[k] = readValue(view, i * stride + offsets[k]!, types[k]!, le);
            builder!.push(values, types);
            if (builder!.n === builder!.capacity && !isMesh) {
              yield builder!.take();
              builder = new ChunkBuilder(Math.min(per, el.count - done - i - 1 || 1), map);
            }
          }
          done += n;
          options.signal?.throwIfAborted();
        }
      } else {
        for (let r = 0; r < el.count; r++) {
          for (let k = 0; k < el.properties.length; k++) {
            const p = el.properties[k]!;
            if (p.listCount) {
              const len = ascii
                ? await nextAscii()
                : readValue(await reader!.take(TYPE_SIZE[p.listCount], 'PLY list'), 0, p.listCount, le);
              if (!Number.isInteger(len) || len < 0 || len > 1_000_000)
                throw corrupt(path, `A PLY list has an impossible length ${len}.`);
              const items: number[] = [];
              if (ascii) for (let j = 0; j < len; j++) items.push(await nextAscii());
              else {
                const view = await reader!.take(len * TYPE_SIZE[p.type], 'PLY list');
                for (let j = 0; j < len; j++) items.push(readValue(view, j * TYPE_SIZE[p.type], p.type, le));
              }
              if (isFace && (p.name === 'vertex_indices' || p.name === 'vertex_index')) {
                for (let j = 1; j + 1 < items.length; j++) indices!.push(items[0]!, items[j]!, items[j + 1]!); // fan
              }
              values[k] = 0;
            } else {
              values[k] = ascii
                ? await nextAscii()
                : readValue(await reader!.take(TYPE_SIZE[p.type], 'PLY value'), 0, p.type, le);
            }
          }
          if (isVertex) {
            builder!.push(values, types);
            if (builder!.n === builder!.capacity && !isMesh) {
              yield builder!.take();
              builder = new ChunkBuilder(Math.min(per, el.count - r - 1 || 1), map);
            }
          }
        }
      }
      if (isVertex && builder && builder.n > 0) {
        if (isMesh) meshVertices.push(builder.take());
        else yield builder.take();
      }
    }
    if (isMesh) {
      const v = meshVertices[0] ?? { positions: new Float64Array(0), count: 0 };
      const idx = Uint32Array.from(indices ?? []);
      for (let i = 0; i < idx.length; i++)
        if (idx[i]! >= v.count)
          throw corrupt(path, `A PLY face refers to vertex ${idx[i]}, but there are only ${v.count}.`);
      const mesh: MeshChunk = {
        kind: 'mesh',
        name: path.split('/').pop() ?? 'mesh',
        positions: v.positions,
        indices: idx,
        ...((v as PointChunk).normals ? { normals: (v as PointChunk).normals! } : {}),
        ...((v as PointChunk).rgb ? { colors: Float32Array.from((v as PointChunk).rgb!, (c) => c / 65535) } : {}),
      };
      yield mesh;
    }
    const extra = ascii ? await countRemainingLines(lines!, fields.length - fieldAt) : undefined;
    warnIfMoreThanDeclared(path, header, options, extra, reader ? file.size - reader.position : 0);
    if (lines) await lines.return?.(undefined);
  } finally {
    await file.close();
  }
}

/** Non-empty lines after the declared elements (plus values left on the last line read). */
async function countRemainingLines(lines: AsyncIterator<string>, leftOnLine: number): Promise<number> {
  let n = leftOnLine > 0 ? 1 : 0;
  for (let r = await lines.next(); !r.done; r = await lines.next()) if (r.value.trim() !== '') n++;
  return n;
}

/**
 * A file that holds more than its header declares is read as declared, and the difference is told
 * (with counts), never silently dropped: the extra records may be the evidence.
 */
function warnIfMoreThanDeclared(
  path: string,
  header: PlyHeader,
  options: SceneReadOptions,
  extraLines: number | undefined,
  extraBytes: number,
): void {
  const last = header.elements.at(-1);
  if (!last || (extraLines ?? extraBytes) <= 0) return;
  const stride = last.properties.every((p) => !p.listCount)
    ? last.properties.reduce((n, p) => n + TYPE_SIZE[p.type], 0)
    : 0;
  const records = extraLines ?? (stride > 0 ? Math.floor(extraBytes / stride) : undefined);
  const declared = Object.fromEntries(header.elements.map((e) => [e.name, e.count]));
  options.onWarning?.({
    code: 'E_INPUT_CORRUPT',
    file: path,
    message: `The PLY header declares ${last.count} ${last.name} records, but the file holds ${records !== undefined ? `${records} more record(s)` : `${extraBytes} more bytes`} after them; only the ${last.count} declared were read.`,
    details: { declared, extraRecords: records ?? null, extraBytes: extraLines === undefined ? extraBytes : null },
  });
}

export const plyFormat: SceneFormat = {
  id: 'ply',
  title: 'Stanford PLY',
  extensions: ['.ply'],
  sniff(head) {
    return (
      head.length >= 4 &&
      head[0] === 0x70 &&
      head[1] === 0x6c &&
      head[2] === 0x79 &&
      (head[3] === 0x0a || head[3] === 0x0d)
    );
  },
  header(path) {
    return withInputFile(path, async (file): Promise<SceneHeader> => {
      const h = await readPlyHeader(file);
      const v = h.elements.find((e) => e.name === 'vertex');
      const m = v ? mapVertex(v) : undefined;
      const faces = h.elements.find((e) => e.name === 'face')?.count ?? 0;
      return {
        format: 'ply',
        ...(faces > 0 ? { meshes: 1 } : { points: v?.count ?? 0 }),
        attributes: {
          rgb: !!m && m.r >= 0 && m.g >= 0 && m.b >= 0,
          intensity: !!m && m.intensity >= 0,
          classification: !!m && m.classification >= 0,
          normals: !!m && m.nx >= 0,
        },
        details: {
          encoding: h.format,
          elements: Object.fromEntries(h.elements.map((e) => [e.name, e.count])),
          comments: h.comments,
        },
      };
    });
  },
  read(path, options = {}) {
    return readPly(path, options);
  },
};
