import { accessSync, constants, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { delimiter, isAbsolute, join, resolve as resolvePath } from 'node:path';
import { spawnSync } from 'node:child_process';
import { VestigeError } from '@vestige/evidence';

/** Where a binary was found; reported by `vestige doctor` and recorded in provenance. */
export type BinarySource = 'env' | 'ffmpeg-static' | 'path' | 'installer';

export interface ResolvedBinary {
  /** Absolute path of the executable. */
  readonly path: string;
  /** The version string the binary reports (`5.1.9-0+deb12u1`, or a git build such as `N-47683-g0e8eb07980-static`). */
  readonly version: string;
  readonly source: BinarySource;
}

/** A candidate that was looked at and why it was not taken (for `vestige doctor` and error hints). */
export interface RejectedCandidate {
  readonly source: BinarySource;
  readonly path: string | null;
  readonly reason: string;
}

type Tool = 'ffmpeg' | 'ffprobe';

const require = createRequire(import.meta.url);

const cache = new Map<Tool, ResolvedBinary>();

function isExecutableFile(path: string): string | null {
  try {
    if (!statSync(path).isFile()) return 'not a regular file';
  } catch {
    return 'does not exist';
  }
  try {
    accessSync(path, constants.X_OK);
  } catch {
    return 'is not executable';
  }
  return null;
}

/** Runs `tool -version` and returns the version word, or null when the binary does not run. */
function readVersion(path: string): string | null {
  const result = spawnSync(path, ['-hide_banner', '-version'], { encoding: 'utf8', timeout: 15_000 });
  if (result.error || result.status !== 0) return null;
  const match = /^\S+ version (\S+)/m.exec(result.stdout);
  return match?.[1] ?? 'unknown';
}

function fromEnv(tool: Tool): string | undefined {
  const value = process.env[tool === 'ffmpeg' ? 'FFMPEG_PATH' : 'FFPROBE_PATH'];
  return value === undefined || value === '' ? undefined : value;
}

function fromFfmpegStatic(tool: Tool): string | null {
  // ffmpeg-static ships only ffmpeg; its sibling package ffprobe-static is not a dependency.
  if (tool !== 'ffmpeg') return null;
  try {
    const path = require('ffmpeg-static') as unknown;
    return typeof path === 'string' ? path : null;
  } catch {
    return null;
  }
}

function fromPath(tool: Tool): string | null {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const dir of dirs) {
    const candidate = join(dir, process.platform === 'win32' ? `${tool}.exe` : tool);
    if (isExecutableFile(candidate) === null) return isAbsolute(candidate) ? candidate : resolvePath(candidate);
  }
  return null;
}

function fromInstaller(tool: Tool): string | null {
  try {
    const mod = require(tool === 'ffmpeg' ? '@ffmpeg-installer/ffmpeg' : '@ffprobe-installer/ffprobe') as {
      path?: unknown;
    };
    return typeof mod.path === 'string' ? mod.path : null;
  } catch {
    return null;
  }
}

/**
 * Every place the tool could come from, in the order they are tried. Exported for `vestige doctor`, which shows
 * them all, not only the winner.
 */
