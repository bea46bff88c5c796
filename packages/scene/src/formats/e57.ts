/**
 * ASTM E57 (E2807) reader, streaming, written for Vestige.
 *
 * Layout: a 48-byte header, then 1024-byte pages whose last 4 bytes are a CRC-32C of the other 1020
 * (big endian). Offsets in the file are physical; the XML section and binary sections are addressed in
 * logical bytes (page payloads joined). Each scan (`data3D/vectorChild`) has a CompressedVector of
 * points: a section header, then data packets; each packet carries one byte stream per prototype field,
 * and each stream bit-packs its field's values least-significant bit first — floats as IEEE bytes,
 * integers as (value − minimum) in ⌈log2(max − min + 1)⌉ bits, scaled integers the same then × scale +
 * offset. Records are rebuilt across packets, so memory holds one window of pages and the bits not yet
 * used — never a whole scan.
 *
 * Every page read is checked against its CRC: a mismatch is `E_INPUT_CORRUPT`, never silently used.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { VestigeError } from '@vestige/evidence';
import { InputFile, corrupt, withInputFile } from '../io/input-file.ts';
import { crc32c } from '../io/crc32c.ts';
import { matrixFromQuaternion } from '../core/rotation.ts';
import type { PointChunk, SceneChunk, ViewpointChunk } from '../points.ts';
import type { ScanPhoto, ScanPhotoImage } from '../photos.ts';
import { DEFAULT_CHUNK_POINTS, type SceneFormat, type SceneHeader, type SceneReadOptions } from './format.ts';
import { attr, child, num, poseOf, text, vectorChildren, type XmlNode } from './e57-xml.ts';
import { e57Images, type E57BlobRef, type E57Image } from './e57-images.ts';

const PAGE = 1024;
const PAYLOAD = 1020;
const WINDOW_PAGES = 256;

/** Reads logical bytes, page by page, each page's checksum verified. */
class E57Pages {
  private windowFirstPage = -1;
  private window: Buffer = Buffer.alloc(0);
  constructor(private readonly file: InputFile) {}

  static physicalToLogical(p: number): number {
    return Math.floor(p / PAGE) * PAYLOAD + (p % PAGE);
  }

  private async loadPages(first: number, count: number): Promise<Buffer> {
    const lastPage = Math.floor((this.file.size - 1) / PAGE);
    count = Math.min(count, lastPage - first + 1);
    if (count <= 0) throw corrupt(this.file.path, 'The E57 file ends before a section it refers to.');
    const raw = await this.file.read(first * PAGE, count * PAGE, 'E57 pages');
    const out = Buffer.allocUnsafe(count * PAYLOAD);
    for (let k = 0; k < count; k++) {
      const at = k * PAGE;
      const expected = raw.readUInt32BE(at + PAYLOAD);
      const actual = crc32c(raw, at, at + PAYLOAD);
      if (expected !== actual) {
        throw new VestigeError(
          'E_INPUT_CORRUPT',
          `E57 page ${first + k} fails its checksum (stored ${expected.toString(16)}, computed ${actual.toString(16)}): the file is damaged.`,
          {
            file: this.file.path,
            hint: 'Copy the scan again from the scanner or archive and compare its hash; a damaged E57 cannot be trusted for measurement.',
            details: { page: first + k, physicalOffset: (first + k) * PAGE },
          },
        );
      }
      raw.copy(out, k * PAYLOAD, at, at + PAYLOAD);
    }
    return out;
  }

  async read(logical: number, length: number): Promise<Buffer> {
    const firstPage = Math.floor(logical / PAYLOAD);
    const lastPage = Math.floor((logical + Math.max(length, 1) - 1) / PAYLOAD);
    const inWindow =
      this.windowFirstPage >= 0 &&
      firstPage >= this.windowFirstPage &&
      (lastPage - this.windowFirstPage + 1) * PAYLOAD <= this.window.length;
    if (!inWindow) {
      this.window = await this.loadPages(firstPage, Math.max(WINDOW_PAGES, lastPage - firstPage + 1));
      this.windowFirstPage = firstPage;
    }
    const from = logical - this.windowFirstPage * PAYLOAD;
    if (from + length > this.window.length) throw corrupt(this.file.path, 'The E57 file ends inside a binary section.');
    return this.window.subarray(from, from + length);
  }
}

