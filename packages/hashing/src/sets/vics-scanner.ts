import { isAscii } from 'node:buffer';
import { VestigeError } from '@vestige/evidence';

/**
 * A streaming scanner for VICS documents, over UTF-8 bytes. It walks only the skeleton of the
 * document — the root object, its `value` array and, in a `#Cases` document, each case object and
 * its `Media` array — and hands every Media record to JSON.parse as one slice of bytes. So a
 * national set of millions of records, or one case holding 300,000 of them, is never held whole:
 * memory is one record (capped) plus one read chunk. Walking bytes and letting V8's JSON parser do
 * the records is what makes it fast (the previous character-by-character reader managed 6.5 MB/s).
 */
export type VicsScanEvent =
  | { readonly kind: 'root'; readonly key: string; readonly value: unknown }
  | { readonly kind: 'case'; readonly caseIndex: number; readonly fields: Record<string, unknown> }
  | { readonly kind: 'media'; readonly index: number; readonly value: unknown; readonly caseIndex?: number };

const enum Role {
  Root,
  Entries,
  Case,
  CaseMedia,
}
const enum At {
  KeyOrEnd,
  Key,
  Colon,
  Value,
  CommaOrEnd,
  ValueOrEnd,
}
interface Frame {
  readonly role: Role;
  readonly object: boolean;
  at: At;
  key: string;
}

/**
 * Records parsed per JSON.parse call. One call per record costs a string and a call each; but V8
 * parses one large array several times slower per byte than a few dozen small ones (measured on
 * 530-byte VICS records: ~350 MB/s for 10–200 records a call, ~55 MB/s from 400 records, 210 KB).
 */
const BATCH_BYTES = 48 * 1024;

const WS = new Uint8Array(256);
WS[0x20] = WS[0x0a] = WS[0x0d] = WS[0x09] = 1;

export interface VicsScannerOptions {
  readonly file?: string;
  /** Largest single record or case member, in bytes. */
  readonly maxEntryBytes?: number;
  /** True when the document's context says `#Cases`; cases are also recognised by their Media array. */
  readonly cases?: boolean;
}

export class VicsScanner {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** Bytes dropped before buf[0] (for error offsets). */
  private base = 0;
  private readonly stack: Frame[] = [];
  private started = false;
  private finished = false;
  private mediaIndex = 0;
  private caseIndex = -1;
  private caseFields: Record<string, unknown> = {};
  private casesDocument: boolean;
  /** A value being measured: where it began and how far the scan has got (kept across chunks). */
  private capture: { start: number; scan: number; depth: number; inString: boolean } | undefined;
  private readonly maxEntry: number;
  readonly events: VicsScanEvent[] = [];

  constructor(private readonly options: VicsScannerOptions = {}) {
    this.maxEntry = options.maxEntryBytes ?? 64 * 1024 * 1024;
    this.casesDocument = options.cases ?? false;
  }

  push(chunk: Buffer): void {
    const keepFrom = this.capture ? this.capture.start : this.pos;
    const rest = this.buf.subarray(keepFrom);
    this.base += keepFrom;
    if (this.capture) {
      this.capture.scan -= keepFrom;
      this.capture.start = 0;
    }
    this.pos -= keepFrom;
    this.buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
    this.run(false);
  }

  end(): void {
    this.run(true);
    if (!this.finished)
      this.fail(
        this.started ? 'ends before the document is complete (truncated file?)' : 'is empty',
        this.base + this.pos,
      );
  }

  private fail(message: string, at: number): never {
    const file = this.options.file;
    throw new VestigeError('E_HASHSET_INVALID', `${file ?? 'hash set'}: JSON ${message} at byte ${at}`, {
      ...(file ? { file } : {}),
      hint: 'The file is not well-formed JSON from this point on; entries before it were read.',
      details: { offset: at },
    });
  }

  private skipWs(): boolean {
    const b = this.buf;
    let p = this.pos;
    while (p < b.length && WS[b[p]!]) p++;
    this.pos = p;
    return p < b.length;
  }

