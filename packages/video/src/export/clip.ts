import { writeFileSync } from 'node:fs';
import { withCaseLock } from './case-lock-run.ts';
import { VestigeError, type CaseStore, type Item, type ProvenanceStep, verifiedItemPath } from '@vestige/evidence';
import { recordVideo } from './record-video.ts';
import { ffmpegFeatures, resolveFfmpeg, videoTimingArgs, runTool, stderrTail } from '@vestige/ffmpeg';
import { openVideoSource } from '../extract/source.ts';
import { selectorContext } from '../extract/extract-frames.ts';
import { validateSelection } from '../select/registry.ts';
import { getClockCorrection } from '../time/clock.ts';
import { scanPackets } from '../probe/packets.ts';
import { burnInText, drawtextFilter, requireDrawtext } from './burn-in.ts';

export const CLIP_ACTIVITY = 'video.export-clip';

export interface ExportClipOptions {
  readonly operator: string;
  /** `h264` (MP4, for viewing; default) or `ffv1` (Matroska, lossless). */
  readonly format?: 'h264' | 'ffv1';
  /** Burn in frame number, PTS, case reference and corrected time (default true). */
  readonly burnIn?: boolean;
  readonly now?: () => Date;
  readonly signal?: AbortSignal;
}

export interface ExportClipReport {
  readonly itemId: string;
  readonly sha256: string;
  readonly name: string;
  readonly provenanceId: string;
  readonly frames: number;
}

/**
 * Exports a contiguous part of a video (frame range or time range) as a new derived video item, with the frame
 * number, PTS and case reference burned into every frame (and the corrected recorder time when the item has a
 * clock correction). Frames keep their own timing (no frames added or dropped); audio is not carried.
 */
export async function exportClip(
  store: CaseStore,
  itemId: string,
  selection: { selector: 'range' | 'time-range' | 'all'; params?: unknown },
  options: ExportClipOptions,
): Promise<ExportClipReport> {
  const now = options.now ?? (() => new Date());
  const { selector, params } = validateSelection(selection.selector, selection.params ?? {});
  const item: Item = store.item(itemId);
  return withCaseLock(store, 'export clip', async (tmpFiles) => {
    const path = await verifiedItemPath(store, item);
    const startedAt = now();
    const source = await openVideoSource(path, { displayName: `${item.id} (${item.name})` });
    const plan = await selector.plan(params as never, selectorContext(source, options.signal));
    const ffmpeg = resolveFfmpeg();
    const features = ffmpegFeatures(ffmpeg);
    const format = options.format ?? 'h264';
    const burn = options.burnIn ?? true;
    const filters: string[] = [];
    const clock = getClockCorrection(store, item.id);
    if (burn) {
      const font = requireDrawtext(ffmpeg);
      const startTime = Number(source.stream.start_time ?? 0) || 0;
      const text = burnInText({
        caseReference: store.info.reference || store.info.name,
        itemLabel: `${item.id} ${item.name}`,
        firstPtsSeconds: startTime,
        ...(clock ? { clock } : {}),
      });
      const textFile = store.blobs.newTempPath() + '.txt';
      writeFileSync(textFile, text);
      tmpFiles.push(textFile);
      filters.push(drawtextFilter(textFile, font, source.height));
    }
    if (plan.expression) filters.push(`select='${plan.expression.replace(/'/g, "\\'")}'`);
    filters.push('setpts=PTS-STARTPTS');
    const out = store.blobs.newTempPath() + (format === 'h264' ? '.mp4' : '.mkv');
    tmpFiles.push(out);
    const codec =
      format === 'h264'
        ? ['-c:v', 'libx264', '-preset', 'medium', '-crf', '18', '-pix_fmt', 'yuv420p', '-movflags', '+faststart']
        : ['-c:v', 'ffv1', '-level', '3', '-g', '1', '-slicecrc', '1'];
    const args = [
      '-nostdin',
      '-hide_banner',
      '-v',
      'error',
      '-copyts',
      '-noautorotate',
      '-i',
      path,
      '-map',
      `0:${source.index}`,
      '-an',
      '-sn',
      '-dn',
      '-vf',
      filters.join(','),
      ...videoTimingArgs(features),
      ...codec,
      '-fflags',
      '+bitexact',
      '-flags:v',
      '+bitexact',
      '-map_metadata',
      '-1',
      out,
    ];
    const result = await runTool(ffmpeg.path, args, { ...(options.signal ? { signal: options.signal } : {}) });
    if (result.code !== 0) {
      throw new VestigeError('E_FFMPEG_FAILED', `ffmpeg could not export the clip: ${stderrTail(result.stderr)}`, {
        file: item.id,
      });
    }
    const frames = (await scanPackets(out, 0, options.signal)).packets;
    if (frames === 0) {
      throw new VestigeError('E_PARAM_INVALID', `the selection holds no frames of ${item.id}; nothing was exported.`, {
        file: item.id,
        hint: 'Check the range against `vestige probe`.',
      });
    }
    const digests = await store.blobs.putFile(out);
    const stem = item.name.replace(/\.[^./]+$/, '') || item.id;
    const label =
      selector.id === 'range'
        ? `f${(params as { from: number }).from}-${(params as { to: number }).to}`
        : selector.id === 'time-range'
          ? `t${(params as { from: string }).from}-${(params as { to: string }).to}`
          : 'all';
    const name = `${stem}_clip_${label.replace(/[^0-9A-Za-z._-]/g, '_')}.${format === 'h264' ? 'mp4' : 'mkv'}`;
    const steps: ProvenanceStep[] = [
      {
        operation: `video.select.${selector.id}`,
        version: selector.version,
        parameters: params,
        description: selector.describe(params as never),
      },
      {
        operation: 'video.encode-clip',
        version: '1',
        parameters: {
          format,
          burnIn: burn,
          clockCorrection: clock ?? null,
          ffmpegArgs: args.map((a) => (a === path ? '<source>' : a === out ? '<output>' : a)),
        },
        description:
          `Re-encoded the selected frames of stream #${source.index} ${format === 'h264' ? 'as H.264 (lossy, for viewing)' : 'as FFV1 (lossless)'}, each frame kept with its own timing` +
          (burn
            ? `, with the frame number in the original stream, its PTS and the case reference burned into the picture${clock ? ', and the corrected recorder time' : ''}.`
            : '.'),
      },
    ];
    const made = recordVideo(store, {
      activity: CLIP_ACTIVITY,
      source: item,
      steps,
      output: {
        digests,
        name,
        mediaType: format === 'h264' ? 'video/mp4' : 'video/x-matroska',
        metadata: {
          kind: 'video-clip',
          sourceItemId: item.id,
          sourceSha256: item.sha256,
          selector: selector.id,
          params,
          burnIn: burn,
          format,
        },
      },
      ffmpegVersion: ffmpeg.version,
      operator: options.operator,
      startedAt,
      finishedAt: now(),
    });
    return { ...made, frames };
  });
}