interface FieldCodec {
  name: string;
  kind: 'float32' | 'float64' | 'integer';
  /** Bits per value for integers. */
  bits: number;
  minimum: number;
  scale: number;
  offset: number;
  /** Declared range, for colour and intensity scaling. */
  declaredMin: number;
  declaredMax: number;
}

interface E57Scan {
  index: number;
  name: string;
  guid: string;
  recordCount: number;
  fileOffset: number;
  fields: FieldCodec[];
  rotation: [number, number, number, number] | undefined; // w, x, y, z
  translation: [number, number, number];
  colorLimits: { min: [number, number, number]; max: [number, number, number] } | undefined;
  intensityLimits: { min: number; max: number } | undefined;
  bounds: { min: [number, number, number]; max: [number, number, number] } | undefined;
}

interface E57Document {
  version: string;
  guid: string;
  scans: E57Scan[];
  images: E57Image[];
  coordinateMetadata?: string;
}

function leafFields(node: XmlNode, out: FieldCodec[], path: string, file: string): void {
  for (const [name, value] of Object.entries(node)) {
    if (name === '@' || name === '#text') continue;
    const type = attr(value, 'type');
    const full = path ? `${path}/${name}` : name;
    if (type === 'Structure') {
      leafFields(value as XmlNode, out, full, file);
      continue;
    }
    const minimum = Number(attr(value, 'minimum') ?? 'NaN');
    const maximum = Number(attr(value, 'maximum') ?? 'NaN');
    if (type === 'Float') {
      const single = attr(value, 'precision') === 'single';
      out.push({
        name: full,
        kind: single ? 'float32' : 'float64',
        bits: single ? 32 : 64,
        minimum: 0,
        scale: 1,
        offset: 0,
        declaredMin: minimum,
        declaredMax: maximum,
      });
    } else if (type === 'Integer' || type === 'ScaledInteger') {
      const min = Number.isFinite(minimum) ? minimum : -(2 ** 63);
      const max = Number.isFinite(maximum) ? maximum : 2 ** 63 - 1;
      if (max < min) throw corrupt(file, `E57 field ${full} has maximum below minimum.`);
      const range = max - min;
      const bits = range === 0 ? 0 : Math.ceil(Math.log2(range + 1));
      out.push({
        name: full,
        kind: 'integer',
        bits: Math.min(64, bits),
        minimum: min,
        scale: type === 'ScaledInteger' ? Number(attr(value, 'scale') ?? '1') : 1,
        offset: type === 'ScaledInteger' ? Number(attr(value, 'offset') ?? '0') : 0,
        declaredMin: min,
        declaredMax: max,
      });
    } else {
      throw new VestigeError(
        'E_INPUT_UNSUPPORTED',
        `E57 point field ${full} has type ${type}, which point records cannot hold.`,
        { file },
      );
    }
  }
}

