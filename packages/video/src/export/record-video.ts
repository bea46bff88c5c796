import type { CaseStore, DerivationOutput, Item, ProvenanceStep } from '@vestige/evidence';

/** What a clip export or a video recipe hands back about the video it made. */
export interface RecordedVideo {
  itemId: string;
  sha256: string;
  name: string;
  provenanceId: string;
}

/**
 * Records one video made by ffmpeg from one source item: the derived item, and its provenance with the
 * steps that made it and the ffmpeg version. Clip export and video recipes both end here.
 */
export function recordVideo(
  store: CaseStore,
  made: {
    activity: string;
    source: Item;
    steps: ProvenanceStep[];
    output: DerivationOutput;
    ffmpegVersion: string;
    operator: string;
    startedAt: Date;
    finishedAt: Date;
  },
): RecordedVideo {
  const recorded = store.recordDerivation({
    activity: made.activity,
    inputs: [{ sha256: made.source.sha256, itemId: made.source.id, role: 'source' }],
    steps: made.steps,
    outputs: [made.output],
    libraries: { ffmpeg: made.ffmpegVersion },
    operator: made.operator,
    startedAt: made.startedAt,
    finishedAt: made.finishedAt,
  });
  const item = recorded.items[0]!;
  return { itemId: item.id, sha256: item.sha256, name: item.name, provenanceId: recorded.provenance.id };
}
