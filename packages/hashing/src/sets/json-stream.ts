import { StringDecoder } from 'node:string_decoder';
import { VestigeError } from '@vestige/evidence';
import type { ByteSource } from './types.ts';

/**
 * A streaming JSON reader for hash-set files that can be many gigabytes: it walks the text once,
 * keeps the root object's scalar members (metadata), and materialises only one element of the
 * entries array at a time (`value` in an OData document, or the root itself when the root is an
 * array). Memory is bounded by the largest single entry, which is itself capped.
 */
export type JsonStreamEvent =
  | { readonly kind: 'root-scalar'; readonly key: string; readonly value: unknown }
  | { readonly kind: 'element'; readonly index: number; readonly value: unknown };

type Frame =
  | { type: 'object'; target: Record<string, unknown> | undefined; key: string | undefined; state: 'key' | 'colon' | 'value' | 'next'; afterComma: boolean }
  | { type: 'array'; target: unknown[] | undefined; state: 'value' | 'next'; entries: boolean; afterComma: boolean };

const NUMBER_RE = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

export interface JsonStreamOptions {
  readonly file?: string;
  /** Largest single entry or token, in characters. */
  readonly maxEntryChars?: number;
  /** Root member holding the entries. */
  readonly entriesKey?: string;
}

export async function* streamJsonEntries(source: ByteSource, options: JsonStreamOptions = {}): AsyncGenerator<JsonStreamEvent> {
  const file = options.file;
  const maxEntry = options.maxEntryChars ?? 64 * 1024 * 1024;
  const entriesKey = options.entriesKey ?? 'value';
  const decoder = new StringDecoder('utf8');
  const stack: Frame[] = [];
  let buf = '';
  let consumed = 0; // characters before buf[0]
  let entryStart = -1; // absolute char offset where the current entry began
  let elementIndex = 0;
  let done = false;
  const out: JsonStreamEvent[] = [];

  const fail = (message: string, at: number): never => {
    throw new VestigeError('E_HASHSET_INVALID', `${file ?? 'hash set'}: JSON ${message} at character ${at}`, {
      ...(file ? { file } : {}),
      hint: 'The file is not well-formed JSON from this point on; entries before it were read.',
      details: { offset: at },
    });
  };

  /** A complete value (scalar or built container) lands in the current frame. */
  const emitValue = (value: unknown, at: number): void => {
    const top = stack[stack.length - 1];
    if (!top) {
      if (done) fail('has content after the end of the document', at);
      done = true;
      return;
    }
    if (top.state !== 'value') fail(top.type === 'array' ? 'expected "," or "]"' : 'expected a member name', at);
    if (top.type === 'array') {
      if (top.entries) {
        if (entryStart >= 0 && at - entryStart > maxEntry) tooLarge(entryStart);
        out.push({ kind: 'element', index: elementIndex++, value });
        entryStart = -1;
      } else if (top.target) top.target.push(value);
    } else if (top.target) top.target[top.key!] = value;
    else if (stack.length === 1 && (value === null || typeof value !== 'object')) out.push({ kind: 'root-scalar', key: top.key!, value });
    top.state = 'next';
    top.afterComma = false;
  };

  /** A container opens: build it only inside an entry; the entries array itself is walked, not kept. */
  const open = (type: 'object' | 'array', at: number): void => {
    const top = stack[stack.length - 1];
    if (done) fail('has content after the end of the document', at);
    if (top && top.state !== 'value') fail(`unexpected "${type === 'object' ? '{' : '['}"`, at);
    const isEntriesArray = type === 'array' && (stack.length === 0 || (stack.length === 1 && top!.type === 'object' && top!.key === entriesKey));
    const isEntry = top !== undefined && top.type === 'array' && top.entries;
    if (isEntry) entryStart = at;
    const build = (top !== undefined && top.target !== undefined) || isEntry;
    if (type === 'object') stack.push({ type, target: build ? {} : undefined, key: undefined, state: 'key', afterComma: false });
    else stack.push({ type, target: build ? [] : undefined, state: 'value', entries: isEntriesArray, afterComma: false });
  };

  const close = (type: 'object' | 'array', at: number): void => {
    const top = stack[stack.length - 1];
    const closeChar = type === 'object' ? '}' : ']';
    if (!top || top.type !== type) return fail(`unexpected "${closeChar}"`, at);
    const emptyOk = top.type === 'object' ? top.state === 'key' && !top.afterComma : top.state === 'value' && !top.afterComma;
    if (top.state !== 'next' && !emptyOk) fail(`unexpected "${closeChar}"`, at);
    stack.pop();
    const parent = stack[stack.length - 1];
    if (!parent) {
      done = true;
      return;
    }
    if (top.target !== undefined) emitValue(top.target, at);
    else {
      // A container that was walked but not kept (the entries array, other root members).
      parent.state = 'next';
      parent.afterComma = false;
    }
  };

  const scan = (final: boolean): void => {
    let i = 0;
    const n = buf.length;
    while (i < n) {
      const c = buf.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
        i++;
        continue;
      }
      const top = stack[stack.length - 1];
      if (c === 0x7b /* { */) {
        open('object', consumed + i);
        i++;
      } else if (c === 0x5b /* [ */) {
        open('array', consumed + i);
        i++;
      } else if (c === 0x7d /* } */) {
        close('object', consumed + i);
        i++;
      } else if (c === 0x5d /* ] */) {
        close('array', consumed + i);
        i++;
      } else if (c === 0x3a /* : */) {
        if (!top || top.type !== 'object' || top.state !== 'colon') fail('unexpected ":"', consumed + i);
        (top as { state: string }).state = 'value';
        i++;
      } else if (c === 0x2c /* , */) {
        if (!top || top.state !== 'next') fail('unexpected ","', consumed + i);
        if (top!.type === 'object') {
          top!.state = 'key';
          top!.key = undefined;
        } else top!.state = 'value';
        top!.afterComma = true;
        i++;
      } else if (c === 0x22 /* " */) {
        let j = i + 1;
        let escaped = false;
        for (;;) {
          j = buf.indexOf('"', j);
          if (j < 0) break;
          let k = j - 1;
          let backslashes = 0;
          while (k > i && buf.charCodeAt(k) === 0x5c) {
            backslashes++;
            k--;
          }
          if (backslashes % 2 === 0) break;
          escaped = true;
          j++;
        }
        if (j < 0) {
          if (final) fail('has an unterminated string', consumed + i);
          break;
        }
        const raw = buf.slice(i, j + 1);
        let text: string;
        if (!escaped && raw.indexOf('\\') < 0) {
          text = raw.slice(1, -1);
          for (let q = 0; q < text.length; q++) if (text.charCodeAt(q) < 0x20) fail('has a control character in a string', consumed + i + q + 1);
        } else {
          try {
            text = JSON.parse(raw) as string;
          } catch {
            fail('has a malformed string', consumed + i);
            text = '';
          }
        }
        if (top && top.type === 'object' && top.state === 'key') {
          top.key = text;
          top.state = 'colon';
        } else emitValue(text, consumed + i);
        i = j + 1;
      } else {
        let j = i;
        while (j < n) {
          const d = buf.charCodeAt(j);
          if (d === 0x20 || d === 0x0a || d === 0x0d || d === 0x09 || d === 0x2c || d === 0x5d || d === 0x7d || d === 0x3a) break;
          j++;
        }
        if (j === n && !final) break;
        const word = buf.slice(i, j);
        let value: unknown;
        if (word === 'true') value = true;
        else if (word === 'false') value = false;
        else if (word === 'null') value = null;
        else if (NUMBER_RE.test(word)) value = Number(word);
        else fail(`has an unexpected token "${word.slice(0, 20)}"`, consumed + i);
        emitValue(value, consumed + i);
        i = j;
      }
    }
    consumed += i;
    buf = buf.slice(i);
    if (entryStart >= 0 && consumed + buf.length - entryStart > maxEntry) tooLarge(entryStart);
    if (entryStart < 0 && buf.length > maxEntry) fail('has a token longer than the entry limit', consumed);
  };

  function tooLarge(entryStart: number): never {
      throw new VestigeError('E_INPUT_TOO_LARGE', `${file ?? 'hash set'}: one entry is larger than ${maxEntry} characters (from character ${entryStart})`, {
        ...(file ? { file } : {}),
        hint: 'A single hash-set entry should be a few hundred bytes; the file is probably damaged.',
        details: { offset: entryStart, limit: maxEntry },
      });
  }

  for await (const chunk of source as AsyncIterable<Buffer | string>) {
    buf += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    scan(false);
    if (out.length) yield* out.splice(0, out.length);
  }
  buf += decoder.end();
  scan(true);
  if (out.length) yield* out.splice(0, out.length);
  if (stack.length > 0) fail('ends before the document is complete (truncated file?)', consumed);
  if (!done) fail('is empty', 0);
}