async function readE57Document(file: InputFile): Promise<{ doc: E57Document; pages: E57Pages }> {
  if (file.size < 48) throw corrupt(file.path, 'The file is too short to be E57.');
  const head = await file.read(0, 48, 'E57 header');
  if (head.toString('latin1', 0, 8) !== 'ASTM-E57')
    throw corrupt(file.path, 'This is not an E57 file (no ASTM-E57 signature).');
  const major = head.readUInt32LE(8);
  const minor = head.readUInt32LE(12);
  const physicalLength = Number(head.readBigUInt64LE(16));
  const xmlOffset = Number(head.readBigUInt64LE(24));
  const xmlLength = Number(head.readBigUInt64LE(32));
  const pageSize = Number(head.readBigUInt64LE(40));
  if (pageSize !== PAGE)
    throw new VestigeError(
      'E_INPUT_UNSUPPORTED',
      `E57 page size ${pageSize} is not supported (1024 is the standard).`,
      { file: file.path },
    );
  if (physicalLength !== file.size) {
    throw corrupt(
      file.path,
      `The E57 header says the file is ${physicalLength} bytes; it is ${file.size}.`,
      { declared: physicalLength, actual: file.size },
      'The file is truncated or was altered. Copy it again from the original.',
    );
  }
  if (major !== 1)
    throw new VestigeError('E_INPUT_UNSUPPORTED', `E57 version ${major}.${minor} is not supported (1.x is).`, {
      file: file.path,
    });
  const pages = new E57Pages(file);
  if (xmlLength > 64 * 2 ** 20)
    throw corrupt(file.path, `The E57 XML section claims ${xmlLength} bytes, more than any real file needs.`);
  const xmlBytes = await pages.read(E57Pages.physicalToLogical(xmlOffset), xmlLength);
  // fast-xml-parser refuses an element named `prototype` (prototype-pollution guard), and E57 uses exactly
  // that name for a CompressedVector's record layout: rename it before parsing.
  const xml = xmlBytes.toString('utf8').replace(/<(\/?)prototype(?=[\s>/])/g, '<$1e57prototype');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new VestigeError(
      'E_INPUT_CORRUPT',
      `The E57 XML section is not well-formed: ${valid.err.msg} (line ${valid.err.line}).`,
      {
        file: file.path,
        hint: 'The file is damaged or was written by a faulty exporter. Export it again from the scanner software.',
        details: { line: valid.err.line, code: valid.err.code },
      },
    );
  }
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    attributesGroupName: '@',
    parseTagValue: false,
    parseAttributeValue: false,
    textNodeName: '#text',
    isArray: (name) => name === 'vectorChild',
  });
  const root = (parser.parse(xml) as Record<string, XmlNode>)['e57Root'];
  if (!root) throw corrupt(file.path, 'The E57 XML has no e57Root element.');
  const scans: E57Scan[] = [];
  vectorChildren(child(root, 'data3D')).forEach((scan, index) => {
    const points = child(scan, 'points');
    if (!points || attr(points, 'type') !== 'CompressedVector')
      throw corrupt(file.path, `E57 scan ${index} has no points CompressedVector.`);
    const fields: FieldCodec[] = [];
    leafFields(child(points, 'e57prototype') ?? {}, fields, '', file.path);
    const cl = child(scan, 'colorLimits');
    const il = child(scan, 'intensityLimits');
    const cb = child(scan, 'cartesianBounds');
    const { rotation, translation } = poseOf(scan);
    scans.push({
      index,
      name: text(child(scan, 'name')) ?? `scan ${index}`,
      guid: text(child(scan, 'guid')) ?? '',
      recordCount: Number(attr(points, 'recordCount') ?? '0'),
      fileOffset: Number(attr(points, 'fileOffset') ?? '0'),
      fields,
      rotation,
      translation,
      colorLimits: cl
        ? {
            min: [
              num(child(cl, 'colorRedMinimum')),
              num(child(cl, 'colorGreenMinimum')),
              num(child(cl, 'colorBlueMinimum')),
            ],
            max: [
              num(child(cl, 'colorRedMaximum'), 255),
              num(child(cl, 'colorGreenMaximum'), 255),
              num(child(cl, 'colorBlueMaximum'), 255),
            ],
          }
        : undefined,
      intensityLimits: il
        ? { min: num(child(il, 'intensityMinimum')), max: num(child(il, 'intensityMaximum'), 1) }
        : undefined,
      bounds: cb
        ? {
            min: [num(child(cb, 'xMinimum')), num(child(cb, 'yMinimum')), num(child(cb, 'zMinimum'))],
            max: [num(child(cb, 'xMaximum')), num(child(cb, 'yMaximum')), num(child(cb, 'zMaximum'))],
          }
        : undefined,
    });
  });
  const images = e57Images(root, file.path);
  const coordinateMetadata = text(child(root, 'coordinateMetadata'));
  return {
    doc: {
      version: `${major}.${minor}`,
      guid: text(child(root, 'guid')) ?? '',
      scans,
      images,
      ...(coordinateMetadata ? { coordinateMetadata } : {}),
    },
    pages,
  };
}

// ---- bit unpacking ---------------------------------------------------------------------------------

/** One field's byte stream, rebuilt across packets, read LSB first. */
class FieldStream {
  private bytes: Uint8Array = new Uint8Array(0);
  private bitPos = 0;
  constructor(readonly codec: FieldCodec) {}

  append(data: Uint8Array): void {
    const used = this.bitPos >>> 3;
    const rest = this.bytes.subarray(used);
    const next = new Uint8Array(rest.length + data.length);
    next.set(rest, 0);
    next.set(data, rest.length);
    this.bytes = next;
    this.bitPos &= 7;
  }

  available(): number {
    if (this.codec.bits === 0) return Infinity;
    return Math.floor((this.bytes.length * 8 - this.bitPos) / this.codec.bits);
  }

