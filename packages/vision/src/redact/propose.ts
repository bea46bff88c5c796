import { VestigeError, type CaseStore, type Item, type ErrorCode } from '@vestige/evidence';
import { analyseRate, type DecodeResult, type VideoSource } from '@vestige/video';
import { SSD_INPUT_SIZE, type ScoredBox } from '../models/ssd-face-detector.ts';
import { SSD_MOBILENET_V1_FACES } from '../models/manifest.ts';
import { modelIdentity } from '../models/model-files.ts';
import { PROPOSAL_NOTICE, VISION_RECORDS, backendFacts, round2, round6 } from '../records.ts';
import { decodeVideoFrames, openVideo } from '../video/video-frames.ts';
import type { VisionWorkerPool } from '../worker/pool.ts';
import type { FrameForDetection } from '../worker/protocol.ts';
import { formatRedactionList, parseRedactionList, type RedactionList } from './redaction-list.ts';
import { buildTracks } from './tracker.ts';

export interface ProposeOptions {
  readonly operator: string;
  readonly pool: VisionWorkerPool;
  /** Detect on every n-th frame (default 5: five times a second at 25 fps); tracks fill the frames between. */
  readonly sampleEvery?: number;
  /** SSD confidence for a proposal (default 0.3: a missed face is worse than an extra box). */
  readonly minScore?: number;
  /** Growth of each box on every side, as a fraction of its size (default 0.3). */
  readonly margin?: number;
  /**
   * Blur or pixelate, and the radius or block size in pixels (default: blur, a thirtieth of the picture's shorter
   * side).
   */
  readonly style?: Partial<RedactionList['style']>;
  readonly signal?: AbortSignal;
}

/** Frames sent to a worker at once. */
const FRAMES_PER_TASK = 4;

/**
 * Redaction proposals for one item: a list an officer reviews and edits, saved as the case record
 * `vision.redaction-lists/ITEM` (a custody event).
 */
export async function proposeRedaction(
  store: CaseStore,
  itemId: string,
  options: ProposeOptions,
): Promise<RedactionList> {
  const item = store.item(itemId);
  const label = `${item.id} (${item.name})`;
  if (!(await store.blobs.verify(item.sha256))) {
    throw new VestigeError('E_BLOB_CORRUPT', `the stored copy of ${label} does not match its SHA-256`, {
      file: item.id,
      hint: "Run 'vestige verify' on the case; restore it from its backup before redacting.",
    });
  }
  const minScore = options.minScore ?? 0.3;
  const { backend } = await options.pool.loadDetector(minScore);
  const sampleEvery = item.mediaType.startsWith('video/') ? Math.max(1, options.sampleEvery ?? 5) : 1;
  const margin = options.margin ?? 0.3;
  const detection = {
    models: [modelIdentity(SSD_MOBILENET_V1_FACES)],
    backend: backendFacts(backend),
    minScore,
    sampleEvery,
    margin,
    carryFrames: 3 * sampleEvery,
  };
  let list: RedactionList;
  if (item.mediaType.startsWith('video/'))
    list = await proposeForVideo(store, item, label, { ...options, minScore, sampleEvery, margin, detection });
  else if (item.mediaType.startsWith('image/'))
    list = await proposeForImage(store, item, label, { ...options, minScore, margin, detection });
  else
    throw new VestigeError(
      'E_INPUT_UNSUPPORTED',
      `${label} is ${item.mediaType}: only images and videos are redacted`,
      { file: item.id },
    );
  // Through the same check an edited list gets: what is stored is always a valid list.
  const checked = parseRedactionList(JSON.parse(formatRedactionList(list)), `proposal for ${item.id}`);
  store.putRecord(VISION_RECORDS.redactionLists, item.id, checked, options.operator, 'vision.redaction-list.proposed');
  return checked;
}

function emptyList(
  item: Item,
  source: Pick<RedactionList['source'], 'kind' | 'width' | 'height' | 'frames' | 'frameRate'>,
  detection: Record<string, unknown>,
  style: Partial<RedactionList['style']> | undefined,
): RedactionList {
  return {
    format: 'vestige-redaction-list',
    version: 1,
    notice: `${PROPOSAL_NOTICE} Every box is a proposal: review each track (its contact sheet), set "redact": false where a face may be shown, add manual boxes and audio mute ranges, then render.`,
    source: { itemId: item.id, sha256: item.sha256, ...source },
    style: {
      mode: style?.mode ?? 'blur',
      strength: style?.strength ?? Math.max(4, Math.round(Math.min(source.width, source.height) / 30)),
    },
    detection,
    tracks: [],
    manual: [],
    mute: [],
  };
}

async function proposeForImage(
  store: CaseStore,
  item: Item,
  label: string,
  o: ProposeOptions & { minScore: number; margin: number; detection: Record<string, unknown> },
): Promise<RedactionList> {
  const [result] = await o.pool.detectFiles(o.minScore, [
    { path: store.blobs.pathOf(item.sha256), sha256: item.sha256, label },
  ]);
  if (!result || 'error' in result) {
    const e = result?.error;
    throw new VestigeError(
      (e?.code as ErrorCode | undefined) ?? 'E_INPUT_CORRUPT',
      e?.message ?? `${label} could not be analysed`,
      { file: item.id, ...(e?.hint ? { hint: e.hint } : {}) },
    );
  }
  const list = emptyList(
    item,
    { kind: 'image', width: result.width, height: result.height, frames: 1, frameRate: null },
    o.detection,
    o.style,
  );
  return {
    ...list,
    tracks: buildTracks([{ frame: 0, boxes: result.boxes }], {
      sampleEvery: 1,
      frames: 1,
      width: result.width,
      height: result.height,
      margin: o.margin,
    }),
  };
}

