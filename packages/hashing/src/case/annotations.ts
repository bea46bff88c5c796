/** Annotation namespaces this package writes on case items. */
export const ANNOTATION = {
  pdq: 'hashing.pdq',
  phash: 'hashing.phash',
  dhash: 'hashing.dhash',
  vpdq: 'hashing.vpdq',
  /** A video's vPDQ frame hashes as the reference computes them (for matching sets' video hashes). */
  vpdqFrames: 'hashing.vpdq-frames',
  error: 'hashing.error',
  matches: 'hashing.matches',
  /** Hits in a known-good set (NSRL): by set name, `{ version, kind }`; such items are filtered out of review. */
  knownGood: 'hashing.known-good',
  group: 'hashing.group',
  category: 'category',
} as const;

/** Case-level record collections. */
export const RECORDS = {
  groups: 'hashing.groups',
  matchRuns: 'hashing.match-runs',
  exports: 'hashing.exports',
} as const;

export interface PdqAnnotation {
  readonly hex: string;
  readonly quality: number;
  readonly version: string;
  readonly width: number;
  readonly height: number;
}

export interface SimpleHashAnnotation {
  readonly hex: string;
  readonly version: string;
}

export interface CategoryAnnotation {
  /** UK grade A, B, C or N (not indecent); absent when only tags were set. */
  readonly uk?: 'A' | 'B' | 'C' | 'N';
  /** Project VIC category number derived from the UK grade (or set directly). */
  readonly vics?: number;
  readonly tags: readonly string[];
  readonly note?: string;
  /** Set when the category came from a group decision. */
  readonly viaGroup?: string;
}

export interface MatchAnnotationEntry {
  readonly set: string;
  readonly version: string;
  readonly kind: 'md5' | 'sha1' | 'sha256' | 'pdq' | 'vpdq';
  readonly distance?: number;
  /**
   * kind `vpdq` (a set entry's video hash against a case video), the reference metric: the share of
   * the case video's frames found in the entry's video, and of the entry's frames found in the case video.
   */
  readonly queryMatchPercent?: number;
  readonly comparedMatchPercent?: number;
  /** For a video item: the matching segment, in seconds from the start. */
  readonly time?: readonly [number, number];
  readonly entry: {
    readonly mediaId?: string;
    readonly name?: string;
    readonly vicsCategory?: number;
    readonly ukCategory?: string;
    readonly series?: string;
    readonly victimIdentified?: boolean;
    readonly tags?: readonly string[];
    /** The VICS case the entry came from (CaseNumber, else CaseID). */
    readonly case?: string;
  };
}
