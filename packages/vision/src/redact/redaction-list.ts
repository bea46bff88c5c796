import { z } from 'zod';
import { VestigeError, schemaProblems } from '@vestige/evidence';

const box = z.tuple([
  z.number().finite(),
  z.number().finite(),
  z.number().finite().positive(),
  z.number().finite().positive(),
]);
const frameRange = z
  .tuple([z.number().int().min(0), z.number().int().min(0)])
  .refine(([a, b]) => a <= b, 'a frame range runs from its first to its last frame');

const keyframe = z
  .object({ frame: z.number().int().min(0), box, score: z.number().min(0).max(1).nullable().default(null) })
  .strict();

const track = z
  .object({
    id: z.string().regex(/^T-\d+$/),
    /** false: the officer decided this face may be shown (it is not blurred). */
    redact: z.boolean().default(true),
    frames: frameRange,
    keyframes: z.array(keyframe).min(1),
    note: z.string().max(2000).default(''),
  })
  .strict();

const manual = z
  .object({ id: z.string().regex(/^M-\d+$/), frames: frameRange, box, note: z.string().max(2000).default('') })
  .strict();
const mute = z
  .object({
    id: z.string().regex(/^A-\d+$/),
    from: z.number().min(0),
    to: z.number().min(0),
    note: z.string().max(2000).default(''),
  })
  .strict()
  .refine((m) => m.from < m.to, 'a mute range ends after it starts');

export const redactionListSchema = z
  .object({
    format: z.literal('vestige-redaction-list'),
    version: z.literal(1),
    notice: z.string(),
    source: z
      .object({
        itemId: z.string(),
        sha256: z.string().regex(/^[0-9a-f]{64}$/),
        kind: z.enum(['video', 'image']),
        width: z.number().int().positive(),
        height: z.number().int().positive(),
        frames: z.number().int().positive(),
        /** Frames per second as a rational (`30000/1001`), for videos. */
        frameRate: z
          .string()
          .regex(/^\d+\/\d+$/)
          .nullable(),
      })
      .strict(),
    style: z.object({ mode: z.enum(['blur', 'pixelate']), strength: z.number().int().min(2).max(256) }).strict(),
    /** How the proposals were made (null for a list written by hand). */
    detection: z.record(z.string(), z.unknown()).nullable(),
    tracks: z.array(track),
    manual: z.array(manual).default([]),
    mute: z.array(mute).default([]),
  })
  .strict();

export type RedactionList = z.infer<typeof redactionListSchema>;
export type RedactionTrack = RedactionList['tracks'][number];
/** [x, y, width, height] in the source's pixels. */
export type Box = [number, number, number, number];

/** Checks a list an officer edited; every problem names the file and where in it. */
export function parseRedactionList(value: unknown, file: string): RedactionList {
  const parsed = redactionListSchema.safeParse(value);
  if (!parsed.success) {
    throw new VestigeError('E_PARAM_INVALID', `${file}: ${schemaProblems(parsed.error.issues, 5, 'list')}`, {
      file,
      hint: 'Edit the list Vestige proposed (`vestige redact ITEM --case DIR --out list.json`); keep its format and source as they are.',
    });
  }
  const list = parsed.data;
  const ids = [...list.tracks.map((t) => t.id), ...list.manual.map((m) => m.id), ...list.mute.map((m) => m.id)];
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice) throw new VestigeError('E_PARAM_INVALID', `${file}: the id ${twice} is used twice`, { file });
  const last = list.source.frames - 1;
  for (const r of [...list.tracks, ...list.manual]) {
    if (r.frames[1] > last)
      throw new VestigeError(
        'E_PARAM_INVALID',
        `${file}: ${r.id} runs to frame ${r.frames[1]}, but the source has frames 0–${last}`,
        { file },
      );
  }
  for (const t of list.tracks) {
    const frames = t.keyframes.map((k) => k.frame);
    if (frames.some((f, i) => i > 0 && f <= frames[i - 1]!))
      throw new VestigeError('E_PARAM_INVALID', `${file}: ${t.id}: keyframes must be in frame order, one per frame`, {
        file,
      });
  }
  return list;
}

/** The list as the file an officer edits: members in a fixed order, two-space indentation, a final newline. */
export function formatRedactionList(list: RedactionList): string {
  return JSON.stringify(list, null, 2) + '\n';
}

/** A track's box on a frame inside its range: linear between keyframes, held before the first and after the last. */
export function trackBoxAt(t: RedactionTrack, frame: number): Box | null {
  if (frame < t.frames[0] || frame > t.frames[1]) return null;
  const k = t.keyframes;
  if (frame <= k[0]!.frame) return k[0]!.box;
  if (frame >= k[k.length - 1]!.frame) return k[k.length - 1]!.box;
  let i = 0;
  while (k[i + 1]!.frame < frame) i++;
  const a = k[i]!;
  const b = k[i + 1]!;
  const w = (frame - a.frame) / (b.frame - a.frame);
  return [0, 1, 2, 3].map((j) => a.box[j]! + (b.box[j]! - a.box[j]!) * w) as unknown as Box;
}

/**
 * Whole-pixel rectangles to cover on a frame: every track that is to be redacted and every manual box,
 * each rounded outwards (a part-covered pixel is covered) and clipped to the picture.
 */
export function coverAt(
  list: RedactionList,
  frame: number,
): Array<{ x: number; y: number; width: number; height: number }> {
  const boxes: Box[] = [];
  for (const t of list.tracks) {
    const b = t.redact ? trackBoxAt(t, frame) : null;
    if (b) boxes.push(b);
  }
  for (const m of list.manual) if (frame >= m.frames[0] && frame <= m.frames[1]) boxes.push(m.box);
  const { width, height } = list.source;
  return boxes
    .map(([x, y, w, h]) => {
      const x0 = Math.max(0, Math.floor(x));
      const y0 = Math.max(0, Math.floor(y));
      const x1 = Math.min(width, Math.ceil(x + w));
      const y1 = Math.min(height, Math.ceil(y + h));
      return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
    })
    .filter((r) => r.width > 0 && r.height > 0);
}
