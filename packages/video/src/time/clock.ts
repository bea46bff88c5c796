import { z } from 'zod';
import { VestigeError, type CaseStore, schemaProblems } from '@vestige/evidence';

/**
 * A recorder's clock, as established by the examiner: DVR clocks drift and rarely know their time zone. The
 * correction is stored as a case record beside the item (its own custody event); the item, its metadata and every
 * frame's timestamps stay as they were, and both times are always shown side by side.
 */
export const CLOCK_COLLECTION = 'video.clock-corrections';

const localDateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?$/;

export const clockCorrectionSchema = z
  .object({
    /** What the recorder's clock showed for the first frame (PTS of frame 0), as a local date-time without zone. */
    recorderStart: z
      .string()
      .regex(localDateTime, 'use YYYY-MM-DDTHH:MM:SS[.mmm] as the recorder displayed it, without a zone'),
    /** True time minus recorder time, in seconds (positive when the recorder is slow). */
    offsetSeconds: z.number().finite(),
    /** The zone the recorder's clock was meant to show: an IANA name (Europe/London) or a fixed offset (+01:00). */
    timeZone: z.string().min(1),
    /** How the offset was established (e.g. "compared with the speaking clock on 2026-03-20 10:00"). */
    basis: z.string().min(1).max(2000),
  })
  .strict();

export type ClockCorrection = z.infer<typeof clockCorrectionSchema>;

/** Offset of `zone` from UTC (ms) at the instant `utcMs`. */
function zoneOffsetMs(zone: string, utcMs: number): number {
  const fixed = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (fixed) return (fixed[1] === '-' ? -1 : 1) * (Number(fixed[2]) * 60 + Number(fixed[3])) * 60_000;
  if (zone === 'UTC' || zone === 'Z') return 0;
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(utcMs));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

export function validateTimeZone(zone: string): void {
  if (/^([+-])(\d{2}):?(\d{2})$/.test(zone) || zone === 'UTC') return;
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
  } catch {
    throw new VestigeError('E_PARAM_INVALID', `unknown time zone '${zone}'.`, {
      hint: 'Use an IANA zone name such as Europe/London, or a fixed offset such as +01:00.',
    });
  }
}

/** A wall-clock time in `zone` (no zone in the string) to UTC milliseconds; DST gaps resolve forwards. */
export function localToUtcMs(local: string, zone: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$/.exec(local);
  if (!m) throw new VestigeError('E_PARAM_INVALID', `'${local}' is not a local date-time (YYYY-MM-DDTHH:MM:SS[.mmm]).`);
  const ms = Number((m[7] ?? '').padEnd(3, '0') || 0);
  const naive = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms);
  let utc = naive - zoneOffsetMs(zone, naive);
  utc = naive - zoneOffsetMs(zone, utc);
  return utc;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** UTC milliseconds as local wall-clock time in `zone`, with its offset: `2026-03-14T21:00:01.240+00:00`. */
export function formatInZone(utcMs: number, zone: string): string {
  const offset = zoneOffsetMs(zone, utcMs);
  const d = new Date(utcMs + offset);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset) / 60_000;
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

export interface FrameClock {
  /** Seconds from the start of the stream (frame PTS minus the first frame's PTS). */
  readonly streamSeconds: number;
  /** What the recorder's clock showed, as it showed it (no zone). */
  readonly recorderTime: string;
  /** The corrected time: recorder time + offset, in the recorder's zone, with the zone's offset. */
  readonly correctedLocal: string;
  readonly correctedUtc: string;
}

/** Recorder time and corrected time of a moment `streamSeconds` into the video. */
export function frameClock(correction: ClockCorrection, streamSeconds: number): FrameClock {
  const recorderUtc = localToUtcMs(correction.recorderStart, 'UTC') + Math.round(streamSeconds * 1000);
  const recorderTime = new Date(recorderUtc).toISOString().replace('Z', '');
  const corrected = localToUtcMs(recorderTime, correction.timeZone) + Math.round(correction.offsetSeconds * 1000);
  return {
    streamSeconds,
    recorderTime,
    correctedLocal: formatInZone(corrected, correction.timeZone),
    correctedUtc: new Date(corrected).toISOString(),
  };
}

/** Records (or replaces) the clock correction of a video item; the original item is not touched. */
export function setClockCorrection(
  store: CaseStore,
  itemId: string,
  correction: unknown,
  operator: string,
): ClockCorrection {
  const item = store.item(itemId);
  const parsed = clockCorrectionSchema.safeParse(correction);
  if (!parsed.success) {
    throw new VestigeError(
      'E_PARAM_INVALID',
      `bad clock correction: ${schemaProblems(parsed.error.issues, 5, 'value')}`,
      { file: itemId },
    );
  }
  validateTimeZone(parsed.data.timeZone);
  store.putRecord(
    CLOCK_COLLECTION,
    item.id,
    { ...parsed.data, itemSha256: item.sha256 },
    operator,
    'video.clock-corrected',
  );
  return parsed.data;
}

export function getClockCorrection(store: CaseStore, itemId: string): ClockCorrection | undefined {
  const value = store.getRecord<ClockCorrection & { itemSha256: string }>(CLOCK_COLLECTION, itemId);
  if (!value) return undefined;
  const { itemSha256: _ignored, ...rest } = value;
  return rest;
}
