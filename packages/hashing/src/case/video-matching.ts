import type { CaseStore, Item } from '@vestige/evidence';
import type { VpdqFrameHash } from '../sets/types.ts';
import { VPDQ_MATCH_PERCENT } from '../video/vpdq-reference.ts';
import { VpdqVideoIndex, type VideoVpdqMatch } from '../video/vpdq-video-index.ts';
import { ANNOTATION } from './annotations.ts';
import { hashCaseVideoFrames, type VpdqFramesAnnotation } from './hash-items.ts';

/**
 * Matches set entries' video hashes (vPDQ) against the case's videos with the reference metric. The
 * case videos' reference-style frame hashes are computed (and stored) only when the first entry
 * with a video hash arrives, so sets without any cost nothing.
 *
 * A pair is a match when either percentage reaches `matchPercent` (75, python-threatexchange's query
 * threshold): the reference's rule, with the case video as the query (it is mostly known content),
 * and its mirror (the known video is mostly inside the case video — a known clip within a longer
 * recording, which the reference's one-way rule would miss).
 */
export class CaseVideoMatcher {
  private index: VpdqVideoIndex<Item> | undefined;
  private readonly matchPercent: number;

  constructor(
    private readonly store: CaseStore,
    private readonly operator: string,
    options: { matchPercent?: number } = {},
  ) {
    this.matchPercent = options.matchPercent ?? VPDQ_MATCH_PERCENT;
  }

  /** Case videos whose frames match `frames` by the rule above. */
  async match(frames: readonly VpdqFrameHash[]): Promise<VideoVpdqMatch<Item>[]> {
    this.index ??= await this.build();
    return this.index
      .match(frames)
      .filter((m) => m.queryMatchPercent >= this.matchPercent || m.comparedMatchPercent >= this.matchPercent);
  }

  private async build(): Promise<VpdqVideoIndex<Item>> {
    await hashCaseVideoFrames(this.store, { operator: this.operator });
    return VpdqVideoIndex.build(
      this.store
        .annotated(ANNOTATION.vpdqFrames)
        .map(({ item, value }) => ({ video: item, frames: (value as VpdqFramesAnnotation).frames })),
    );
  }
}