  /** Decodes `n` values into `out`. */
  take(n: number, out: Float64Array): void {
    const c = this.codec;
    if (c.bits === 0) {
      out.fill(c.minimum * c.scale + c.offset, 0, n);
      return;
    }
    const b = this.bytes;
    if (c.kind === 'float32' || c.kind === 'float64') {
      const size = c.bits >>> 3;
      const view = new DataView(b.buffer, b.byteOffset + (this.bitPos >>> 3), n * size);
      if (size === 4) for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
      else for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true);
      this.bitPos += n * c.bits;
      return;
    }
    const bits = c.bits;
    const scaled = c.scale !== 1 || c.offset !== 0;
    let pos = this.bitPos;
    if (bits <= 45) {
      const mod = 2 ** bits;
      for (let i = 0; i < n; i++) {
        const byte = pos >>> 3;
        const shift = pos & 7;
        const need = (shift + bits + 7) >>> 3;
        let v = 0;
        let mul = 1;
        for (let k = 0; k < need; k++) {
          v += b[byte + k]! * mul;
          mul *= 256;
        }
        const raw = Math.floor(v / (1 << shift)) % mod;
        const value = raw + c.minimum;
        out[i] = scaled ? value * c.scale + c.offset : value;
        pos += bits;
      }
    } else {
      const mask = (1n << BigInt(bits)) - 1n;
      for (let i = 0; i < n; i++) {
        const byte = Math.floor(pos / 8);
        const shift = BigInt(pos % 8);
        const need = Math.ceil((Number(shift) + bits) / 8);
        let v = 0n;
        for (let k = need - 1; k >= 0; k--) v = (v << 8n) | BigInt(b[byte + k]!);
        const raw = Number((v >> shift) & mask);
        const value = raw + c.minimum;
        out[i] = scaled ? value * c.scale + c.offset : value;
        pos += bits;
      }
    }
    this.bitPos = pos;
  }
}

/** Where a scan's fields sit in its prototype (-1: absent), and how its colours and intensities map to 16 bits. */
function scanLayout(file: InputFile, scan: E57Scan) {
  const f = (name: string): number => scan.fields.findIndex((x) => x.name === name);
  const ix = {
    x: f('cartesianX'),
    y: f('cartesianY'),
    z: f('cartesianZ'),
    r: f('sphericalRange'),
    az: f('sphericalAzimuth'),
    el: f('sphericalElevation'),
    cinv: f('cartesianInvalidState'),
    sinv: f('sphericalInvalidState'),
    red: f('colorRed'),
    green: f('colorGreen'),
    blue: f('colorBlue'),
    intensity: f('intensity'),
    cls: f('classification'),
  };
  const cartesian = ix.x >= 0 && ix.y >= 0 && ix.z >= 0;
  const spherical = !cartesian && ix.r >= 0 && ix.az >= 0 && ix.el >= 0;
  if (!cartesian && !spherical)
    throw new VestigeError(
      'E_INPUT_UNSUPPORTED',
      `E57 scan '${scan.name}' has neither cartesian nor spherical coordinates.`,
      { file: file.path },
    );
  const hasRgb = ix.red >= 0 && ix.green >= 0 && ix.blue >= 0;
  const hasIntensity = ix.intensity >= 0;
  const colorMin = [0, 1, 2].map(
    (k) => scan.colorLimits?.min[k] ?? scan.fields[[ix.red, ix.green, ix.blue][k]!]?.declaredMin ?? 0,
  );
  const colorMax = [0, 1, 2].map(
    (k) => scan.colorLimits?.max[k] ?? scan.fields[[ix.red, ix.green, ix.blue][k]!]?.declaredMax ?? 255,
  );
  const iMin = scan.intensityLimits?.min ?? (hasIntensity ? scan.fields[ix.intensity]!.declaredMin : 0);
  const iMax = scan.intensityLimits?.max ?? (hasIntensity ? scan.fields[ix.intensity]!.declaredMax : 1);
  const iMinF = Number.isFinite(iMin) ? iMin : 0;
  const iSpan = Number.isFinite(iMax) && iMax > iMinF ? iMax - iMinF : 1;
  return { ix, cartesian, hasRgb, hasIntensity, colorMin, colorMax, iMinF, iSpan };
}

/**
 * A scan's CompressedVector section, from its header: where the first data packet starts and where the section ends
 * (logical offsets).
 */
