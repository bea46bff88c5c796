import { VestigeError } from '@vestige/evidence';
import type { HashSetEntry, HashSetRecord } from './types.ts';

const HEX = /^[0-9a-fA-F]+$/;
export const HASH_HEX_LENGTHS = { md5: 32, sha1: 40, sha256: 64, pdq: 64 } as const;
export type HashField = keyof typeof HASH_HEX_LENGTHS;

/**
 * Collects one entry's fields and its problems. A bad hash rejects the entry (matching on it would be
 * wrong); a bad descriptive field is dropped with a warning and the entry kept.
 */
export class EntryBuilder {
  readonly entry: HashSetEntry = {};
  private rejectReason: { field: string; message: string } | undefined;
  private dropped: { field: string; message: string }[] | undefined;

  constructor(
    readonly index: number,
    private readonly file: string | undefined,
    /** How issues name the entry (a function: made only when there is an issue). */
    private readonly where: string | (() => string),
  ) {}

  hash(field: HashField, raw: unknown, sourceName: string): void {
    if (raw === undefined || raw === null || raw === '') return;
    if (typeof raw !== 'string')
      return this.reject(sourceName, `${sourceName} must be a hex string, not ${describeType(raw)}`);
    const want = HASH_HEX_LENGTHS[field];
    // The common case first: exactly the right number of hex digits, no spaces.
    if (raw.length === want && HEX.test(raw)) {
      this.entry[field] = raw.toLowerCase();
      return;
    }
    const hex = raw.trim().toLowerCase();
    if (!/^[0-9a-f]+$/.test(hex)) return this.reject(sourceName, `${sourceName} "${clip(raw)}" is not hexadecimal`);
    if (hex.length !== want)
      return this.reject(
        sourceName,
        `${sourceName} has ${hex.length} hex digits; ${field.toUpperCase()} needs ${want}`,
      );
    this.entry[field] = hex;
  }

  reject(field: string, message: string): void {
    this.rejectReason ??= { field, message };
  }

  drop(field: string, message: string): void {
    (this.dropped ??= []).push({ field, message });
  }

  string(
    key: 'name' | 'path' | 'series' | 'comments' | 'photoDna' | 'mediaId',
    raw: unknown,
    sourceName: string,
  ): void {
    if (raw === undefined || raw === null || raw === '') return;
    if (typeof raw === 'string') this.entry[key] = raw;
    else if (key === 'mediaId' && typeof raw === 'number') this.entry[key] = String(raw);
    else this.drop(sourceName, `${sourceName} must be text, not ${describeType(raw)}`);
  }

  integer(
    key: 'size' | 'vicsCategory' | 'pdqQuality',
    raw: unknown,
    sourceName: string,
    range?: [number, number],
  ): void {
    if (raw === undefined || raw === null || raw === '') return;
    const n = typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : raw;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || (range && (n < range[0] || n > range[1]))) {
      this.drop(
        sourceName,
        `${sourceName} must be a whole number${range ? ` from ${range[0]} to ${range[1]}` : ''}, not ${clip(JSON.stringify(raw) ?? String(raw))}`,
      );
      return;
    }
    this.entry[key] = n;
  }

  boolean(key: 'victimIdentified' | 'offenderIdentified' | 'isDistributed', raw: unknown, sourceName: string): void {
    if (raw === undefined || raw === null || raw === '') return;
    if (typeof raw === 'boolean') this.entry[key] = raw;
    else if (raw === 'true' || raw === 'false') this.entry[key] = raw === 'true';
    else if (typeof raw === 'string' && /^(true|false|yes|no|1|0)$/i.test(raw.trim()))
      this.entry[key] = /^(true|yes|1)$/i.test(raw.trim());
    else if (raw === 0 || raw === 1) this.entry[key] = raw === 1;
    else this.drop(sourceName, `${sourceName} must be true or false, not ${clip(JSON.stringify(raw) ?? String(raw))}`);
  }

  tags(raw: unknown, sourceName: string): void {
    if (raw === undefined || raw === null || raw === '') return;
    // One tag, the common case: no list to split and merge.
    if (typeof raw === 'string' && !this.entry.tags && !/[;,|]/.test(raw) && raw.trim() === raw) {
      this.entry.tags = [raw];
      return;
    }
    const list =
      typeof raw === 'string'
        ? raw.split(/[;,|]/)
        : Array.isArray(raw) && raw.every((t) => typeof t === 'string')
          ? (raw as string[])
          : undefined;
    if (!list) return this.drop(sourceName, `${sourceName} must be text or a list of text`);
    const tags = list.map((t) => t.trim()).filter((t) => t !== '');
    if (tags.length)
      this.entry.tags = [...(this.entry.tags ?? []), ...tags.filter((t) => !this.entry.tags?.includes(t))];
  }

  /** The records this entry produces: its warnings, then the entry, or a single rejection. */
  finish(options: { alsoMatchable?: boolean } = {}): HashSetRecord[] {
    const e = this.entry;
    // An entry with only hashes Vestige does not compute (PhotoDNA, …) is kept: it cannot match here,
    // but it is part of the set and goes back out in an export (see onlyForeignHashes).
    if (!this.rejectReason && !e.md5 && !e.sha1 && !e.sha256 && !e.pdq && !options.alsoMatchable)
      this.reject('hashes', 'has no MD5, SHA-1, SHA-256 or PDQ hash');
    if (this.rejectReason) return [this.issue(this.rejectReason.field, this.rejectReason.message, 'rejected')];
    if (!this.dropped) return [{ kind: 'entry', index: this.index, entry: e }];
    return [
      ...this.dropped.map((d) => this.issue(d.field, d.message, 'field-dropped')),
      { kind: 'entry', index: this.index, entry: e },
    ];
  }

  private issue(field: string, message: string, outcome: 'rejected' | 'field-dropped'): HashSetRecord {
    return {
      kind: 'issue',
      index: this.index,
      outcome,
      error: new VestigeError(
        'E_HASHSET_INVALID',
        `${typeof this.where === 'string' ? this.where : this.where()}: ${message}${outcome === 'rejected' ? ' — entry skipped' : ' — field ignored'}`,
        {
          ...(this.file ? { file: this.file } : {}),
          details: { entry: this.index, field },
        },
      ),
    };
  }
}

export function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `a ${typeof v} (${clip(JSON.stringify(v) ?? String(v))})`;
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}…` : s;
}

/** True when the entry can only be matched by hashes Vestige does not compute (e.g. PhotoDNA only). */
export function onlyForeignHashes(e: HashSetEntry): boolean {
  return !e.md5 && !e.sha1 && !e.sha256 && !e.pdq && !e.vpdq;
}
