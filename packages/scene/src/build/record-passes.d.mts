/** Types of record-passes.mjs. */

/** An uncompressed LAS file's point records, as the octree build reads them on worker threads. */
export interface LasSource {
  path: string;
  pointDataOffset: number;
  recordLength: number;
  pointFormat: number;
  scale: [number, number, number];
  offset: [number, number, number];
  count: number;
  /**
   * Set for a LAZ file: its chunks, decoded on worker threads into raw records of `recordLength` bytes
   * (the decoded point format, without any wave-packet layer) in a spill the build then reads as LAS.
   */
  laz?: {
    decode: {
      pointFormat: number;
      recordLength: number;
      waveLayer?: { recordOffset: number; layer: number; layers: number };
    };
    chunks: { offset: number; bytes: number; points: number; firstPoint: number }[];
  };
}

/** A file of fixed-length records with int32 x, y, z in their first 12 bytes; attribute byte offsets or −1. */
export interface RecordSource {
  path: string;
  dataOffset: number;
  recordLength: number;
  count: number;
  rgbAt: number;
  intensityAt: number;
  classAt: number;
  classMask: number;
}

export interface SliceTask {
  source: RecordSource;
  first: number;
  count: number;
  /** q = the record's integer − lo. */
  lo: [number, number, number];
  bits: number;
  countBits: number;
}

export interface CountResult {
  /** Points per cell of the counting grid; undefined when a point fell outside the cube. */
  counts: Uint32Array | undefined;
  qMin: number[];
  qMax: number[];
  /** LAZ slices: the chunks decoded (each chunk is decoded once, in the count pass, into the spill). */
  lazChunksDecoded?: number;
}

export interface LazSliceTask {
  path: string;
  spillPath: string;
  plan: {
    pointFormat: number;
    recordLength: number;
    waveLayer?: { recordOffset: number; layer: number; layers: number };
  };
  chunks: { offset: number; bytes: number; points: number; firstPoint: number }[];
  lo: [number, number, number];
  bits: number;
  countBits: number;
}

export interface DistributeTask extends SliceTask {
  /** SharedArrayBuffer of an Int32Array: counting-grid cell → chunk index. */
  cellChunk: ArrayBufferLike;
  /** Byte offset in chunks.bin where this slice's first point of each chunk goes. */
  chunkPositions: Float64Array;
  outPath: string;
  layout: { bytesPerPoint: number; rgbOffset: number; intensityOffset: number; classificationOffset: number };
  bufferBytes: number;
}

export interface DistributeResult {
  ranges: {
    rgbMin: number[];
    rgbMax: number[];
    intensityMin: number;
    intensityMax: number;
    classMin: number;
    classMax: number;
  };
  written: Float64Array;
}

export declare function countSlice(task: SliceTask): CountResult;
export declare function lazSlice(task: LazSliceTask): Promise<CountResult>;
export declare function distributeSlice(task: DistributeTask): DistributeResult;
export declare function readExact(fd: number, target: Uint8Array, position: number, short?: string): void;
export declare function writeAllAt(fd: number, bytes: Uint8Array, position: number): void;
