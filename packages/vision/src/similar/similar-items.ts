import { VestigeError, type CaseStore, type Item } from '@vestige/evidence';
import { ANNOTATION, hammingDistanceHex, type PdqAnnotation } from '@vestige/hashing';
import { PROPOSAL_NOTICE, VISION_ANNOTATION, round6 } from '../records.ts';
import type { TriageAnnotation } from '../triage/score-items.ts';
import { decodeVectorFile } from './vector-file.ts';

export interface SimilarHit {
  readonly itemId: string;
  readonly name: string;
  /** Cosine similarity of the embeddings, −1 to 1 (for a video: its closest frame). */
  readonly similarity: number;
  /** Decoded frame index of the closest frame, for videos. */
  readonly frame?: number;
}

export interface PdqNeighbour {
  readonly itemId: string;
  readonly name: string;
  readonly distance: number;
}

export interface SimilarReport {
  readonly notice: string;
  readonly query: { readonly itemId: string; readonly name: string; readonly model: TriageAnnotation['model'] };
  readonly visual: readonly SimilarHit[];
  /** Near-duplicates by PDQ (perceptual hash), when the case has been hashed (`vestige phash`). */
  readonly pdq: readonly PdqNeighbour[] | null;
  readonly vectorsScanned: number;
  readonly filesRead: number;
}

/**
 * Keeps the `k` best hits seen so far, best first. Memory is `k` entries whatever the number scanned.
 */
class TopK {
  readonly hits: Array<SimilarHit & { seq: number }> = [];
  constructor(private readonly k: number) {}
  offer(hit: SimilarHit & { seq: number }): void {
    const existing = this.hits.findIndex((h) => h.itemId === hit.itemId);
    if (existing >= 0) {
      if (this.hits[existing]!.similarity >= hit.similarity) return;
      this.hits.splice(existing, 1);
    } else if (this.hits.length >= this.k && hit.similarity <= this.hits[this.hits.length - 1]!.similarity) return;
    let at = this.hits.findIndex(
      (h) => h.similarity < hit.similarity || (h.similarity === hit.similarity && h.seq > hit.seq),
    );
    if (at < 0) at = this.hits.length;
    this.hits.splice(at, 0, hit);
    if (this.hits.length > this.k) this.hits.pop();
  }
}

function normalised(v: Float32Array): Float64Array {
  let n = 0;
  for (const x of v) n += x * x;
  const s = n > 0 ? 1 / Math.sqrt(n) : 0;
  return Float64Array.from(v, (x) => x * s);
}

/**
 * The items that look most like `itemId`: an exact cosine search over every stored embedding of the
 * same model. It streams the case's vector files one at a time (verified reads), so memory holds one
 * file and the `top` best hits, however many images the case has; the cost is one pass over all
 * vectors per query (see docs/DESIGN.md for the path to approximate search at millions). Beside it,
 * PDQ near-duplicates within `pdqRadius`, when the case has PDQ hashes.
 */
export async function similarItems(
  store: CaseStore,
  itemId: string,
  options: { top?: number; pdqRadius?: number } = {},
): Promise<SimilarReport> {
  const item = store.item(itemId);
  const mine = store.annotations(item.id)[VISION_ANNOTATION.triage] as TriageAnnotation | undefined;
  if (!mine?.embeddings) {
    throw new VestigeError(
      'E_PARAM_INVALID',
      `${item.id} has no embedding yet${mine?.error ? ` (${mine.error.code}: ${mine.error.message})` : ''}`,
      { file: item.id, hint: 'Run `vestige triage --case DIR` first: it stores every image’s embedding.' },
    );
  }
  const queryFile = decodeVectorFile(await store.blobs.read(mine.embeddings.sha256), mine.embeddings.itemId);
  const queries = mine.embeddings.rows.map((r) => normalised(queryFile.vector(r)));
  const annotated = store.annotated(VISION_ANNOTATION.triage) as Array<{ item: Item; value: TriageAnnotation }>;
  const seq = new Map(annotated.map((a, i) => [a.item.id, i]));
  const names = new Map(annotated.map((a) => [a.item.id, a.item.name]));
  const files = new Map<string, string>();
  const current = new Set<string>();
  for (const a of annotated) {
    const e = a.value.embeddings;
    if (!e || a.value.model.id !== mine.model.id || a.value.model.version !== mine.model.version) continue;
    files.set(e.sha256, e.itemId);
    for (const r of e.rows) current.add(`${e.sha256}#${r}`);
  }
  const top = new TopK(Math.max(1, options.top ?? 10));
  let scanned = 0;
  for (const [sha256, vectorsItem] of files) {
    const file = decodeVectorFile(await store.blobs.read(sha256), vectorsItem);
    file.header.rows.forEach((row, r) => {
      // Only rows an item's current annotation points at (a re-scored item's old rows are left behind).
      if (row.itemId === item.id || !current.has(`${sha256}#${r}`)) return;
      const v = normalised(file.vector(r));
      scanned++;
      let best = -Infinity;
      for (const q of queries) {
        let dot = 0;
        for (let d = 0; d < q.length; d++) dot += q[d]! * v[d]!;
        best = Math.max(best, dot);
      }
      top.offer({
        itemId: row.itemId,
        name: names.get(row.itemId)!,
        similarity: round6(best),
        ...(row.frame !== undefined ? { frame: row.frame } : {}),
        seq: seq.get(row.itemId)!,
      });
    });
  }
  return {
    notice: PROPOSAL_NOTICE,
    query: { itemId: item.id, name: item.name, model: mine.model },
    visual: top.hits.map(({ seq: _s, ...hit }) => hit),
    pdq: pdqNeighbours(store, item, options.pdqRadius ?? 31),
    vectorsScanned: scanned,
    filesRead: files.size,
  };
}

function pdqNeighbours(store: CaseStore, item: Item, radius: number): PdqNeighbour[] | null {
  const mine = store.annotations(item.id)[ANNOTATION.pdq] as PdqAnnotation | undefined;
  if (!mine) return null;
  return (store.annotated(ANNOTATION.pdq) as Array<{ item: Item; value: PdqAnnotation }>)
    .filter((a) => a.item.id !== item.id)
    .map((a) => ({ itemId: a.item.id, name: a.item.name, distance: hammingDistanceHex(mine.hex, a.value.hex) }))
    .filter((n) => n.distance <= radius)
    .sort((a, b) => a.distance - b.distance || a.itemId.localeCompare(b.itemId));
}
