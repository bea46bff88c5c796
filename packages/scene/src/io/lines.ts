import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { corrupt } from './input-file.ts';

const MAX_LINE = 1 << 20;

/**
 * Streams the lines of a text file (LF or CRLF) from byte `start`, holding one read buffer at a time.
 * A line longer than 1 MiB means the file is not the text format claimed: that is an error, not an
 * unbounded buffer.
 */
export async function* readLines(path: string, start = 0): AsyncGenerator<string> {
  const stream = createReadStream(path, { start, highWaterMark: 1 << 20 });
  const decoder = new StringDecoder('utf8');
  let rest = '';
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const text = rest + decoder.write(chunk);
      let from = 0;
      for (;;) {
        const nl = text.indexOf('\n', from);
        if (nl < 0) break;
        let end = nl;
        if (end > from && text.charCodeAt(end - 1) === 13) end--;
        yield text.slice(from, end);
        from = nl + 1;
      }
      rest = text.slice(from);
      if (rest.length > MAX_LINE)
        throw corrupt(path, `A line is longer than ${MAX_LINE} bytes; this is not a text point file.`);
    }
    rest += decoder.end();
    if (rest.length > 0) yield rest.endsWith('\r') ? rest.slice(0, -1) : rest;
  } finally {
    stream.destroy();
  }
}

/** Splits on spaces, tabs and commas, ignoring empty fields. */
export function splitFields(line: string): string[] {
  return line
    .trim()
    .split(/[\s,;]+/)
    .filter((f) => f.length > 0);
}
