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
  /**
   * Hashes Vestige does not compute (PhotoDNA in a VICS AlternativeHashes list, MD5 of a
   * thumbnail, a vendor's own): kept as the set carried them and written back unchanged.
   */
  alternativeHashes?: AlternativeHash[];
  /** A video hash (vPDQ: one PDQ per sampled frame), as a VICS AlternativeHashes "vPDQ" value carries it. */
  vpdq?: VpdqFrameHash[];
  /** The scalar members of the VICS case this record came from (CaseID, CaseNumber, SourceApplicationName, …). */
  caseRef?: Record<string, unknown>;
  /**
   * Members of the source record that have no field above, by their name in the source (VICS:
   * MediaFiles with their timestamps, MediaMetadata, MimeType, DateUpdated, …). The same format's
   * writer puts them back, so a round trip through Vestige loses nothing.
   */
  extra?: Record<string, unknown>;
}

export interface AlternativeHash {
  readonly name: string;
  readonly value: string;
}

/** One sampled frame of a vPDQ video hash (ThreatExchange's VpdqCompactFeature plus the frame number). */
export interface VpdqFrameHash {
  readonly frame?: number;
  /** 64 hex characters. */
  readonly hex: string;
  readonly quality: number;
  /** Seconds from the start of the video. */
  readonly timestamp: number;
}

export interface HashSetMeta {
  /** Shown with every match; defaults to the file name. */
  name?: string;
  /** Recorded with every match; defaults to the first 16 hex of the set file's SHA-256. */
  version?: string;
  /** VICS writing: `default` (Project VIC categories) or `uk` (CAID's UK profile: Category is the UK grade). */
  profile?: VicsProfile;
  /** VICS writing: `media` (a hash database, `#Media`) or `cases` (`#Cases`, each with its Media). */
  shape?: 'media' | 'cases';
  /** VICS `#Cases` writing: the case's own members (CaseID, CaseNumber, …) for entries that carry none. */
  caseFields?: Record<string, unknown>;
}

export type VicsProfile = 'default' | 'uk';

/**
 * What a reader yields, in file order: accepted entries, and problems with one entry (which is then
 * either rejected, or kept with the bad field dropped). A problem that stops the reading (a JSON
 * syntax error) is a final issue with `fatal: true`; everything before it was yielded.
 */
export type HashSetRecord =
  | { readonly kind: 'entry'; readonly index: number; readonly entry: HashSetEntry }
  | {
      readonly kind: 'issue';
      readonly index: number;
      readonly error: VestigeError;
      readonly outcome: 'rejected' | 'field-dropped';
      readonly fatal?: boolean;
    };

export type ByteSource = Readable | AsyncIterable<Buffer | string>;

export interface HashSetFormat {
  readonly id: string;
  readonly title: string;
  readonly extensions: readonly string[];
  /** True when the first few KiB look like this format. */
  sniff(head: string): boolean;
  read(source: ByteSource, options?: { file?: string }): AsyncGenerator<HashSetRecord>;
  /** For formats that need random access (SQLite): read from the file itself. */
  readPath?(path: string): AsyncGenerator<HashSetRecord>;
  /**
   * `known-good`: the set lists files known to be innocuous (NSRL); a hit filters the item out of
   * review and is never reported as a match. Default: `known-bad`.
   */
  readonly role?: 'known-bad' | 'known-good';
  /** Serialises entries as text chunks; streaming, so a large export never sits whole in memory. */
  write(entries: Iterable<HashSetEntry> | AsyncIterable<HashSetEntry>, meta?: HashSetMeta): AsyncGenerator<string>;
}