async function sectionExtent(
  file: InputFile,
  pages: E57Pages,
  scan: E57Scan,
): Promise<{ dataStart: number; sectionEnd: number }> {
  const sectionLogical = E57Pages.physicalToLogical(scan.fileOffset);
  const sh = await pages.read(sectionLogical, 32);
  if (sh[0] !== 1)
    throw corrupt(
      file.path,
      `E57 scan '${scan.name}': the section at ${scan.fileOffset} is not a CompressedVector section.`,
    );
  const sectionLength = Number(sh.readBigUInt64LE(8));
  const dataPhysical = Number(sh.readBigUInt64LE(16));
  return { dataStart: E57Pages.physicalToLogical(dataPhysical), sectionEnd: sectionLogical + sectionLength };
}

/** Appends the `count` byte streams of the data packet at `at` (one per prototype field) to the fields' streams. */
async function appendDataPacket(
  file: InputFile,
  pages: E57Pages,
  packetAt: { at: number; length: number; count: number },
  streams: FieldStream[],
): Promise<void> {
  const { at, length, count } = packetAt;
  if (count !== streams.length)
    throw corrupt(file.path, `E57 data packet has ${count} byte streams, the prototype ${streams.length} fields.`);
  const packet = Buffer.from(await pages.read(at, length));
  let p = 6 + 2 * count;
  for (let s = 0; s < count; s++) {
    const len = packet.readUInt16LE(6 + 2 * s);
    if (p + len > packet.length) throw corrupt(file.path, 'An E57 data packet is shorter than its byte streams.');
    streams[s]!.append(packet.subarray(p, p + len));
    p += len;
  }
}

async function* readScan(
  file: InputFile,
  pages: E57Pages,
  scan: E57Scan,
  per: number,
  signal?: AbortSignal,
): AsyncGenerator<PointChunk> {
  if (scan.recordCount === 0) return;
  const { ix, cartesian, hasRgb, hasIntensity, colorMin, colorMax, iMinF, iSpan } = scanLayout(file, scan);
  const R = scan.rotation ? matrixFromQuaternion(scan.rotation) : undefined;
  const [tx, ty, tz] = scan.translation;
  const { dataStart, sectionEnd } = await sectionExtent(file, pages, scan);
  let at = dataStart;

  const streams = scan.fields.map((c) => new FieldStream(c));
  const columns = scan.fields.map(() => new Float64Array(0));
  let decoded = 0;
  let chunk = newChunk(per, hasRgb, hasIntensity, ix.cls >= 0);
  let skipped = 0;
  while (decoded < scan.recordCount) {
    signal?.throwIfAborted();
    if (at + 6 > sectionEnd)
      throw corrupt(file.path, `E57 scan '${scan.name}' ends after ${decoded} of ${scan.recordCount} points.`, {
        decoded,
        recordCount: scan.recordCount,
      });
    const ph = await pages.read(at, 6);
    const type = ph[0]!;
    const length = ph.readUInt16LE(2) + 1;
    if (type === 1) {
      await appendDataPacket(file, pages, { at, length, count: ph.readUInt16LE(4) }, streams);
      let n = Math.min(scan.recordCount - decoded, ...streams.map((s) => s.available()));
      while (n > 0) {
        const take = Math.min(n, per - chunk.n);
        for (let s = 0; s < streams.length; s++) {
          if (columns[s]!.length < take) columns[s] = new Float64Array(Math.max(take, per));
          streams[s]!.take(take, columns[s]!);
        }
        for (let i = 0; i < take; i++) {
          let x: number, y: number, z: number;
          if (cartesian) {
            if (ix.cinv >= 0 && columns[ix.cinv]![i] !== 0) {
              skipped++;
              continue;
            }
            x = columns[ix.x]![i]!;
            y = columns[ix.y]![i]!;
            z = columns[ix.z]![i]!;
          } else {
            if (ix.sinv >= 0 && columns[ix.sinv]![i] !== 0) {
              skipped++;
              continue;
            }
            const r = columns[ix.r]![i]!,
              az = columns[ix.az]![i]!,
              el = columns[ix.el]![i]!;
            const ce = Math.cos(el);
            x = r * ce * Math.cos(az);
            y = r * ce * Math.sin(az);
            z = r * Math.sin(el);
          }
          if (R) {
            const px = R[0]! * x + R[1]! * y + R[2]! * z + tx;
            const py = R[3]! * x + R[4]! * y + R[5]! * z + ty;
            const pz = R[6]! * x + R[7]! * y + R[8]! * z + tz;
            x = px;
            y = py;
            z = pz;
          } else {
            x += tx;
            y += ty;
            z += tz;
          }
          const j = chunk.n++;
          chunk.positions[j * 3] = x;
          chunk.positions[j * 3 + 1] = y;
          chunk.positions[j * 3 + 2] = z;
          if (chunk.rgb) {
            const cols = [ix.red, ix.green, ix.blue];
            for (let k = 0; k < 3; k++) {
              const span = colorMax[k]! - colorMin[k]! || 1;
              const v = ((columns[cols[k]!]![i]! - colorMin[k]!) / span) * 65535;
              chunk.rgb[j * 3 + k] = v < 0 ? 0 : v > 65535 ? 65535 : Math.round(v);
            }
          }
          if (chunk.intensity) {
            const v = ((columns[ix.intensity]![i]! - iMinF) / iSpan) * 65535;
            chunk.intensity[j] = v < 0 ? 0 : v > 65535 ? 65535 : Math.round(v);
          }
          if (chunk.classification) chunk.classification[j] = columns[ix.cls]![i]! & 0xff;
        }
        decoded += take;
        n -= take;
        if (chunk.n >= per) {
          yield finish(chunk);
          chunk = newChunk(per, hasRgb, hasIntensity, ix.cls >= 0);
        }
      }
    } else if (type !== 0 && type !== 2) {
      throw corrupt(file.path, `Unknown E57 packet type ${type} in scan '${scan.name}'.`);
    }
    at += length;
  }
  if (chunk.n > 0) yield finish(chunk);
  void skipped;
}

