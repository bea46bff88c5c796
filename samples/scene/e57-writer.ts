/**
 * A small E57 writer for test data (Vestige reads E57; it does not export it). Writes scans with any mix
 * of Float / Integer / ScaledInteger fields, cartesian or spherical, with poses; values are bit-packed
 * LSB first into one byte stream per field, the streams are cut into data packets at arbitrary byte
 * boundaries (so records straddle packets), and every 1024-byte page carries its CRC-32C. Photos
 * (images2D, any representation) go into blob sections with their JPEG/PNG bytes. Deterministic.
 */
import { writeFileSync } from 'node:fs';

export type E57Field =
  | { name: string; type: 'Float'; precision: 'single' | 'double' }
  | { name: string; type: 'Integer'; minimum: number; maximum: number }
  | { name: string; type: 'ScaledInteger'; minimum: number; maximum: number; scale: number; offset?: number };

/** A photo (E57 images2D child): its picture goes into a blob section; parameters as E57 names them. */
export interface E57ImageSpec {
  name: string;
  guid: string;
  representation:
    | 'pinholeRepresentation'
    | 'sphericalRepresentation'
    | 'cylindricalRepresentation'
    | 'visualReferenceRepresentation';
  encoding: 'jpegImage' | 'pngImage';
  bytes: Uint8Array;
  mask?: Uint8Array;
  width: number;
  height: number;
  /** Float parameters of the representation: focalLength, pixelWidth, pixelHeight, principalPointX/Y, radius. */
  parameters: Record<string, number>;
  pose?: E57ScanSpec['pose'];
  scanGuid?: string;
}

