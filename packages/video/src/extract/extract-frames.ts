import { VestigeError, type CaseStore, type Digests, type Item, verifiedItemPath } from '@vestige/evidence';
import { decodeFrames, PNG_ENCODER_ARGS } from '../decode/session.ts';
import type { DecodeProblem, FrameInfo } from '../decode/log.ts';
import { ptsToRational, rationalToString } from '../time.ts';
import { validateSelection } from '../select/registry.ts';
import { UnitBlobs } from './blob-units.ts';
import type { SelectionPlan, SelectorContext } from '../select/selector.ts';
import { openVideoSource, pngPixelFormat, uprightFilters, type VideoSource } from './source.ts';

export const EXTRACT_ACTIVITY = 'video.extract-frames';

export interface ExtractFramesOptions {
  readonly operator: string;
  /** Absolute index of the video stream (default: the first video stream). */
  readonly stream?: number;
  readonly signal?: AbortSignal;
  /** Clock for the provenance record's start/finish times (tests pass a fixed one). */
  readonly now?: () => Date;
  readonly onProgress?: (framesStored: number, expected: number | null) => void;
}

export interface ExtractedFrame {
  readonly itemId: string;
  readonly name: string;
  readonly sha256: string;
  readonly index: number;
  readonly pts: number | null;
  /** Exact presentation time in seconds, `num/den`. */
  readonly time: string | null;
  readonly seconds: number | null;
  readonly pictType: string;
  readonly key: boolean;
  /** SHA-256 of the decoded frame in the source's pixel format (= ffmpeg `-f framehash -hash sha256`). */
  readonly pixelHash: string;
  /** What the selector computed for this frame (e.g. `sharpness`, `requestedTimes`). */
  readonly details?: Record<string, unknown>;
}

export interface ExtractFramesReport {
  readonly source: { readonly itemId: string; readonly sha256: string; readonly name: string; readonly stream: number };
  readonly selector: {
    readonly id: string;
    readonly version: string;
    readonly params: unknown;
    readonly description: string;
  };
  readonly provenanceId: string | null;
  readonly frames: readonly ExtractedFrame[];
  readonly decodedFrames: number;
  readonly notes: readonly string[];
  readonly warnings: readonly string[];
  /** True when the video is damaged and only the frames before the damage could be taken. */
  readonly damaged: boolean;
}

/** Where decoding went wrong, in words an examiner can check against the file. */
export function describeDamage(
  problems: readonly DecodeProblem[],
  decoded: readonly FrameInfo[],
  timeBase: readonly [number, number],
): string | null {
  if (problems.length === 0) return null;
  const first = problems.find((p) => p.level === 'error') ?? problems[0]!;
  const offset = problems.find((p) => p.offset !== null)?.offset ?? null;
  const last = first.framesBefore > 0 ? decoded[first.framesBefore - 1] : undefined;
  const at =
    last && last.pts !== null
      ? `after frame ${last.index} (pts ${last.pts}, ${rationalToString(ptsToRational(last.pts, timeBase))} s)`
      : `before the first frame`;
  return `decoding failed ${at}${offset !== null ? `, near byte offset ${offset} (0x${offset.toString(16)})` : ''}: ${first.source}: ${first.message} (${problems.length} decoder/demuxer message(s) in all). ${decoded.length} frame(s) could be decoded; the selected ones among them were kept.`;
}

/** The planning context: frame table and grey analysis decodes, each run at most once. */
export function selectorContext(source: VideoSource, signal?: AbortSignal): SelectorContext {
  let table: Promise<readonly FrameInfo[]> | undefined;
  const stream = {
    index: source.index,
    width: source.width,
    height: source.height,
    pixFmt: source.pixFmt,
    timeBase: source.timeBase,
  };
  return {
    file: source.path,
    stream,
    ...(signal ? { signal } : {}),
    frameTable() {
      table ??= decodeFrames({
        input: source.path,
        stream,
        outputs: [{ kind: 'null' }],
        ...(signal ? { signal } : {}),
      }).then((r) => r.decoded);
      return table;
    },
    async forEachGrayFrame(fn) {
      // Frame facts arrive on stderr and pixels on stdout; each frame is analysed as soon as both are in, so only a
      // few frames are ever held.
      const infos = new Map<number, FrameInfo>();
      const pixels = new Map<number, Buffer>();
      const tryRun = (k: number): void => {
        const info = infos.get(k);
        const gray = pixels.get(k);
        if (!info || !gray) return;
        infos.delete(k);
        pixels.delete(k);
        fn(info, gray, source.width, source.height);
      };
      const result = await decodeFrames({
        input: source.path,
        stream,
        onOutputFrame: (frame, k) => {
          infos.set(k, frame);
          tryRun(k);
        },
        outputs: [
          {
            kind: 'raw',
            pixFmt: 'gray',
            onUnit: (gray, k) => {
              pixels.set(k, gray);
              tryRun(k);
            },
          },
        ],
        ...(signal ? { signal } : {}),
      });
      return result.decoded;
    },
  };
}