export function inspectCandidates(
  tool: Tool,
  options: { all?: boolean } = {},
): { chosen: ResolvedBinary | null; rejected: RejectedCandidate[]; alternatives: ResolvedBinary[] } {
  const alternatives: ResolvedBinary[] = [];
  const rejected: RejectedCandidate[] = [];
  const envName = tool === 'ffmpeg' ? 'FFMPEG_PATH' : 'FFPROBE_PATH';
  const env = fromEnv(tool);
  if (env !== undefined) {
    // An explicit setting that points nowhere is a configuration error, not a reason to quietly use another binary:
    // an examiner who pinned a build must get that build or be told.
    const problem = isExecutableFile(env);
    const version = problem === null ? readVersion(env) : null;
    if (problem !== null || version === null) {
      throw new VestigeError('E_FFMPEG_MISSING', `${envName} is set to '${env}', which ${problem ?? 'does not run'}.`, {
        file: env,
        hint: `Point ${envName} at a working ${tool} executable, or unset it to use the one on PATH.`,
      });
    }
    return { chosen: { path: resolvePath(env), version, source: 'env' }, rejected, alternatives };
  }
  const tries: Array<[BinarySource, () => string | null]> = [
    ['ffmpeg-static', () => fromFfmpegStatic(tool)],
    ['path', () => fromPath(tool)],
    ['installer', () => fromInstaller(tool)],
  ];
  for (const [source, find] of tries) {
    const path = find();
    if (path === null) {
      rejected.push({ source, path: null, reason: 'not installed' });
      continue;
    }
    const problem = isExecutableFile(path);
    if (problem !== null) {
      rejected.push({ source, path, reason: problem });
      continue;
    }
    const version = readVersion(path);
    if (version === null) {
      rejected.push({ source, path, reason: 'does not run' });
      continue;
    }
    const found: ResolvedBinary = { path, version, source };
    if (!options.all) return { chosen: found, rejected, alternatives };
    alternatives.push(found);
  }
  // With `all`, every source was looked at; the first that works is the one used.
  const [chosen, ...others] = alternatives;
  return { chosen: chosen ?? null, rejected, alternatives: others };
}

function resolveTool(tool: Tool): ResolvedBinary {
  const cached = cache.get(tool);
  if (cached) return cached;
  const { chosen, rejected } = inspectCandidates(tool);
  if (!chosen) {
    const envName = tool === 'ffmpeg' ? 'FFMPEG_PATH' : 'FFPROBE_PATH';
    throw new VestigeError('E_FFMPEG_MISSING', `No working ${tool} was found.`, {
      hint: `Install ffmpeg (e.g. 'apt-get install ffmpeg') so that '${tool}' is on PATH, or set ${envName} to its full path. Run 'vestige doctor' to see what was tried.`,
      details: { tried: rejected },
    });
  }
  cache.set(tool, chosen);
  return chosen;
}

/** The ffmpeg to run: FFMPEG_PATH, then ffmpeg-static, then `ffmpeg` on PATH, then @ffmpeg-installer/ffmpeg. */
export function resolveFfmpeg(): ResolvedBinary {
  return resolveTool('ffmpeg');
}

/** The ffprobe to run: FFPROBE_PATH, then `ffprobe` on PATH, then @ffprobe-installer/ffprobe. */
export function resolveFfprobe(): ResolvedBinary {
  return resolveTool('ffprobe');
}

/** Forgets resolved binaries (after changing FFMPEG_PATH/FFPROBE_PATH, e.g. in tests). */
export function clearFfmpegCache(): void {
  cache.clear();
  featureCache.clear();
}

/** What a given ffmpeg build can do; old builds (the installer's 2018 build) lack `-fps_mode`. */
export interface FfmpegFeatures {
  /** `-fps_mode` exists (ffmpeg ≥ 5.1); otherwise `-vsync passthrough` must be used. */
  readonly fpsMode: boolean;
  readonly filters: ReadonlySet<string>;
  readonly encoders: ReadonlySet<string>;
  readonly decoders: ReadonlySet<string>;
  /** `vidstabdetect`/`vidstabtransform` (libvidstab) are built in. */
  readonly vidstab: boolean;
  /** `drawtext` (libfreetype) is built in. */
  readonly drawtext: boolean;
  /** `-loglevel level+info` prefixes each log line with its level (ffmpeg ≥ 4.2). */
  readonly levelPrefix: boolean;
  /** `showinfo=checksum=0` exists, so per-frame logging does not checksum every frame. */
  readonly showinfoChecksumOption: boolean;
}

const featureCache = new Map<string, FfmpegFeatures>();

function listNames(path: string, what: '-filters' | '-encoders' | '-decoders'): Set<string> {
  const result = spawnSync(path, ['-hide_banner', what], { encoding: 'utf8', timeout: 15_000, maxBuffer: 16 << 20 });
  const names = new Set<string>();
  for (const line of (result.stdout ?? '').split('\n')) {
    // Lines look like ` TSC bwdif   V->V  Deinterlace …` (filters) or ` V....D ffv1   FFmpeg video codec #1` (codecs).
    const match = /^\s*[A-Z.|]{3,6}\s+(\S+)\s/.exec(line);
    if (match?.[1] && match[1] !== '=') names.add(match[1]);
  }
  return names;
}