interface MutableChunk {
  n: number;
  positions: Float64Array;
  rgb?: Uint16Array;
  intensity?: Uint16Array;
  classification?: Uint8Array;
}
function newChunk(per: number, rgb: boolean, intensity: boolean, cls: boolean): MutableChunk {
  return {
    n: 0,
    positions: new Float64Array(per * 3),
    ...(rgb ? { rgb: new Uint16Array(per * 3) } : {}),
    ...(intensity ? { intensity: new Uint16Array(per) } : {}),
    ...(cls ? { classification: new Uint8Array(per) } : {}),
  };
}
function finish(c: MutableChunk): PointChunk {
  return {
    kind: 'points',
    count: c.n,
    positions: c.positions.subarray(0, c.n * 3),
    ...(c.rgb ? { rgb: c.rgb.subarray(0, c.n * 3) } : {}),
    ...(c.intensity ? { intensity: c.intensity.subarray(0, c.n) } : {}),
    ...(c.classification ? { classification: c.classification.subarray(0, c.n) } : {}),
  };
}

/** E57 pinhole images become photo viewpoints (camera +Z forward, +Y down, as in E57 and OpenCV). */
function imageViewpoint(image: E57Image): ViewpointChunk | undefined {
  const p = image.projection;
  if (p.kind !== 'pinhole') return undefined;
  const q = image.rotation ?? [1, 0, 0, 0];
  // Rotate the camera frame by 180° about X to get three.js's −Z forward, +Y up.
  const [w, x, y, z] = q;
  // q ⊗ (0, 1, 0, 0) in (w, x, y, z): rotation by π about X.
  const rw = -x,
    rx = w,
    ry = z,
    rz = -y;
  const fx = p.pixelWidth > 0 ? p.focalLength / p.pixelWidth : 0;
  const fy = p.pixelHeight > 0 ? p.focalLength / p.pixelHeight : 0;
  return {
    kind: 'viewpoint',
    id: photoId(image),
    name: image.name,
    position: image.translation,
    quaternion: [rx, ry, rz, rw],
    intrinsics: {
      model: 'pinhole',
      width: Math.max(1, p.width),
      height: Math.max(1, p.height),
      fx,
      fy,
      cx: p.principalPointX,
      cy: p.principalPointY,
      distortion: [],
    },
    imageName: image.name,
  };
}

/** One rule for viewpoints and photos, so the scene can link them: the guid, else the image's position. */
function photoId(image: E57Image): string {
  return image.guid || `e57-image-${image.index}`;
}

