import { hexToBytes } from '../hex.ts';
import { hashWords, PdqHashArray, PDQ_WORDS } from '../match/pdq-hashes.ts';
import { PdqIndex } from '../match/pdq-index.ts';
import type { VpdqFrameHash } from '../sets/types.ts';
import { prepareVpdqFrames, VPDQ_DISTANCE, VPDQ_QUALITY, type VpdqMatchResult } from './vpdq-reference.ts';

/**
 * Many videos' vPDQ frame hashes in one PDQ index, so that a video hash from a set is compared with
 * all of them at once: one batched index search over the frames of the set's video, instead of the
 * reference's brute-force pass over every pair of frames for every (set entry, case video) pair. The result
 * for each video is the reference metric exactly (`matchVpdq` with the indexed video as the query
 * and the searched one as the compared side): each side deduplicated by hex and quality-filtered,
 * a frame counted when some frame of the other side is within the distance.
 */
export interface VideoVpdqMatch<T> extends VpdqMatchResult {
  readonly video: T;
}

export class VpdqVideoIndex<T> {
  private constructor(
    private readonly index: PdqIndex,
    /** Per indexed frame: the video it belongs to. */
    private readonly owner: Uint32Array,
    private readonly videos: readonly { readonly video: T; readonly frames: number }[],
    private readonly distance: number,
    private readonly quality: number,
  ) {}

  static build<T>(
    videos: Iterable<{ video: T; frames: readonly VpdqFrameHash[] }>,
    options: { distance?: number; quality?: number } = {},
  ): VpdqVideoIndex<T> {
    const quality = options.quality ?? VPDQ_QUALITY;
    const prepared = [...videos].map((v) => ({ video: v.video, frames: prepareVpdqFrames(v.frames, quality) }));
    const total = prepared.reduce((s, v) => s + v.frames.length, 0);
    const store = new PdqHashArray(total);
    const owner = new Uint32Array(total);
    prepared.forEach((v, i) => {
      for (const f of v.frames) owner[store.push(hexToBytes(f.hex))] = i;
    });
    return new VpdqVideoIndex(
      PdqIndex.build(store),
      owner,
      prepared.map((v) => ({ video: v.video, frames: v.frames.length })),
      options.distance ?? VPDQ_DISTANCE,
      quality,
    );
  }

  get size(): number {
    return this.index.size;
  }

  /** Every indexed video sharing at least one frame with `frames`, with both percentages. */
  match(frames: readonly VpdqFrameHash[]): VideoVpdqMatch<T>[] {
    const searched = prepareVpdqFrames(frames, this.quality);
    if (searched.length === 0 || this.index.size === 0) return [];
    // Per video: which of its frames matched (query side), and how many searched frames hit it.
    const hitFrames = new Map<number, Set<number>>();
    const hitSearched = new Map<number, number>();
    // All searched frames in one batch.
    const queries = new Uint32Array(searched.length * PDQ_WORDS);
    searched.forEach((f, i) => hashWords(hexToBytes(f.hex), queries, i * PDQ_WORDS));
    const { counts, hits } = this.index.searchMany(queries, 0, searched.length, this.distance);
    for (let i = 0, k = 0; i < searched.length; i++) {
      const videosHit = new Set<number>();
      for (let c = 0; c < counts[i]!; c++, k += 2) {
        const frame = hits[k]!;
        const v = this.owner[frame]!;
        videosHit.add(v);
        let set = hitFrames.get(v);
        if (!set) hitFrames.set(v, (set = new Set()));
        set.add(frame);
      }
      for (const v of videosHit) hitSearched.set(v, (hitSearched.get(v) ?? 0) + 1);
    }
    return [...hitFrames.keys()]
      .sort((a, b) => a - b)
      .map((v) => ({
        video: this.videos[v]!.video,
        queryMatchPercent: (hitFrames.get(v)!.size * 100) / this.videos[v]!.frames,
        comparedMatchPercent: ((hitSearched.get(v) ?? 0) * 100) / searched.length,
      }));
  }
}
