/**
 * Every failure a user can cause carries a stable code, the file concerned and what to do about it.
 * Codes are part of the public contract: scripts and reports match on them, so never rename one. The list
 * is closed: a new code is added here, with a line on what it means, before anything throws it.
 */
export type ErrorCode =
  // input files
  | 'E_INPUT_MISSING'
  | 'E_INPUT_UNREADABLE'
  | 'E_INPUT_EMPTY'
  | 'E_INPUT_CHANGED'
  | 'E_INPUT_CORRUPT'
  | 'E_INPUT_UNSUPPORTED'
  | 'E_INPUT_TOO_LARGE'
  | 'E_INPUT_NOT_FILE'
  | 'E_INPUT_BAD_NAME'
  /** A path named on the command line does not exist (E_INPUT_MISSING: a file vanished while it was read). */
  | 'E_INPUT_NOT_FOUND'
  | 'E_SYMLINK_LOOP'
  // case store
  | 'E_NOT_A_CASE'
  | 'E_CASE_EXISTS'
  | 'E_CASE_LOCKED'
  | 'E_CASE_READ_ONLY'
  /** Writing into the case failed (disk full, permissions): nothing half-written was recorded. */
  | 'E_CASE_WRITE'
  /** case.sqlite cannot be read as a database: restore it; `verify` still checks blobs against the summaries. */
  | 'E_CASE_CORRUPT'
  /** A case of an earlier format must be migrated (`vestige case migrate`) before it is changed. */
  | 'E_CASE_MIGRATION_NEEDED'
  /** The case failed its checks, so the operation (e.g. a migration) refused to build on it. */
  | 'E_CASE_TAMPERED'
  /** A signing or public key that cannot be used (wrong type, unreadable, readable by others). */
  | 'E_KEY_INVALID'
  | 'E_ITEM_NOT_FOUND'
  | 'E_BLOB_MISSING'
  | 'E_BLOB_CORRUPT'
  | 'E_BUNDLE_INVALID'
  // recipes, parameters, usage
  | 'E_RECIPE_INVALID'
  | 'E_PARAM_INVALID'
  | 'E_USAGE'
  // external tools
  | 'E_FFMPEG_MISSING'
  | 'E_FFMPEG_FAILED'
  | 'E_TOOL_MISSING'
  /** An external program (COLMAP …) failed or left no usable output; the message carries the program's own words. */
  | 'E_TOOL_FAILED'
  // photogrammetry
  /** Too few usable photos to reconstruct from (fewer than two, or all unreadable). */
  | 'E_INPUT_INSUFFICIENT'
  /** The engine ran, but the photos did not make a usable model (no overlap, too few registered). */
  | 'E_RECONSTRUCTION_FAILED'
  // formats
  | 'E_HASHSET_INVALID'
  | 'E_SCENE_INVALID'
  // jobs
  | 'E_CANCELLED'
  | 'E_JOB_FAILED'
  /** A job needs a capability (e.g. `cuda`) that this queue or node does not have; the hint says where it can run. */
  | 'E_CAPABILITY_MISSING'
  /** An attempt ran past its job type's time limit and was stopped (another attempt may follow). */
  | 'E_JOB_TIMEOUT'
  /** Every live worker is block-listed for the job (failures there, or the wrong render class/version). */
  | 'E_WORKERS_EXHAUSTED'
  // render farm
  /** A frame was not drawn as the recipe asks (page error, wrong size, faster than the minimum render time). */
  | 'E_RENDER_FAILED'
  /** This node's render class or viewer bundle is not the one the recipe pins: another node may fit. */
  | 'E_RENDER_CLASS_MISMATCH'
  // server (each code's HTTP status is in packages/server/src/http.ts, HTTP_STATUS)
  | 'E_AUTH'
  | 'E_FORBIDDEN'
  /** Too many failed sign-ins from one address: wait, then try again. */
  | 'E_AUTH_THROTTLED'
  /** No such route, case or scene on this server (E_ITEM_NOT_FOUND and E_BLOB_MISSING name an item or blob). */
  | 'E_NOT_FOUND'
  /** The route exists but not for this HTTP method. */
  | 'E_METHOD'
  /** A request body sent as something other than application/json. */
  | 'E_CONTENT_TYPE'
  /** A failure that is not the user's doing (a bug or the machine): reported without its stack trace. */
  | 'E_INTERNAL'
  // vision: a model file missing or not the one its manifest pins; the tfjs backend did not start;
  // a model worker stopped
  | 'E_MODEL_MISSING'
  | 'E_MODEL_ALTERED'
  | 'E_VISION_BACKEND'
  | 'E_VISION_WORKER'
  /** A worker thread of a WorkerPool crashed or exited while it held requests (they are lost; the pool replaces it). */
  | 'E_WORKER_FAILED';

export interface VestigeErrorOptions {
  /** The file or path the problem is about, as the user gave it. */
  file?: string;
  /** What the user can do about it, in plain words. */
  hint?: string;
  /** Extra machine-readable facts (offsets, counts, limits). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class VestigeError extends Error {
  readonly code: ErrorCode;
  readonly file: string | undefined;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: VestigeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VestigeError';
    this.code = code;
    this.file = options.file;
    this.hint = options.hint;
    this.details = options.details;
  }

  toJSON(): { code: string; message: string; file?: string; hint?: string; details?: Record<string, unknown> } {
    return {
      code: this.code,
      message: this.message,
      ...(this.file === undefined ? {} : { file: this.file }),
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

export function isVestigeError(err: unknown, code?: ErrorCode): err is VestigeError {
  return err instanceof VestigeError && (code === undefined || err.code === code);
}

/** A problem a schema (zod) found: where in the value, and what. */
export interface SchemaIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/**
 * The one wording of schema problems in every error message: `path: message; …`, the first `limit` of
 * them, `whole` naming the value itself when the problem is at its root.
 */
export function schemaProblems(issues: readonly SchemaIssue[], limit = 5, whole = '(root)'): string {
  return issues
    .slice(0, limit)
    .map((i) => `${i.path.map(String).join('.') || whole}: ${i.message}`)
    .join('; ');
}
