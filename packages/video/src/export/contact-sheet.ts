import { rmSync, writeFileSync } from 'node:fs';
import { VestigeError, type CaseStore, type Item, verifiedItemPath } from '@vestige/evidence';
import { decodeFrames, PNG_ENCODER_ARGS } from '../decode/session.ts';
import { resolveFfmpeg } from '@vestige/ffmpeg';
import { openVideoSource } from '../extract/source.ts';
import { selectorContext } from '../extract/extract-frames.ts';
import { UnitBlobs } from '../extract/blob-units.ts';
import { validateSelection } from '../select/registry.ts';
import { drawtextFilter, drawtextLiteral, requireDrawtext } from './burn-in.ts';

export const SHEET_ACTIVITY = 'video.contact-sheet';

export interface ContactSheetOptions {
  readonly operator: string;
  readonly columns?: number;
  readonly rows?: number;
  /** Width of each thumbnail in pixels. */
  readonly thumbWidth?: number;
  readonly now?: () => Date;
}

export interface ContactSheetReport {
  readonly sheets: ReadonlyArray<{ itemId: string; sha256: string; name: string }>;
  readonly frames: readonly number[];
  readonly provenanceId: string | null;
}

/**
 * Contact sheets of the frames a selector picks: thumbnails in a grid, each labelled with its frame index and PTS
 * (burned in before selection, so the number is the frame's index in the stream), as PNG items.
 */
export async function contactSheet(
  store: CaseStore,
  itemId: string,
  selection: { selector: string; params?: unknown },
  options: ContactSheetOptions,
): Promise<ContactSheetReport> {
  const now = options.now ?? (() => new Date());
  const { selector, params } = validateSelection(selection.selector, selection.params ?? {});
  const columns = options.columns ?? 4;
  const rows = options.rows ?? 4;
  const thumbWidth = options.thumbWidth ?? 320;
  if (![columns, rows, thumbWidth].every((n) => Number.isInteger(n) && n > 0 && n <= 4096)) {
    throw new VestigeError('E_PARAM_INVALID', 'columns, rows and thumbnail width must be positive whole numbers.');
  }
  const item: Item = store.item(itemId);
  const lock = store.lock('contact sheet');
  const tmp: string[] = [];
  try {
    const path = await verifiedItemPath(store, item);
    const startedAt = now();
    const source = await openVideoSource(path, { displayName: `${item.id} (${item.name})` });
    const plan = await selector.plan(params as never, selectorContext(source));
    const ffmpeg = resolveFfmpeg();
    const font = requireDrawtext(ffmpeg);
    const textFile = store.blobs.newTempPath() + '.txt';
    writeFileSync(textFile, `${drawtextLiteral(item.id)} f%{n}  %{pts:hms}`);
    tmp.push(textFile);
    const thumbHeight = Math.round((source.height * thumbWidth) / source.width / 2) * 2;
    const sheets = new UnitBlobs(store.blobs);
    let result;
    let stored;
    try {
      // The label is drawn at full size before scaling, so it is sized to the source and shrinks with the thumbnail.
      result = await decodeFrames({
        input: path,
        stream: { index: source.index, width: source.width, height: source.height, pixFmt: source.pixFmt },
        select: plan.expression,
        preFilters: [drawtextFilter(textFile, font, Math.round(source.height * 1.6))],
        outputs: [
          {
            kind: 'png',
            pixFmt: 'rgb24',
            filters: [`scale=${thumbWidth}:${thumbHeight}`, `tile=${columns}x${rows}:padding=4:margin=4:color=white`],
            openUnit: sheets.openUnit,
          },
        ],
      });
      stored = await sheets.settled();
    } catch (err) {
      await sheets.abandon();
      throw err;
    }
    const frames = result.selected.map((f) => f.index);
    if (stored.length === 0) return { sheets: [], frames, provenanceId: null };
    const stem = item.name.replace(/\.[^./]+$/, '') || item.id;
    const perSheet = columns * rows;
    const recorded = store.recordDerivation({
      activity: SHEET_ACTIVITY,
      inputs: [{ sha256: item.sha256, itemId: item.id, role: 'source' }],
      steps: [
        {
          operation: `video.select.${selector.id}`,
          version: selector.version,
          parameters: params,
          description: selector.describe(params as never),
        },
        {
          // Version 2: sheets are encoded with PNG_ENCODER_ARGS.
          operation: 'video.tile-thumbnails',
          version: '2',
          parameters: { columns, rows, thumbWidth, pngEncoderArgs: PNG_ENCODER_ARGS },
          description: `Labelled each frame with its index in the stream and its PTS, scaled it to ${thumbWidth} pixels wide and laid the selected frames out ${columns} by ${rows} per sheet (PNG). For viewing; extract frames for examination.`,
        },
      ],
      outputs: stored.map((digests, i) => ({
        digests,
        name: `${stem}_sheet_${String(i + 1).padStart(3, '0')}.png`,
        mediaType: 'image/png',
        metadata: {
          kind: 'video-contact-sheet',
          sourceItemId: item.id,
          sourceSha256: item.sha256,
          selector: selector.id,
          frames: frames.slice(i * perSheet, (i + 1) * perSheet),
          columns,
          rows,
        },
      })),
      libraries: { ffmpeg: ffmpeg.version },
      operator: options.operator,
      startedAt,
      finishedAt: now(),
    });
    return {
      sheets: recorded.items.map((it) => ({ itemId: it.id, sha256: it.sha256, name: it.name })),
      frames,
      provenanceId: recorded.provenance.id,
    };
  } finally {
    for (const f of tmp) rmSync(f, { force: true });
    lock.release();
  }
}
