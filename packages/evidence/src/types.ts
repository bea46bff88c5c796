/** Digests of one byte stream, computed in a single read. Hex, lower case. */
export interface Digests {
  readonly md5: string;
  readonly sha1: string;
  readonly sha256: string;
  readonly size: number;
}

export type ItemKind = 'original' | 'derived';

export interface Item {
  /** Stable id within the case, e.g. `I-000042`. */
  readonly id: string;
  /** Order of addition (the number in the id). */
  readonly seq: number;
  readonly kind: ItemKind;
  readonly sha256: string;
  readonly md5: string;
  readonly sha1: string;
  readonly size: number;
  /** File name shown to people (the first source's base name, or the name a derivation gave). */
  readonly name: string;
  readonly mediaType: string;
  /** Extracted metadata (EXIF, ffprobe summary, frame index …); free-form JSON. */
  readonly metadata: Record<string, unknown>;
  /** For derived items: the provenance record that produced it. */
  readonly provenanceId: string | null;
  readonly createdAt: string;
}

export interface Source {
  /** Row id of this source in the case (always set by `CaseStore.sources`). */
  readonly id?: number;
  readonly itemId: string;
  /** The path's raw bytes in hex when it is not valid UTF-8 (`path` then shows them escaped); else null. */
  readonly pathBytesHex?: string | null;
  readonly path: string;
  readonly size: number;
  readonly mtime: string;
  /** How the path was found: a regular file, or a symlink recorded but not followed. */
  readonly kind: 'file' | 'symlink';
  readonly linkTarget: string | null;
  readonly ingestId: string;
}

/** Versions of everything that can change an output's bytes. */
export interface SoftwareVersions {
  readonly vestige: string;
  readonly node: string;
  readonly platform: string;
  readonly arch: string;
  /** Library and tool versions that the operation used: `{ sharp: '0.34.5', libvips: '8.17.3', ffmpeg: '5.1.9' }`. */
  readonly libraries: Record<string, string>;
}

export interface ProvenanceInput {
  readonly sha256: string;
  readonly itemId?: string;
  /** What the input is to the operation, e.g. `source`, `reference`, `frame-3`. */
  readonly role?: string;
}

export interface ProvenanceOutput {
  readonly sha256: string;
  readonly itemId: string;
  readonly name: string;
}

export interface ProvenanceStep {
  /** Operation id, e.g. `imaging.levels`. */
  readonly operation: string;
  readonly version: string;
  readonly parameters: unknown;
  /** Plain-language text for a court report. */
  readonly description?: string;
  readonly reference?: string;
}

export interface ProvenanceRecord {
  readonly id: string;
  /** What kind of job produced the outputs, e.g. `imaging.enhance`, `video.extract-frames`, `scene.build`. */
  readonly activity: string;
  readonly inputs: readonly ProvenanceInput[];
  readonly steps: readonly ProvenanceStep[];
  readonly outputs: readonly ProvenanceOutput[];
  readonly software: SoftwareVersions;
  readonly operator: string;
  readonly startedAt: string;
  readonly finishedAt: string;
}

export interface CustodyEvent {
  readonly seq: number;
  readonly time: string;
  readonly operator: string;
  readonly action: string;
  /** What the event is about: an item id, a case id, a scene id … */
  readonly subject: string;
  readonly details: unknown;
  /** Hash of the previous event, or 64 zeros for the first. */
  readonly prev: string;
  readonly hash: string;
}