async function proposeForVideo(
  store: CaseStore,
  item: Item,
  label: string,
  o: ProposeOptions & { minScore: number; sampleEvery: number; margin: number; detection: Record<string, unknown> },
): Promise<RedactionList> {
  const source = await openVideo(store.blobs.pathOf(item.sha256), label);
  checkRedactable(source, label);
  const { samples, result } = await detectSampled(source, label, o);
  const rate = analyseRate(
    result.decoded.map((f) => f.pts ?? 0).sort((a, b) => a - b),
    source.timeBase,
  );
  if (rate.mode === 'variable') {
    throw new VestigeError(
      'E_INPUT_UNSUPPORTED',
      `${label} has a variable frame rate; redaction renders frame by frame only at a constant frame rate`,
      {
        file: item.id,
        hint: 'Ask for the recording in its constant-rate original, or convert a copy with a documented command and ingest it as a new exhibit.',
      },
    );
  }
  const frames = result.decoded.length;
  const list = emptyList(
    item,
    { kind: 'video', width: source.width, height: source.height, frames, frameRate: frameRateOf(source) },
    { ...o.detection, ffmpegArgs: result.args.map((a) => (a === source.path ? '<source>' : a)) },
    o.style,
  );
  return {
    ...list,
    tracks: buildTracks(samples, {
      sampleEvery: o.sampleEvery,
      frames,
      width: source.width,
      height: source.height,
      margin: o.margin,
    }),
  };
}

/**
 * Rotated video is shown turned by players; boxes found on the stored frames would land wrong on the picture people
 * see.
 */
export function checkRedactable(source: VideoSource, label: string): void {
  if (source.rotation !== 0) {
    throw new VestigeError(
      'E_INPUT_UNSUPPORTED',
      `${label} carries a ${source.rotation}° display rotation; redaction of rotated video is not supported`,
      { file: label, hint: 'Rotate a copy with a documented command, ingest it as a new exhibit, and redact that.' },
    );
  }
}

export function frameRateOf(source: VideoSource): string {
  const r =
    source.stream.r_frame_rate && source.stream.r_frame_rate !== '0/0'
      ? source.stream.r_frame_rate
      : source.stream.avg_frame_rate;
  if (!r || !/^\d+\/\d+$/.test(r) || r.startsWith('0/'))
    throw new VestigeError('E_INPUT_UNSUPPORTED', `${source.path}: the video declares no frame rate`, {
      file: source.path,
    });
  return r;
}

/**
 * Decodes every `sampleEvery`-th frame scaled into the detector's square and detects faces on the
 * worker pool, a few frames per task and as many tasks in flight as there are workers (ffmpeg waits
 * meanwhile, so memory stays bounded).
 */
async function detectSampled(
  source: VideoSource,
  label: string,
  o: { pool: VisionWorkerPool; minScore: number; sampleEvery: number; signal?: AbortSignal },
): Promise<{ samples: Array<{ frame: number; boxes: ScoredBox[] }>; result: DecodeResult }> {
  const found = new Map<number, ScoredBox[]>();
  const inFlight = new Set<Promise<void>>();
  let pending: Array<{ ordinal: number; frame: FrameForDetection }> = [];
  const send = () => {
    const batch = pending;
    pending = [];
    const task = o.pool
      .detectFrames(
        o.minScore,
        batch.map((b) => b.frame),
      )
      .then((boxes) => {
        batch.forEach((b, i) => found.set(b.ordinal, boxes[i]!));
      });
    const tracked = task.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  };
  const result = await decodeVideoFrames(source, label, {
    select: o.sampleEvery > 1 ? `not(mod(n,${o.sampleEvery}))` : null,
    scaling: { kind: 'letterbox', width: SSD_INPUT_SIZE, height: SSD_INPUT_SIZE },
    onFrame: async (f) => {
      pending.push({ ordinal: f.ordinal, frame: { pixels: f.pixels, width: source.width, height: source.height } });
      if (pending.length >= FRAMES_PER_TASK) send();
      while (inFlight.size >= o.pool.size) await Promise.race(inFlight);
    },
    ...(o.signal ? { signal: o.signal } : {}),
  });
  if (pending.length > 0) send();
  await Promise.all(inFlight);
  const samples = result.selected.map((frame, ordinal) => {
    if (frame.index !== ordinal * o.sampleEvery)
      throw new VestigeError(
        'E_FFMPEG_FAILED',
        `${label}: frame ${ordinal} of the selection is frame ${frame.index}, not ${ordinal * o.sampleEvery}`,
        { file: label },
      );
    return {
      frame: frame.index,
      boxes: (found.get(ordinal) ?? []).map((b) => ({
        x: round2(b.x),
        y: round2(b.y),
        width: round2(b.width),
        height: round2(b.height),
        score: round6(b.score),
      })),
    };
  });
  return { samples, result };
}