function ranOk(path: string, args: string[]): boolean {
  return spawnSync(path, ['-hide_banner', ...args], { stdio: 'ignore', timeout: 15_000 }).status === 0;
}

function detectFeatures(ffmpeg: ResolvedBinary): FfmpegFeatures {
  const filters = listNames(ffmpeg.path, '-filters');
  const showinfo = spawnSync(ffmpeg.path, ['-hide_banner', '-h', 'filter=showinfo'], {
    encoding: 'utf8',
    timeout: 15_000,
  });
  return {
    // An unknown option makes ffmpeg refuse to start, so trying it is an exact test (`-version` then exits at once).
    fpsMode: ranOk(ffmpeg.path, ['-fps_mode', 'passthrough', '-version']),
    levelPrefix: ranOk(ffmpeg.path, ['-loglevel', 'level+info', '-version']),
    showinfoChecksumOption: /\bchecksum\b/.test(showinfo.stdout ?? ''),
    filters,
    encoders: listNames(ffmpeg.path, '-encoders'),
    decoders: listNames(ffmpeg.path, '-decoders'),
    vidstab: filters.has('vidstabdetect') && filters.has('vidstabtransform'),
    drawtext: filters.has('drawtext'),
  };
}

/**
 * Features of the ffmpeg build, detected once per binary and kept in a small cache file (keyed by the binary's path,
 * size and modification time), because each probe of the build costs an ffmpeg start-up.
 */
export function ffmpegFeatures(ffmpeg: ResolvedBinary = resolveFfmpeg()): FfmpegFeatures {
  const cached = featureCache.get(ffmpeg.path);
  if (cached) return cached;
  let key = ffmpeg.path;
  try {
    const st = statSync(ffmpeg.path);
    key = `${ffmpeg.path}|${st.size}|${st.mtimeMs}|${ffmpeg.version}|v1`;
  } catch {
    // fall through: no disk cache for a binary we cannot stat
  }
  const file = join(
    tmpdir(),
    `vestige-ffmpeg-features-${createHash('sha256').update(key).digest('hex').slice(0, 16)}.json`,
  );
  let features: FfmpegFeatures | undefined;
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    if (raw['key'] === key) {
      features = {
        ...(raw as unknown as FfmpegFeatures),
        filters: new Set(raw['filters'] as string[]),
        encoders: new Set(raw['encoders'] as string[]),
        decoders: new Set(raw['decoders'] as string[]),
      };
    }
  } catch {
    features = undefined;
  }
  if (!features) {
    features = detectFeatures(ffmpeg);
    try {
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(
        tmp,
        JSON.stringify({
          ...features,
          key,
          filters: [...features.filters],
          encoders: [...features.encoders],
          decoders: [...features.decoders],
        }),
      );
      renameSync(tmp, file);
    } catch {
      // A cache that cannot be written only costs time.
    }
  }
  featureCache.set(ffmpeg.path, features);
  return features;
}

/**
 * The output options that keep every decoded frame exactly once, with its own timestamp. Without them ffmpeg's
 * image-sequence and many container muxers force a constant rate, duplicating or dropping frames of VFR video.
 */
export function passthroughArgs(features: FfmpegFeatures): string[] {
  return features.fpsMode ? ['-fps_mode', 'passthrough'] : ['-vsync', 'passthrough'];
}

/** The font `drawtext` burns frame numbers with (Debian/Ubuntu package fonts-dejavu-core). */
export const DRAWTEXT_FONT = process.env.VESTIGE_FONT ?? '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';

/**
 * For encoded video outputs: passthrough, and the encoder's time base taken from the frames (not 1/frame-rate), so
 * that timestamps that are not multiples of the nominal frame duration (variable rate, speed changes) survive
 * exactly instead of being rounded to the nearest frame slot.
 */
export function videoTimingArgs(features: FfmpegFeatures): string[] {
  return [...passthroughArgs(features), '-enc_time_base', '-1'];
}
