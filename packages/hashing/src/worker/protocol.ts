import type { PdqIndexParts } from '../match/pdq-index.ts';
import type { SearchShare } from '../match/pdq-hashes.ts';

/** What hashing-worker.ts is asked to do (one request at a time per worker). */
export type HashingRequest =
  | { type: 'hash-file'; path: string }
  | { type: 'load-index'; parts: PdqIndexParts }
  | { type: 'search'; queries: Uint32Array; from: number; to: number; radius: number; share?: SearchShare };

export interface FileHash {
  hex: string;
  quality: number;
  width: number;
  height: number;
}

/** Results come back flat: for each query its hit count, then (index, distance) pairs. */
export interface SearchHits {
  counts: Uint32Array;
  hits: Uint32Array;
  /** The most working memory this worker's index has held in one search (PdqIndex.peakWorkingBytes). */
  peakWorkingBytes?: number;
}

export type HashingResult = FileHash | number | SearchHits;