/** A picture's bytes: a blob section (id 0, logical length) holds them after its 16-byte header. */
async function* blobBytes(pages: E57Pages, ref: E57BlobRef, path: string): AsyncGenerator<Uint8Array> {
  const section = E57Pages.physicalToLogical(ref.fileOffset);
  const head = await pages.read(section, 16);
  const sectionLength = Number(head.readBigUInt64LE(8));
  if (head[0] !== 0 || sectionLength < 16 + ref.length) {
    throw corrupt(
      path,
      `The E57 image blob at ${ref.fileOffset} is not a blob section of at least ${ref.length} bytes.`,
      { fileOffset: ref.fileOffset, length: ref.length },
    );
  }
  const window = PAYLOAD * WINDOW_PAGES;
  for (let done = 0; done < ref.length; ) {
    const n = Math.min(window, ref.length - done);
    yield Buffer.from(await pages.read(section + 16 + done, n));
    done += n;
  }
}

function photoImage(path: string, ref: E57BlobRef): ScanPhotoImage {
  return {
    mediaType: ref.mediaType,
    byteLength: ref.length,
    async *bytes() {
      const file = await InputFile.open(path);
      try {
        yield* blobBytes(new E57Pages(file), ref, path);
      } finally {
        await file.close();
      }
    },
  };
}

function scanPhoto(path: string, image: E57Image): ScanPhoto | undefined {
  if (!image.image) return undefined;
  return {
    id: photoId(image),
    name: image.name,
    ...(image.description ? { description: image.description } : {}),
    index: image.index,
    ...(image.rotation
      ? { pose: { rotation: image.rotation, translation: image.translation } }
      : image.translation.some((v) => v !== 0)
        ? { pose: { rotation: [1, 0, 0, 0], translation: image.translation } }
        : {}),
    projection: image.projection,
    ...(image.scanGuid ? { scanGuid: image.scanGuid } : {}),
    image: photoImage(path, image.image),
    ...(image.mask ? { mask: photoImage(path, image.mask) } : {}),
  };
}

export const e57Format: SceneFormat = {
  id: 'e57',
  title: 'ASTM E57',
  extensions: ['.e57'],
  sniff(head) {
    return head.length >= 8 && Buffer.from(head.subarray(0, 8)).toString('latin1') === 'ASTM-E57';
  },
  header(path) {
    return withInputFile(path, async (file): Promise<SceneHeader> => {
      const { doc } = await readE57Document(file);
      const names = new Set(doc.scans.flatMap((s) => s.fields.map((f) => f.name)));
      const boxes = doc.scans.map((s) => s.bounds).filter((b) => b !== undefined);
      return {
        format: 'e57',
        points: doc.scans.reduce((n, s) => n + s.recordCount, 0),
        attributes: {
          rgb: names.has('colorRed'),
          intensity: names.has('intensity'),
          classification: names.has('classification'),
          normals: false,
        },
        viewpoints: doc.images.filter((i) => i.projection.kind === 'pinhole').length,
        ...(doc.coordinateMetadata ? { crs: { wkt: doc.coordinateMetadata } } : {}),
        details: {
          version: doc.version,
          scans: doc.scans.map((s) => ({
            name: s.name,
            points: s.recordCount,
            fields: s.fields.map((f) => f.name),
            posed: !!s.rotation || s.translation.some((v) => v !== 0),
          })),
          images: doc.images.length,
          photos: doc.images.map((i) => ({
            name: i.name,
            projection: i.projection.kind,
            width: i.projection.width,
            height: i.projection.height,
            encoding: i.image?.mediaType ?? 'none',
          })),
          statedBounds: boxes.length,
        },
      };
    });
  },
  async *read(path: string, options: SceneReadOptions = {}): AsyncGenerator<SceneChunk> {
    const file = await InputFile.open(path);
    try {
      const { doc, pages } = await readE57Document(file);
      const per = options.chunkPoints ?? DEFAULT_CHUNK_POINTS;
      for (const scan of doc.scans) yield* readScan(file, pages, scan, per, options.signal);
      for (const image of doc.images) {
        const viewpoint = imageViewpoint(image);
        if (viewpoint) yield viewpoint;
      }
    } finally {
      await file.close();
    }
  },
  async *photos(path: string): AsyncGenerator<ScanPhoto> {
    const { doc } = await withInputFile(path, (file) => readE57Document(file));
    for (const image of doc.images) {
      const photo = scanPhoto(path, image);
      if (photo) yield photo;
    }
  },
};
