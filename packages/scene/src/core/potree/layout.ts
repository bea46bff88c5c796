/**
 * Potree 2.0 point records, DEFAULT encoding: attributes interleaved per point, little endian, in the
 * order they are listed in metadata.json. Positions are int32, real = int × scale + offset.
 *
 * The builder writes records with `recordLayout` (position, then rgb, intensity, classification when
 * present); readers (the scene package, the server, the viewer) take the layout of any file, Vestige's
 * or PotreeConverter's, from its metadata.json with `layoutFromMetadata`.
 */
import { VestigeError } from '@vestige/evidence/errors';
import type { PointAttributesPresent } from '../../points.ts';

export interface PotreeAttributeJson {
  name: string;
  description: string;
  size: number;
  numElements: number;
  elementSize: number;
  type: 'int32' | 'uint16' | 'uint8';
  min: number[];
  max: number[];
}

export interface PotreeMetadataJson {
  version: '2.0';
  name: string;
  description: string;
  points: number;
  projection: string;
  hierarchy: { firstChunkSize: number; stepSize: number; depth: number };
  offset: [number, number, number];
  scale: [number, number, number];
  spacing: number;
  boundingBox: { min: [number, number, number]; max: [number, number, number] };
  encoding: 'DEFAULT';
  attributes: PotreeAttributeJson[];
}

export interface RecordLayout {
  readonly attributes: PointAttributesPresent;
  readonly bytesPerPoint: number;
  /** Byte offsets inside a record; -1 when absent. */
  readonly rgbOffset: number;
  readonly intensityOffset: number;
  readonly classificationOffset: number;
}

export function recordLayout(attributes: PointAttributesPresent): RecordLayout {
  let at = 12;
  const rgbOffset = attributes.rgb ? ((at += 6), at - 6) : -1;
  const intensityOffset = attributes.intensity ? ((at += 2), at - 2) : -1;
  const classificationOffset = attributes.classification ? ((at += 1), at - 1) : -1;
  return { attributes: { ...attributes }, bytesPerPoint: at, rgbOffset, intensityOffset, classificationOffset };
}

/** Running min/max of each attribute, for metadata.json (Potree uses them as default colour ranges). */
export class AttributeRanges {
  readonly posMin = [Infinity, Infinity, Infinity];
  readonly posMax = [-Infinity, -Infinity, -Infinity];
  readonly rgbMin = [65535, 65535, 65535];
  readonly rgbMax = [0, 0, 0];
  intensityMin = 65535;
  intensityMax = 0;
  classMin = 255;
  classMax = 0;

  /** Widens these ranges by another set, or the part of one a worker measured (positions, or the rest). */
  merge(
    other: Partial<
      Pick<
        AttributeRanges,
        'posMin' | 'posMax' | 'rgbMin' | 'rgbMax' | 'intensityMin' | 'intensityMax' | 'classMin' | 'classMax'
      >
    >,
  ): void {
    for (let k = 0; k < 3; k++) {
      if (other.posMin) this.posMin[k] = Math.min(this.posMin[k]!, other.posMin[k]!);
      if (other.posMax) this.posMax[k] = Math.max(this.posMax[k]!, other.posMax[k]!);
      if (other.rgbMin) this.rgbMin[k] = Math.min(this.rgbMin[k]!, other.rgbMin[k]!);
      if (other.rgbMax) this.rgbMax[k] = Math.max(this.rgbMax[k]!, other.rgbMax[k]!);
    }
    if (other.intensityMin !== undefined) this.intensityMin = Math.min(this.intensityMin, other.intensityMin);
    if (other.intensityMax !== undefined) this.intensityMax = Math.max(this.intensityMax, other.intensityMax);
    if (other.classMin !== undefined) this.classMin = Math.min(this.classMin, other.classMin);
    if (other.classMax !== undefined) this.classMax = Math.max(this.classMax, other.classMax);
  }