/**
 * Takes frames from a video item and stores each as a derived PNG item, frame-accurately: every decoded frame is
 * counted exactly once in presentation order, timestamps are the file's own, and each frame records its source,
 * index, timestamp (exact and in seconds), picture type and a hash of its decoded pixels. Nothing is stored when
 * nothing could be decoded; a damaged file keeps the frames before the damage, with a warning saying where.
 */
export async function extractFrames(
  store: CaseStore,
  itemId: string,
  selection: { selector: string; params?: unknown },
  options: ExtractFramesOptions,
): Promise<ExtractFramesReport> {
  // The write lock keeps an ingest from clearing the temp folder under the frames being stored.
  const lock = store.lock('extract frames');
  try {
    return await extractFramesLocked(store, itemId, selection, options);
  } finally {
    lock.release();
  }
}

/**
 * What the decode says about itself before anything is recorded: a time base that is not the stream's, or
 * frames other than the planned ones, stop the extraction; damage and incomplete frames become warnings.
 * `written` is how many frames have both their PNG and their pixel hash.
 */
function checkDecoded(
  result: Awaited<ReturnType<typeof decodeFrames>>,
  source: { timeBase: readonly [number, number] },
  plan: SelectionPlan,
  item: Item,
  written: number,
): { warnings: string[]; damage: string | null; complete: number } {
  if (result.timeBase[0] * source.timeBase[1] !== result.timeBase[1] * source.timeBase[0]) {
    throw new VestigeError(
      'E_FFMPEG_FAILED',
      `ffmpeg decoded with time base ${result.timeBase.join('/')} instead of the stream's ${source.timeBase.join('/')}; timestamps would be wrong.`,
      {
        file: item.id,
      },
    );
  }
  const warnings: string[] = [];
  const damage = describeDamage(result.problems, result.decoded, result.timeBase);
  if (damage) warnings.push(damage);
  const complete = Math.min(written, result.selected.length);
  if (complete < result.selected.length)
    warnings.push(
      `${result.selected.length - complete} selected frame(s) could not be written out completely and were not kept.`,
    );
  if (plan.expected && !damage) {
    const got = result.selected.map((f) => f.index);
    if (got.length !== plan.expected.length || got.some((v, i) => v !== plan.expected![i])) {
      throw new VestigeError(
        'E_FFMPEG_FAILED',
        'The frames ffmpeg selected differ from the frames planned; nothing was recorded.',
        {
          file: item.id,
          details: { planned: plan.expected.slice(0, 50), selected: got.slice(0, 50) },
        },
      );
    }
  }
  if (result.decoded.length === 0) {
    throw new VestigeError('E_INPUT_CORRUPT', `no frame of ${item.id} (${item.name}) could be decoded.`, {
      file: item.id,
      hint: 'The video data is damaged from the start. Probe it with `vestige probe` to see what the file holds.',
      details: { problems: result.problems.slice(0, 10) },
    });
  }
  return { warnings, damage, complete };
}

/** A decoded frame as stored: its PNG's digests and the hash of its decoded pixels. */
interface StoredFrame {
  info: FrameInfo;
  digests: Digests;
  pixelHash: string;
  time: ReturnType<typeof ptsToRational> | null;
}

/** The frame items to record: a name from the video's and the frame's number, and what the frame is in the video. */
function frameOutputs(
  frames: StoredFrame[],
  from: {
    item: Item;
    source: VideoSource;
    selectorId: string;
    plan: SelectionPlan;
    timeBase: readonly [number, number];
    pngFormat: string;
  },
) {
  const { item, source, plan, timeBase } = from;
  const stem = item.name.replace(/\.[^./]+$/, '') || item.id;
  const baseMetadata = {
    kind: 'video-frame',
    sourceItemId: item.id,
    sourceSha256: item.sha256,
    sourceName: item.name,
    stream: source.index,
    timeBase: `${timeBase[0]}/${timeBase[1]}`,
    codec: source.codec,
    sourcePixelFormat: source.pixFmt,
    pngPixelFormat: from.pngFormat,
    rotationApplied: source.rotation,
    selector: from.selectorId,
  };
  return frames.map(({ info, digests, pixelHash, time }) => ({
    digests,
    name: `${stem}_f${String(info.index).padStart(6, '0')}.png`,
    mediaType: 'image/png',
    metadata: {
      ...baseMetadata,
      frameIndex: info.index,
      pts: info.pts,
      time: time ? rationalToString(time) : null,
      seconds: time ? time.num / time.den : null,
      pictType: info.pictType,
      keyFrame: info.key,
      fieldOrder: info.fieldOrder,
      width: info.width,
      height: info.height,
      pixelHash: { algorithm: 'sha256', pixelFormat: info.pixFmt, value: pixelHash },
      ...(plan.perFrame?.get(info.index) ?? {}),
    },
  }));
}

/**
 * The decoding step of the provenance record: ffmpeg's arguments (the source path left out) and what it did, for the
 * report.
 */
