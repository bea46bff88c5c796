import { VestigeError } from '@vestige/evidence';
import type { VpdqFrameHash } from '../sets/types.ts';

/**
 * The two ways ThreatExchange's vPDQ writes a video hash, read and written here:
 *
 * - the reference per-frame file (`vpdq-hash-video`, the sample-hashes folder): one line per
 *   sampled frame, `frameNumber,quality,pdqHex,timestamp`, the timestamp with 3 decimals;
 * - the compact JSON list python-threatexchange exchanges (`vpdq_to_json`): a JSON array of
 *   `"pdqHex,quality,timestamp"` strings, the timestamp written with Python's `{:.3}` (three
 *   significant digits).
 */
const HEX = /^[0-9a-f]{64}$/;

function invalid(where: string, message: string, file?: string): VestigeError {
  return new VestigeError('E_HASHSET_INVALID', `${where}: ${message}`, {
    ...(file ? { file } : {}),
    hint: 'Each frame is frameNumber,quality,pdqHex,timestamp (or "pdqHex,quality,timestamp" in the JSON list form).',
  });
}

function frameHash(
  hex: string,
  quality: string,
  timestamp: string,
  where: string,
  file?: string,
): { hex: string; quality: number; timestamp: number } {
  const h = hex.trim().toLowerCase();
  const q = Number(quality);
  const t = Number(timestamp);
  if (!HEX.test(h)) throw invalid(where, `"${hex.slice(0, 70)}" is not a 64-digit PDQ hex`, file);
  if (!Number.isInteger(q) || q < 0 || q > 100)
    throw invalid(where, `quality "${quality}" is not a whole number from 0 to 100`, file);
  if (!Number.isFinite(t) || t < 0) throw invalid(where, `timestamp "${timestamp}" is not a time in seconds`, file);
  return { hex: h, quality: q, timestamp: t };
}

/** Parses the reference per-frame text form. */
export function parseVpdqFrames(text: string, file?: string): VpdqFrameHash[] {
  const out: VpdqFrameHash[] = [];
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((line, i) => {
      if (line.trim() === '') return;
      const parts = line.split(',');
      const where = `${file ?? 'vPDQ file'} line ${i + 1}`;
      if (parts.length !== 4)
        throw invalid(
          where,
          `has ${parts.length} fields; the reference form has 4 (frameNumber,quality,pdqHex,timestamp)`,
          file,
        );
      const frame = Number(parts[0]);
      if (!Number.isInteger(frame) || frame < 0)
        throw invalid(where, `frame number "${parts[0]}" is not a whole number`, file);
      out.push({ frame, ...frameHash(parts[2]!, parts[1]!, parts[3]!, where, file) });
    });
  return out;
}

/** Writes the reference per-frame text form (frame numbers default to the position in the list). */
export function formatVpdqFrames(frames: readonly VpdqFrameHash[]): string {
  return frames.map((f, i) => `${f.frame ?? i},${f.quality},${f.hex},${f.timestamp.toFixed(3)}\n`).join('');
}

/** Parses the JSON list form (a JSON string, or the already-parsed array). */
export function parseVpdqJson(json: string | unknown, file?: string): VpdqFrameHash[] {
  let list: unknown;
  try {
    list = typeof json === 'string' ? JSON.parse(json.replace(/^\uFEFF/, '') || '[]') : json;
  } catch {
    throw invalid(file ?? 'vPDQ JSON', 'is not JSON', file);
  }
  if (!Array.isArray(list))
    throw invalid(file ?? 'vPDQ JSON', 'is not a JSON list of "pdqHex,quality,timestamp" strings', file);
  return list.map((s, i) => {
    const where = `${file ?? 'vPDQ JSON'} item ${i + 1}`;
    if (typeof s !== 'string') throw invalid(where, 'is not a "pdqHex,quality,timestamp" string', file);
    const parts = s.split(',');
    if (parts.length !== 3) throw invalid(where, `has ${parts.length} fields; the JSON form has 3`, file);
    return frameHash(parts[0]!, parts[1]!, parts[2]!, where, file);
  });
}

/** Python's `format(x, '.3')` for the timestamps: three significant digits, as vpdq_to_json writes. */
export function pythonThreeSignificant(x: number): string {
  if (x === 0) return '0.0';
  const exp = Math.floor(Math.log10(Math.abs(Number(x.toPrecision(3)))));
  if (exp < -4 || exp >= 3) {
    const [m, e] = x.toExponential(2).split('e');
    const mant = m!.replace(/\.?0+$/, '');
    const n = Number(e);
    return `${mant}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  const s = x.toPrecision(3);
  const trimmed = s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '.0') : `${s}.0`;
  return trimmed;
}

/** Writes the JSON list form exactly as python-threatexchange does (`json.dumps` of the strings). */
export function formatVpdqJson(frames: readonly VpdqFrameHash[]): string {
  return JSON.stringify(frames.map((f) => `${f.hex},${f.quality},${pythonThreeSignificant(f.timestamp)}`)).replace(
    /","/g,
    '", "',
  );
}

/** Picks the form from the text: a JSON list starts with "[". */
export function parseVpdq(text: string, file?: string): VpdqFrameHash[] {
  return /^\uFEFF?\s*\[/.test(text) ? parseVpdqJson(text, file) : parseVpdqFrames(text, file);
}
