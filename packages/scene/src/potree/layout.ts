/**
 * Potree 2.0 point records, DEFAULT encoding: attributes interleaved per point, little endian, in the
 * order they are listed in metadata.json. Positions are int32, real = int × scale + offset.
 */
import type { PointAttributesPresent } from '../points.ts';

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

  merge(other: AttributeRanges): void {
    for (let k = 0; k < 3; k++) {
      this.posMin[k] = Math.min(this.posMin[k]!, other.posMin[k]!);
      this.posMax[k] = Math.max(this.posMax[k]!, other.posMax[k]!);
      this.rgbMin[k] = Math.min(this.rgbMin[k]!, other.rgbMin[k]!);
      this.rgbMax[k] = Math.max(this.rgbMax[k]!, other.rgbMax[k]!);
    }
    this.intensityMin = Math.min(this.intensityMin, other.intensityMin);
    this.intensityMax = Math.max(this.intensityMax, other.intensityMax);
    this.classMin = Math.min(this.classMin, other.classMin);
    this.classMax = Math.max(this.classMax, other.classMax);
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
    out.push({ name: 'rgb', description: '', size: 6, numElements: 3, elementSize: 2, type: 'uint16', min: empty ? [0, 0, 0] : [...ranges.rgbMin], max: empty ? [0, 0, 0] : [...ranges.rgbMax] });
  }
  if (layout.attributes.intensity) {
    out.push({ name: 'intensity', description: '', size: 2, numElements: 1, elementSize: 2, type: 'uint16', min: [empty ? 0 : ranges.intensityMin], max: [empty ? 0 : ranges.intensityMax] });
  }
  if (layout.attributes.classification) {
    out.push({ name: 'classification', description: '', size: 1, numElements: 1, elementSize: 1, type: 'uint8', min: [empty ? 0 : ranges.classMin], max: [empty ? 0 : ranges.classMax] });
  }
  return out;
}

/** Parses the attribute list of a metadata.json back into a record layout. */
export function layoutFromMetadata(metadata: PotreeMetadataJson): RecordLayout {
  const names = metadata.attributes.map((a) => a.name);
  const layout = recordLayout({ rgb: names.includes('rgb'), intensity: names.includes('intensity'), classification: names.includes('classification') });
  // Only files in our own order are readable by this helper; Potree itself reads any order.
  const expected = ['position', ...(layout.attributes.rgb ? ['rgb'] : []), ...(layout.attributes.intensity ? ['intensity'] : []), ...(layout.attributes.classification ? ['classification'] : [])];
  if (names.join(',') !== expected.join(',')) throw new Error(`unsupported Potree attribute order: ${names.join(',')}`);
  return layout;
}
