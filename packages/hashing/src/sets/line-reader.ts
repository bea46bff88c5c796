import { VestigeError } from '@vestige/evidence';
import { utf8Bytes } from './text-source.ts';
import type { ByteSource, HashSetRecord } from './types.ts';

/**
 * Lines of a text hash set, with a cap on a line's length so a damaged or hostile file (one 200 MB
 * "line") costs bounded memory: a longer line is reported as too long — its bytes are skipped up to
 * the next line break, never gathered — and reading goes on after it. `\r\n` and `\n` both end a
 * line; BOMs and UTF-16 are handled by utf8Bytes.
 */
export const MAX_LINE_BYTES = 1 << 20;

export type TextLine =
  | { readonly line: number; readonly text: string }
  | { readonly line: number; readonly tooLong: number };

export async function* textLines(source: ByteSource, maxLineBytes = MAX_LINE_BYTES): AsyncGenerator<TextLine> {
  let parts: Buffer[] = [];
  let held = 0;
  let skipping = 0; // bytes of an over-long line seen so far (0: not skipping)
  let line = 0;
  const text = (b: Buffer): string => {
    const s = b.toString('utf8');
    return s.endsWith('\r') ? s.slice(0, -1) : s;
  };
  for await (const chunk of utf8Bytes(source)) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl < 0 ? chunk.length : nl;
      const piece = chunk.subarray(start, end);
      if (skipping) skipping += piece.length;
      else if (held + piece.length > maxLineBytes) {
        skipping = held + piece.length;
        parts = [];
        held = 0;
      } else if (piece.length) {
        parts.push(piece);
        held += piece.length;
      }
      if (nl < 0) break;
      line++;
      if (skipping) {
        yield { line, tooLong: skipping };
        skipping = 0;
      } else {
        yield { line, text: text(parts.length === 1 ? parts[0]! : Buffer.concat(parts)) };
        parts = [];
        held = 0;
      }
      start = nl + 1;
    }
    // The pieces point into `chunk`; copy the unfinished line so the source's buffer can be reused.
    if (parts.length > 1 || (parts.length === 1 && parts[0]!.buffer === chunk.buffer))
      parts = [Buffer.from(Buffer.concat(parts))];
  }
  if (skipping) yield { line: line + 1, tooLong: skipping };
  else if (held) yield { line: line + 1, text: text(Buffer.concat(parts)) };
}

/** The rejection of a line over the cap (its bytes were skipped; reading went on after it). */
export function lineTooLong(
  line: number,
  bytes: number,
  index: number,
  file: string | undefined,
  label = 'hash set',
): HashSetRecord {
  return {
    kind: 'issue',
    index,
    outcome: 'rejected',
    error: new VestigeError(
      'E_INPUT_TOO_LARGE',
      `${file ?? label} line ${line}: the line is ${bytes} bytes, over the ${MAX_LINE_BYTES}-byte limit for one hash-set line — line skipped`,
      {
        ...(file ? { file } : {}),
        hint: 'A hash-set line is a few hundred bytes; this one is damaged. The lines after it were read.',
        details: { entry: index, line, limit: MAX_LINE_BYTES, field: 'line' },
      },
    ),
  };
}
