import type { PointChunk } from '../points.ts';

export interface LasRecordLayout {
  pointFormat: number;
  recordLength: number;
  scale: readonly [number, number, number] | number[];
  offset: readonly [number, number, number] | number[];
}
export declare const STANDARD_RECORD_LENGTH: readonly number[];
export declare function lasRgbOffset(format: number): number;
export declare function decodeLasRecords(raw: Uint8Array, count: number, header: LasRecordLayout): PointChunk;
export declare function decodeLasPositions(raw: Uint8Array, count: number, header: LasRecordLayout): Float64Array;
