import type { Readable } from 'node:stream';
import type { VestigeError } from '@vestige/evidence';
import type { UkCategory } from '../categorise/categories.ts';

/**
 * One known file in a hash set, in the terms every format shares. Hex is lower case. Formats that
 * cannot carry a field simply leave it out when writing.
 */
export interface HashSetEntry {
  md5?: string;
  sha1?: string;
  sha256?: string;
  /** 64 hex characters, the reference PDQ hex. */
  pdq?: string;
  pdqQuality?: number;
  /** Opaque PhotoDNA value as the set carries it (base64 or hex); kept for exchange, not matched here. */
  photoDna?: string;
  /** Project VIC category number (see categorise/categories.ts). */
  vicsCategory?: number;
  /** UK grading: A, B, C or N (not indecent). */
  ukCategory?: UkCategory;
  /** Set-specific media identifier (VICS MediaID). */
  mediaId?: string;
  name?: string;
  path?: string;
  size?: number;
  series?: string;
  victimIdentified?: boolean;
  offenderIdentified?: boolean;
  isDistributed?: boolean;
  tags?: string[];
  comments?: string;
}

export interface HashSetMeta {
  /** Shown with every match; defaults to the file name. */
  name?: string;
  /** Recorded with every match; defaults to the first 16 hex of the set file's SHA-256. */
  version?: string;
}

/**
 * What a reader yields, in file order: accepted entries, and problems with one entry (which is then
 * either rejected, or kept with the bad field dropped). A problem that stops the reading (a JSON
 * syntax error) is a final issue with `fatal: true`; everything before it was yielded.
 */
export type HashSetRecord =
  | { readonly kind: 'entry'; readonly index: number; readonly entry: HashSetEntry }
  | { readonly kind: 'issue'; readonly index: number; readonly error: VestigeError; readonly outcome: 'rejected' | 'field-dropped'; readonly fatal?: boolean };

export type ByteSource = Readable | AsyncIterable<Buffer | string>;

export interface HashSetFormat {
  readonly id: string;
  readonly title: string;
  readonly extensions: readonly string[];
  /** True when the first few KiB look like this format. */
  sniff(head: string): boolean;
  read(source: ByteSource, options?: { file?: string }): AsyncGenerator<HashSetRecord>;
  /** Serialises entries as text chunks; streaming, so a large export never sits whole in memory. */
  write(entries: Iterable<HashSetEntry> | AsyncIterable<HashSetEntry>, meta?: HashSetMeta): AsyncGenerator<string>;
}