function decodeToPngStep(
  source: VideoSource,
  plan: SelectionPlan,
  decoding: { pngFormat: string; upright: string[]; ffmpegArgs: string[] },
) {
  const { pngFormat, upright } = decoding;
  return {
    // Version 2: PNGs are encoded with PNG_ENCODER_ARGS (same pixels as version 1, different bytes).
    operation: 'video.decode-to-png',
    version: '2',
    parameters: {
      stream: source.index,
      selectExpression: plan.expression,
      pngPixelFormat: pngFormat,
      pngEncoderArgs: PNG_ENCODER_ARGS,
      upright: upright,
      pixelHash: 'sha256 of each decoded frame in the source pixel format (ffmpeg -f framehash -hash sha256)',
      ffmpegArgs: decoding.ffmpegArgs,
    },
    description:
      `Decoded every frame of video stream #${source.index} (${source.codec}) with ffmpeg in presentation order, keeping the file's own timestamps ` +
      `and adding or dropping no frame; each selected frame was saved losslessly as PNG (${pngFormat}${upright.length ? `, turned upright by ${source.rotation}°` : ''}).`,
  };
}

async function extractFramesLocked(
  store: CaseStore,
  itemId: string,
  selection: { selector: string; params?: unknown },
  options: ExtractFramesOptions,
): Promise<ExtractFramesReport> {
  const now = options.now ?? (() => new Date());
  const { selector, params } = validateSelection(selection.selector, selection.params ?? {});
  const item: Item = store.item(itemId);
  const path = await verifiedItemPath(store, item);
  const startedAt = now();
  const source = await openVideoSource(path, {
    displayName: `${item.id} (${item.name})`,
    ...(options.stream !== undefined ? { stream: options.stream } : {}),
  });
  const plan: SelectionPlan = await selector.plan(params as never, selectorContext(source, options.signal));

  const pngFormat = pngPixelFormat(source);
  const upright = uprightFilters(source.rotation);
  const pixelHashes: string[] = [];
  const expectedCount = plan.expected?.length ?? null;
  // Each PNG is hashed and written as its bytes arrive, and flushed to disk in the background.
  const pngs = new UnitBlobs(store.blobs, (k) => options.onProgress?.(k + 1, expectedCount));
  let result: Awaited<ReturnType<typeof decodeFrames>>;
  let stored: Digests[];
  try {
    result = await decodeFrames({
      input: path,
      stream: { index: source.index, width: source.width, height: source.height, pixFmt: source.pixFmt },
      select: plan.expression,
      outputs: [
        {
          kind: 'png',
          pixFmt: pngFormat,
          filters: upright,
          openUnit: pngs.openUnit,
        },
        { kind: 'raw', onDigest: (sha256, k) => void (pixelHashes[k] = sha256) },
      ],
      ...(options.signal ? { signal: options.signal } : {}),
    });
    // Every frame blob must be durable before any record points at it.
    stored = await pngs.settled();
  } catch (err) {
    await pngs.abandon();
    throw err;
  }
  const { warnings, damage, complete } = checkDecoded(
    result,
    source,
    plan,
    item,
    Math.min(stored.length, pixelHashes.length),
  );

  const frames = result.selected.slice(0, complete).map((f, k) => {
    const time = f.pts === null ? null : ptsToRational(f.pts, result.timeBase);
    return { info: f, digests: stored[k]!, pixelHash: pixelHashes[k]!, time };
  });
  const outputs = frameOutputs(frames, {
    item,
    source,
    selectorId: selector.id,
    plan,
    timeBase: result.timeBase,
    pngFormat,
  });

  const description = selector.describe(params as never);
  let provenanceId: string | null = null;
  let items: Item[] = [];
  if (outputs.length > 0) {
    const recorded = store.recordDerivation({
      activity: EXTRACT_ACTIVITY,
      inputs: [{ sha256: item.sha256, itemId: item.id, role: 'source' }],
      steps: [
        { operation: `video.select.${selector.id}`, version: selector.version, parameters: params, description },
        decodeToPngStep(source, plan, {
          pngFormat,
          upright,
          ffmpegArgs: result.args.map((a) => (a === path ? '<source>' : a)),
        }),
      ],
      outputs,
      libraries: { ffmpeg: result.ffmpeg.version, ffmpegSource: result.ffmpeg.source },
      operator: options.operator,
      startedAt,
      finishedAt: now(),
    });
    provenanceId = recorded.provenance.id;
    items = recorded.items;
  }
  return {
    source: { itemId: item.id, sha256: item.sha256, name: item.name, stream: source.index },
    selector: { id: selector.id, version: selector.version, params, description },
    provenanceId,
    frames: frames.map(({ info, digests, pixelHash, time }, k) => ({
      itemId: items[k]!.id,
      name: outputs[k]!.name,
      sha256: digests.sha256,
      index: info.index,
      pts: info.pts,
      time: time ? rationalToString(time) : null,
      seconds: time ? time.num / time.den : null,
      pictType: info.pictType,
      key: info.key,
      pixelHash,
      ...(plan.perFrame?.has(info.index) ? { details: plan.perFrame.get(info.index)! } : {}),
    })),
    decodedFrames: result.decoded.length,
    notes: plan.notes ?? [],
    warnings,
    damaged: damage !== null,
  };
}