  /** Measures the value at `pos`; returns its [start, end) or undefined when more bytes are needed. */
  private measure(final: boolean): [number, number] | undefined {
    const b = this.buf;
    let c = this.capture;
    if (!c) {
      const first = b[this.pos]!;
      if (first !== 0x7b && first !== 0x5b && first !== 0x22) {
        let p = this.pos;
        while (p < b.length) {
          const d = b[p]!;
          if (d === 0x2c || d === 0x7d || d === 0x5d || WS[d]) break;
          p++;
        }
        if (p === b.length && !final) return undefined;
        return [this.pos, p];
      }
      c = this.capture = { start: this.pos, scan: this.pos, depth: 0, inString: false };
    }
    let p = c.scan;
    let depth = c.depth;
    let inString = c.inString;
    const n = b.length;
    while (p < n) {
      if (inString) {
        const q = b.indexOf(0x22, p);
        if (q < 0) {
          p = n;
          break;
        }
        let k = q - 1;
        while (b[k] === 0x5c) k--;
        p = q + 1;
        if ((q - 1 - k) % 2 === 0) {
          inString = false;
          if (depth === 0) {
            this.capture = undefined;
            return [c.start, p];
          }
        }
        continue;
      }
      const d = b[p++]!;
      if (d === 0x22) inString = true;
      else if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        if (--depth === 0) {
          this.capture = undefined;
          return [c.start, p];
        }
      }
    }
    c.scan = p;
    c.depth = depth;
    c.inString = inString;
    if (p - c.start > this.maxEntry) {
      throw new VestigeError(
        'E_INPUT_TOO_LARGE',
        `${this.options.file ?? 'hash set'}: one record is larger than ${this.maxEntry} bytes (from byte ${this.base + c.start})`,
        {
          ...(this.options.file ? { file: this.options.file } : {}),
          hint: 'A single hash-set record is a few hundred bytes; the file is probably damaged.',
          details: { offset: this.base + c.start, limit: this.maxEntry },
        },
      );
    }
    if (final) this.fail('ends inside a value (truncated file?)', this.base + c.start);
    return undefined;
  }

  private parse(start: number, end: number): unknown {
    try {
      return JSON.parse(this.text(start, end));
    } catch {
      return this.fail('has a malformed value', this.base + start);
    }
  }

  /**
   * Bytes [start, end) as a string. Sets are nearly all ASCII, and ASCII read as Latin-1 is the same
   * text made by a plain copy — a third of the time UTF-8 decoding took on a 530 MB set.
   */
  private text(start: number, end: number): string {
    const b = this.buf;
    return b.toString(isAscii(b.subarray(start, end)) ? 'latin1' : 'utf8', start, end);
  }

  private run(final: boolean): void {
    while (this.skipWs() || final) {
      if (this.pos >= this.buf.length) return;
      if (!this.started) {
        this.started = true;
        const c = this.buf[this.pos]!;
        if (c === 0x7b) this.stack.push({ role: Role.Root, object: true, at: At.KeyOrEnd, key: '' });
        else if (c === 0x5b) this.stack.push({ role: Role.Entries, object: false, at: At.ValueOrEnd, key: '' });
        else this.fail('does not start with "{" or "["', this.base + this.pos);
        this.pos++;
        continue;
      }
      if (this.finished) this.fail('has content after the end of the document', this.base + this.pos);
      if (!this.step(final)) return;
    }
  }

  /** One token of the skeleton; false when more bytes are needed. */
  private step(final: boolean): boolean {
    const top = this.stack[this.stack.length - 1]!;
    const c = this.buf[this.pos]!;
    const at = this.base + this.pos;
    switch (top.at) {
      case At.KeyOrEnd:
      case At.ValueOrEnd:
        if (c === (top.object ? 0x7d : 0x5d)) return this.close();
        top.at = top.object ? At.Key : At.Value;
        return true;
      case At.CommaOrEnd:
        if (c === 0x2c) {
          top.at = top.object ? At.Key : At.Value;
          this.pos++;
          return true;
        }
        if (c === (top.object ? 0x7d : 0x5d)) return this.close();
        return this.fail(top.object ? 'expected "," or "}"' : 'expected "," or "]"', at);
      case At.Key: {
        if (c !== 0x22) this.fail('expected a member name', at);
        const span = this.measure(final);
        if (!span) return false;
        top.key = this.parse(span[0], span[1]) as string;
        this.pos = span[1];
        top.at = At.Colon;
        return true;
      }
      case At.Colon:
        if (c !== 0x3a) this.fail('expected ":"', at);
        this.pos++;
        top.at = At.Value;
        return true;
      default:
        return this.value(top, c, final);
    }
  }

  private close(): boolean {
    const frame = this.stack.pop()!;
    this.pos++;
    if (frame.role === Role.Case) this.caseFields = {};
    const parent = this.stack[this.stack.length - 1];
    if (parent) parent.at = At.CommaOrEnd;
    else this.finished = true;
    return true;
  }

  private value(top: Frame, c: number, final: boolean): boolean {
    // Containers that are walked rather than parsed: the entries array, a case, a case's Media.
    if (c === 0x5b && top.role === Role.Root && top.key === 'value') return this.open(Role.Entries, false);
    if (c === 0x7b && top.role === Role.Entries && this.casesDocument) {
      this.caseIndex++;
      this.caseFields = {};
      return this.open(Role.Case, true);
    }
    if (c === 0x5b && top.role === Role.Case && top.key.toLowerCase() === 'media') {
      this.events.push({ kind: 'case', caseIndex: this.caseIndex, fields: this.caseFields });
      return this.open(Role.CaseMedia, false);
    }
    if (top.role === Role.Entries || top.role === Role.CaseMedia) return this.records(top, final);
    const span = this.measure(final);
    if (!span) return false;
    const value = this.parse(span[0], span[1]);
    this.pos = span[1];
    top.at = At.CommaOrEnd;
    if (top.role === Role.Case) this.caseFields[top.key] = value;
    else {
      if (
        (top.key === '@odata.context' || top.key === 'odata.metadata') &&
        typeof value === 'string' &&
        /#Cases\b/i.test(value)
      )
        this.casesDocument = true;
      this.events.push({ kind: 'root', key: top.key, value });
    }
    return true;
  }

  /**
   * The complete records from `pos` on in the buffer, up to BATCH_BYTES of them, parsed with one
   * JSON.parse. Only the spans are checked here; JSON.parse checks
   * the records, and when it refuses the batch they are parsed one by one, so the records before a
   * malformed one are still reported and the error names the bad one's offset.
   */
  private records(top: Frame, final: boolean): boolean {
    const b = this.buf;
    const spans: number[] = [];
    for (;;) {
      const span = this.measure(final);
      if (!span) break;
      spans.push(span[0], span[1]);
      this.pos = span[1];
      top.at = At.CommaOrEnd;
      if (span[1] - spans[0]! >= BATCH_BYTES) break;
      // Straight on to the next record when a comma and the start of a value follow.
      let p = span[1];
      while (p < b.length && WS[b[p]!]) p++;
      if (b[p] !== 0x2c) break;
      p++;
      while (p < b.length && WS[b[p]!]) p++;
      if (p >= b.length || b[p] === 0x5d) break;
      this.pos = p;
      top.at = At.Value;
    }
    if (spans.length === 0) return false;
    const count = spans.length / 2;
    let values: unknown[] | undefined;
    try {
      values =
        count === 1
          ? [JSON.parse(this.text(spans[0]!, spans[1]!))]
          : (JSON.parse(`[${this.text(spans[0]!, spans[spans.length - 1]!)}]`) as unknown[]);
    } catch {
      values = undefined;
    }
    const caseIndex = top.role === Role.CaseMedia ? this.caseIndex : undefined;
    for (let i = 0; i < count; i++) {
      const value = values ? values[i] : this.parse(spans[2 * i]!, spans[2 * i + 1]!);
      this.events.push(
        caseIndex === undefined
          ? { kind: 'media', index: this.mediaIndex++, value }
          : { kind: 'media', index: this.mediaIndex++, value, caseIndex },
      );
    }
    return true;
  }

  private open(role: Role, object: boolean): boolean {
    this.stack.push({ role, object, at: object ? At.KeyOrEnd : At.ValueOrEnd, key: '' });
    this.pos++;
    return true;
  }
}
