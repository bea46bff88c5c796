import { existsSync } from 'node:fs';
import { VestigeError } from '@vestige/evidence';
import { DRAWTEXT_FONT, ffmpegFeatures, type ResolvedBinary } from '@vestige/ffmpeg';
import { frameClock, localToUtcMs, type ClockCorrection } from '../time/clock.ts';

/** Text for drawtext's `textfile`: literal characters escaped so that only our `%{…}` sequences expand. */
export function drawtextLiteral(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/%/g, '\\%');
}

/** drawtext needs libfreetype in the build and a font file; say plainly which is missing. */
export function requireDrawtext(ffmpeg: ResolvedBinary): string {
  if (!ffmpegFeatures(ffmpeg).drawtext) {
    throw new VestigeError(
      'E_TOOL_MISSING',
      'this ffmpeg build has no drawtext filter, so frame numbers cannot be burned in.',
      {
        hint: "Use an ffmpeg built with libfreetype (Debian's ffmpeg package has it); see 'vestige doctor'.",
      },
    );
  }
  if (!existsSync(DRAWTEXT_FONT)) {
    throw new VestigeError('E_TOOL_MISSING', `the font for burned-in text is missing: ${DRAWTEXT_FONT}.`, {
      file: DRAWTEXT_FONT,
      hint: 'Install it (apt-get install fonts-dejavu-core) or point VESTIGE_FONT at a TrueType font.',
    });
  }
  return DRAWTEXT_FONT;
}

export interface BurnInOptions {
  readonly caseReference?: string;
  readonly itemLabel?: string;
  /** When the recorder's clock has been corrected, the corrected time is burned in beside the PTS. */
  readonly clock?: ClockCorrection;
  /** PTS (seconds) of the stream's first frame, the zero of the recorder clock. */
  readonly firstPtsSeconds: number;
}

/**
 * The burned-in lines: frame index and PTS always; case reference, item, and corrected time when known. drawtext
 * must see every decoded frame (it runs before selection) so that `%{n}` is the frame's index in the stream.
 */
export function burnInText(options: BurnInOptions): string {
  const lines: string[] = [];
  const head = [
    options.caseReference ? `Case ${drawtextLiteral(options.caseReference)}` : '',
    options.itemLabel ? drawtextLiteral(options.itemLabel) : '',
  ]
    .filter(Boolean)
    .join('  ');
  if (head) lines.push(head);
  lines.push('Frame %{n}   PTS %{pts} s (%{pts:hms})');
  if (options.clock) {
    // gmtime with an epoch offset prints local wall time: offset = corrected local time at PTS 0, as if it were UTC.
    const atZero = frameClock(options.clock, -options.firstPtsSeconds);
    const local = atZero.correctedLocal.replace(/[+-]\d{2}:\d{2}$/, '');
    const epoch = localToUtcMs(local, 'UTC') / 1000;
    const zone = atZero.correctedLocal.slice(-6);
    lines.push(
      `Corrected %{pts:gmtime:${epoch.toFixed(3)}:%Y-%m-%d %H\\:%M\\:%S} (UTC${zone}, ${drawtextLiteral(options.clock.timeZone)})`,
    );
  }
  return lines.join('\n');
}

/** The drawtext filter reading `textFile`, sized to the picture. */
export function drawtextFilter(textFile: string, font: string, height: number): string {
  const size = Math.max(12, Math.round(height / 28));
  const esc = (p: string) => p.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/:/g, '\\:');
  return `drawtext=fontfile='${esc(font)}':textfile='${esc(textFile)}':expansion=normal:fontsize=${size}:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=${Math.round(size / 4)}:x=${Math.round(size / 2)}:y=${Math.round(size / 2)}:line_spacing=${Math.round(size / 4)}`;
}
