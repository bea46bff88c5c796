import type { PdqIndexParts } from '../match/pdq-index.ts';

export type WorkerRequest =
  | { type: 'hash-file'; id: number; path: string }
  | { type: 'load-index'; id: number; parts: PdqIndexParts }
  | { type: 'search'; id: number; queries: Uint32Array; from: number; to: number; radius: number };

export type WorkerResponse = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: { code: string; message: string } };