  /** Widens the colour, intensity and class ranges by the first `n` points of the arrays given. */
  observeAttributes(
    n: number,
    rgb: Uint16Array | undefined,
    intensity: Uint16Array | undefined,
    classification: Uint8Array | undefined,
  ): void {
    if (rgb) {
      for (let i = 0; i < n * 3; i += 3) {
        for (let k = 0; k < 3; k++) {
          const v = rgb[i + k]!;
          if (v < this.rgbMin[k]!) this.rgbMin[k] = v;
          if (v > this.rgbMax[k]!) this.rgbMax[k] = v;
        }
      }
    }
    if (intensity) {
      for (let i = 0; i < n; i++) {
        const v = intensity[i]!;
        if (v < this.intensityMin) this.intensityMin = v;
        if (v > this.intensityMax) this.intensityMax = v;
      }
    }
    if (classification) {
      for (let i = 0; i < n; i++) {
        const v = classification[i]!;
        if (v < this.classMin) this.classMin = v;
        if (v > this.classMax) this.classMax = v;
      }
    }
  }
}

export function attributesJson(layout: RecordLayout, ranges: AttributeRanges, count: number): PotreeAttributeJson[] {
  const empty = count === 0;
  const out: PotreeAttributeJson[] = [
    {
      name: 'position',
      description: '',
      size: 12,
      numElements: 3,
      elementSize: 4,
      type: 'int32',
      min: empty ? [0, 0, 0] : [...ranges.posMin],
      max: empty ? [0, 0, 0] : [...ranges.posMax],
    },
  ];
  if (layout.attributes.rgb) {
    out.push({
      name: 'rgb',
      description: '',
      size: 6,
      numElements: 3,
      elementSize: 2,
      type: 'uint16',
      min: empty ? [0, 0, 0] : [...ranges.rgbMin],
      max: empty ? [0, 0, 0] : [...ranges.rgbMax],
    });
  }
  if (layout.attributes.intensity) {
    out.push({
      name: 'intensity',
      description: '',
      size: 2,
      numElements: 1,
      elementSize: 2,
      type: 'uint16',
      min: [empty ? 0 : ranges.intensityMin],
      max: [empty ? 0 : ranges.intensityMax],
    });
  }
  if (layout.attributes.classification) {
    out.push({
      name: 'classification',
      description: '',
      size: 1,
      numElements: 1,
      elementSize: 1,
      type: 'uint8',
      min: [empty ? 0 : ranges.classMin],
      max: [empty ? 0 : ranges.classMax],
    });
  }
  return out;
}

/**
 * The record layout of a metadata.json, in whatever order its attributes are listed; attributes Vestige
 * does not read (normals, return numbers …) are stepped over by their size.
 */
export function layoutFromMetadata(
  metadata: Pick<PotreeMetadataJson, 'encoding' | 'attributes'>,
  file?: string,
): RecordLayout {
  const where = file === undefined ? {} : { file };
  if (metadata.encoding !== 'DEFAULT') {
    throw new VestigeError(
      'E_INPUT_UNSUPPORTED',
      `Potree encoding ${String(metadata.encoding)} is not supported (only DEFAULT records are read).`,
      {
        ...where,
        hint: 'Convert the point cloud with PotreeConverter without --encoding BROTLI, or rebuild the scene with `vestige scene build`.',
      },
    );
  }
  const offsets = new Map<string, number>();
  let at = 0;
  for (const a of metadata.attributes) {
    offsets.set(a.name, at);
    at += a.size;
  }
  if (offsets.get('position') !== 0) {
    throw new VestigeError(
      'E_INPUT_UNSUPPORTED',
      'Potree records whose first attribute is not the int32 position are not supported.',
      where,
    );
  }
  const offsetOf = (name: string): number => offsets.get(name) ?? -1;
  return {
    attributes: {
      rgb: offsets.has('rgb'),
      intensity: offsets.has('intensity'),
      classification: offsets.has('classification'),
    },
    bytesPerPoint: at,
    rgbOffset: offsetOf('rgb'),
    intensityOffset: offsetOf('intensity'),
    classificationOffset: offsetOf('classification'),
  };
}

/** 16 when the stored colours use the 16-bit range (LAS convention; Vestige writes 8-bit × 257), else 8. */
export function rgbBits(metadata: Pick<PotreeMetadataJson, 'attributes'>): 8 | 16 {
  const rgb = metadata.attributes.find((a) => a.name === 'rgb');
  return rgb && Math.max(...rgb.max) > 255 ? 16 : 8;
}