export interface E57ScanSpec {
  name: string;
  fields: E57Field[];
  /** One array of values per field (already in the field's units: raw integers for (Scaled)Integer). */
  columns: number[][];
  pose?: { rotation: [number, number, number, number]; translation: [number, number, number] };
  intensityLimits?: [number, number];
  colorLimits?: [number, number];
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();
function crc32c(b: Uint8Array, start: number, end: number): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const physical = (logical: number): number => Math.floor(logical / 1020) * 1024 + (logical % 1020);

function bitsOf(f: E57Field): number {
  if (f.type === 'Float') return f.precision === 'single' ? 32 : 64;
  const range = f.maximum - f.minimum;
  return range === 0 ? 0 : Math.ceil(Math.log2(range + 1));
}

function packField(f: E57Field, values: number[]): Buffer {
  if (f.type === 'Float') {
    const size = f.precision === 'single' ? 4 : 8;
    const b = Buffer.alloc(values.length * size);
    values.forEach((v, i) => (size === 4 ? b.writeFloatLE(v, i * 4) : b.writeDoubleLE(v, i * 8)));
    return b;
  }
  const bits = bitsOf(f);
  const out = Buffer.alloc(Math.ceil((values.length * bits) / 8));
  let pos = 0;
  for (const v of values) {
    let raw = BigInt(Math.round(v - f.minimum));
    for (let k = 0; k < bits; k++, pos++) {
      if (raw & 1n) out[pos >> 3]! |= 1 << (pos & 7);
      raw >>= 1n;
    }
  }
  return out;
}

function fieldXml(f: E57Field): string {
  if (f.type === 'Float') return `<${f.name} type="Float" precision="${f.precision}"/>`;
  if (f.type === 'Integer') return `<${f.name} type="Integer" minimum="${f.minimum}" maximum="${f.maximum}"/>`;
  return `<${f.name} type="ScaledInteger" minimum="${f.minimum}" maximum="${f.maximum}" scale="${f.scale}" offset="${f.offset ?? 0}"/>`;
}

function poseXml(pose: E57ScanSpec['pose']): string {
  if (!pose) return '';
  const [w, x, y, z] = pose.rotation;
  const [tx, ty, tz] = pose.translation;
  return `<pose type="Structure"><rotation type="Structure"><w type="Float">${w}</w><x type="Float">${x}</x><y type="Float">${y}</y><z type="Float">${z}</z></rotation><translation type="Structure"><x type="Float">${tx}</x><y type="Float">${ty}</y><z type="Float">${tz}</z></translation></pose>`;
}

function imageXml(image: E57ImageSpec, blob: string, mask: string): string {
  const params = Object.entries(image.parameters)
    .map(([k, v]) => `<${k} type="Float">${v}</${k}>`)
    .join('');
  const scan = image.scanGuid
    ? `<associatedData3DGuid type="String"><![CDATA[${image.scanGuid}]]></associatedData3DGuid>`
    : '';
  return `<vectorChild type="Structure"><guid type="String"><![CDATA[${image.guid}]]></guid><name type="String"><![CDATA[${image.name}]]></name>${scan}${poseXml(image.pose)}<${image.representation} type="Structure">${blob}${mask}<imageWidth type="Integer">${image.width}</imageWidth><imageHeight type="Integer">${image.height}</imageHeight>${params}</${image.representation}></vectorChild>`;
}

export function writeE57(
  path: string,
  scans: E57ScanSpec[],
  options: { bytesPerPacketStream?: number; images?: E57ImageSpec[] } = {},
): void {
  const step = options.bytesPerPacketStream ?? 37;
  const logical: Buffer[] = [Buffer.alloc(48)]; // header, filled last
  let at = 48;
  const align = (): number => {
    while (at % 4 !== 0) {
      logical.push(Buffer.alloc(1));
      at++;
    }
    return at;
  };
  /** A blob section (id 0, logical length, then the bytes); returns its Blob element. */
  const blob = (element: string, bytes: Uint8Array): string => {
    const start = align();
    const head = Buffer.alloc(16);
    head.writeBigUInt64LE(BigInt(16 + bytes.length), 8);
    logical.push(head, Buffer.from(bytes));
    at += 16 + bytes.length;
    return `<${element} type="Blob" fileOffset="${physical(start)}" length="${bytes.length}"/>`;
  };
  const offsets: number[] = [];
  for (const scan of scans) {
    const sectionStart = align();
    const streams = scan.fields.map((f, i) => packField(f, scan.columns[i]!));
    const packets: Buffer[] = [];
    const cursor = streams.map(() => 0);
    while (cursor.some((c, i) => c < streams[i]!.length)) {
      const parts = streams.map((s, i) => s.subarray(cursor[i], Math.min(s.length, cursor[i]! + step)));
      parts.forEach((p, i) => (cursor[i]! += p.length));
      const head = Buffer.alloc(6 + 2 * parts.length);
      let len = head.length + parts.reduce((n, p) => n + p.length, 0);
      const pad = (4 - (len % 4)) % 4;
      len += pad;
      head.writeUInt8(1, 0);
      head.writeUInt16LE(len - 1, 2);
      head.writeUInt16LE(parts.length, 4);
      parts.forEach((p, i) => head.writeUInt16LE(p.length, 6 + 2 * i));
      packets.push(Buffer.concat([head, ...parts, Buffer.alloc(pad)]));
    }
    const body = Buffer.concat(packets);
    const sh = Buffer.alloc(32);
    sh.writeUInt8(1, 0);
    sh.writeBigUInt64LE(BigInt(32 + body.length), 8);
    sh.writeBigUInt64LE(BigInt(physical(sectionStart + 32)), 16);
    sh.writeBigUInt64LE(0n, 24);
    logical.push(sh, body);
    offsets.push(physical(sectionStart));
    at += 32 + body.length;
  }
  const scanXml = scans
    .map((s, i) => {
      const count = s.columns[0]?.length ?? 0;
      const pose = poseXml(s.pose);
      const il = s.intensityLimits
        ? `<intensityLimits type="Structure"><intensityMinimum type="Float">${s.intensityLimits[0]}</intensityMinimum><intensityMaximum type="Float">${s.intensityLimits[1]}</intensityMaximum></intensityLimits>`
        : '';
      const cl = s.colorLimits
        ? `<colorLimits type="Structure">${['Red', 'Green', 'Blue'].map((c) => `<color${c}Minimum type="Integer">${s.colorLimits![0]}</color${c}Minimum><color${c}Maximum type="Integer">${s.colorLimits![1]}</color${c}Maximum>`).join('')}</colorLimits>`
        : '';
      return `<vectorChild type="Structure"><guid type="String"><![CDATA[scan-${i}]]></guid><name type="String"><![CDATA[${s.name}]]></name>${pose}${il}${cl}<points type="CompressedVector" fileOffset="${offsets[i]}" recordCount="${count}"><prototype type="Structure">${s.fields.map(fieldXml).join('')}</prototype><codecs type="Vector" allowHeterogeneousChildren="1"></codecs></points></vectorChild>`;
    })
    .join('');
  const imagesXml = (options.images ?? [])
    .map((image) => imageXml(image, blob(image.encoding, image.bytes), image.mask ? blob('imageMask', image.mask) : ''))
    .join('');
  const xml = Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>\n<e57Root type="Structure" xmlns="http://www.astm.org/COMMIT/E57/2010-e57-v1.0"><formatName type="String"><![CDATA[ASTM E57 3D Imaging Data File]]></formatName><guid type="String"><![CDATA[vestige-sample]]></guid><versionMajor type="Integer">1</versionMajor><versionMinor type="Integer"/><data3D type="Vector" allowHeterogeneousChildren="1">${scanXml}</data3D><images2D type="Vector" allowHeterogeneousChildren="1">${imagesXml}</images2D></e57Root>\n`,
    'utf8',
  );
  const xmlLogical = at;
  logical.push(xml);
  at += xml.length;
  const content = Buffer.concat(logical);
  const pages = Math.ceil(content.length / 1020);
  const file = Buffer.alloc(pages * 1024);
  const header = Buffer.alloc(48);
  header.write('ASTM-E57', 0, 'latin1');
  header.writeUInt32LE(1, 8);
  header.writeUInt32LE(0, 12);
  header.writeBigUInt64LE(BigInt(file.length), 16);
  header.writeBigUInt64LE(BigInt(physical(xmlLogical)), 24);
  header.writeBigUInt64LE(BigInt(xml.length), 32);
  header.writeBigUInt64LE(1024n, 40);
  header.copy(content, 0);
  for (let p = 0; p < pages; p++) {
    content.copy(file, p * 1024, p * 1020, Math.min(content.length, (p + 1) * 1020));
    file.writeUInt32BE(crc32c(file, p * 1024, p * 1024 + 1020), p * 1024 + 1020);
  }
  writeFileSync(path, file);
}
