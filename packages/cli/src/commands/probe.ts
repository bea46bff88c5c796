import { VestigeError } from '@vestige/evidence/errors';
import type { VideoProbe, VideoStreamReport } from '@vestige/video';
import type { CaseStore as CaseStoreType } from '@vestige/evidence';
import { ExitCode, type CliCommand } from '../command.ts';

function formatRate(v: VideoStreamReport): string {
  const r = v.rate;
  if (r.mode === 'unknown') return 'unknown (fewer than two timestamps)';
  const fps = r.meanFps === null ? '?' : r.meanFps.toFixed(3);
  if (r.mode === 'constant')
    return `constant, ${fps} fps (every frame ${(r.medianIntervalSeconds! * 1000).toFixed(3)} ms)`;
  const gaps = r.gapCount > 0 ? `; ${r.gapCount} gap(s) longer than 1.5× the usual interval` : '';
  const repeats = r.repeatedTimestamps > 0 ? `; ${r.repeatedTimestamps} repeated timestamp(s)` : '';
  return `VARIABLE, mean ${fps} fps, intervals ${(r.minIntervalSeconds! * 1000).toFixed(1)}–${(r.maxIntervalSeconds! * 1000).toFixed(1)} ms${gaps}${repeats}`;
}

export function probeText(p: VideoProbe, withFrames: boolean): string {
  const lines: string[] = [];
  const s = p.summary;
  lines.push(`${p.file}`);
  lines.push(
    `  container   ${s.formatLongName ?? s.format} (${p.size} bytes), duration ${s.duration ?? '?'} s${s.creationTime ? `, created ${s.creationTime}` : ''}`,
  );
  if (s.timecode) lines.push(`  timecode    ${s.timecode}`);
  for (const st of s.streams) {
    const what =
      st.type === 'video'
        ? `${st.codec ?? 'UNKNOWN CODEC'} ${st.width}x${st.height} ${st.pixFmt ?? ''} ${st.frameRate ?? ''}`
        : st.type === 'audio'
          ? `${st.codec ?? 'UNKNOWN CODEC'} ${st.sampleRate ?? '?'} Hz ${st.channels ?? '?'} ch`
          : `${st.codec ?? 'unknown'}`;
    lines.push(`  stream #${st.index}  ${st.type.padEnd(8)} ${what.trim()}`);
  }
  for (const v of p.video) {
    lines.push(`  video stream #${v.index}:`);
    lines.push(
      `    codec          ${v.codec ?? `unknown (tag ${v.codecTag})`}${v.decodable ? '' : ' — NOT DECODABLE by this ffmpeg'}`,
    );
    lines.push(
      `    picture        ${v.width}x${v.height}, ${v.pixFmt ?? '?'} (${v.bitDepth}-bit), ${v.fieldOrder ?? 'field order unknown'}, rotation ${v.rotation}°`,
    );
    lines.push(
      `    frames         declared ${v.declaredFrames ?? 'none'}, counted ${v.countedFrames} (packets)${v.decodedFrames === null ? '' : `, decoded ${v.decodedFrames}`}${v.frameCountMismatch ? '  ← HEADER DISAGREES' : ''}`,
    );
    lines.push(
      `    frame rate     ${formatRate(v)}${v.nominalFrameRate ? ` (header says ${v.nominalFrameRate})` : ''}`,
    );
    lines.push(
      `    time base      ${v.timeBase ?? '?'}, keyframes ${v.keyframes}${v.timecode ? `, timecode ${v.timecode}` : ''}`,
    );
    for (const g of v.rate.gaps.slice(0, 10))
      lines.push(
        `      gap after frame ${g.afterFrame}: ${(g.seconds * 1000).toFixed(1)} ms (≈${g.missingFrames} frame(s) missing)`,
      );
    if (v.rate.gaps.length > 10) lines.push(`      … ${v.rate.gapCount - 10} more gaps (see --json)`);
    if (v.duplicateRuns) {
      lines.push(
        `    duplicates     ${v.duplicateFrames} frame(s) repeat the frame before them exactly, in ${v.duplicateRuns.length} run(s)`,
      );
      for (const r of v.duplicateRuns.slice(0, 10))
        lines.push(`      frames ${r.first}–${r.last} identical (${r.length} frames)`);
      if (v.duplicateRuns.length > 10) lines.push(`      … ${v.duplicateRuns.length - 10} more runs (see --json)`);
    } else if (v.decodable) {
      lines.push(`    duplicates     not checked (--quick)`);
    }
    if (withFrames && v.frames) {
      lines.push(
        `    ${'frame'.padStart(7)}  ${'pts'.padStart(10)}  ${'time (s)'.padStart(12)}  type  key  pixel sha256`,
      );
      for (const f of v.frames) {
        lines.push(
          `    ${String(f.index).padStart(7)}  ${String(f.pts ?? '-').padStart(10)}  ${(f.seconds ?? NaN).toFixed(6).padStart(12)}  ${f.pictType.padEnd(4)}  ${f.key ? 'K' : ' '}    ${f.pixelHash}`,
        );
      }
    }
  }
  for (const w of p.warnings) lines.push(`  WARNING: ${w}`);
  return lines.join('\n');
}

export const command: CliCommand = {
  name: 'probe',
  summary:
    'Tell what a video file really is: streams, real frame count, constant/variable rate, frame types, duplicates',
  usage: `vestige probe FILE [--frames] [--quick] [--json]
vestige probe ITEM --case DIR [--frames] [--quick] [--json]

Reads the container and every packet (the header's frame count is checked, not trusted), then decodes every
frame to find picture types and runs of identical frames (common in CCTV recorders).

Options:
  --frames      list every frame: index, PTS, exact time, picture type (I/P/B), key flag, decoded-pixel SHA-256
  --quick       read packets only; do not decode (no duplicate check)
  --case DIR    FILE is an item id in this case (the stored original is probed; nothing is changed)
  --json        machine-readable report`,
  options: { frames: { type: 'boolean' }, quick: { type: 'boolean' }, case: { type: 'string', short: 'c' } },
  allowPositionals: true,
  async run({ values, positionals }, out) {
    const target = positionals[0];
    if (!target || positionals.length > 1) {
      throw new VestigeError('E_USAGE', 'probe takes exactly one file (or item id with --case).', {
        hint: this.usage.split('\n')[0],
      });
    }
    let path = target;
    let store: CaseStoreType | undefined;
    const { CaseStore } = await import('@vestige/evidence');
    if (typeof values.case === 'string') {
      store = CaseStore.open(values.case, { readOnly: true });
      try {
        path = store.blobs.pathOf(store.item(target).sha256);
      } catch (err) {
        store.close();
        throw err;
      }
    }
    const { probeVideo } = await import('@vestige/video');
    try {
      const report = await probeVideo(path, { decode: !values.quick, frames: Boolean(values.frames) });
      const shown = store ? { ...report, file: target } : report;
      out.stdout(out.json ? JSON.stringify(shown) : probeText(shown, Boolean(values.frames)));
      return ExitCode.ok;
    } finally {
      store?.close();
    }
  },
};
