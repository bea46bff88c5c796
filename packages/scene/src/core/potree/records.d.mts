/** Types of records.mjs. */
/** Points quantised to the octree's integer grid: real = int × scale + offset. */
export interface QuantizedPoints {
  count: number;
  /** x, y, z per point. */
  xyz: Int32Array;
  rgb?: Uint16Array;
  intensity?: Uint16Array;
  classification?: Uint8Array;
}

/** The byte offsets a record layout gives (`RecordLayout` in layout.ts); -1 for an attribute not stored. */
export interface EncodeLayout {
  bytesPerPoint: number;
  rgbOffset: number;
  intensityOffset: number;
  classificationOffset: number;
}

export declare function encodeRecords(
  pts: QuantizedPoints,
  order: Uint32Array,
  start: number,
  count: number,
  layout: EncodeLayout,
  target?: Uint8Array,
): Uint8Array;
export declare function decodeRecords(bytes: Uint8Array, count: number, layout: EncodeLayout): QuantizedPoints;
