import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { VestigeError } from '@vestige/evidence';
import { resolveFfprobe } from '@vestige/ffmpeg';

/** What reading (not decoding) every packet of a stream tells: the real frame count and the real timing. */
export interface PacketScan {
  readonly packets: number;
  readonly keyframes: number;
  /** Packet presentation timestamps in time-base units, sorted (= presentation order). */
  readonly sortedPts: readonly number[];
  readonly missingPts: number;
  readonly corruptPackets: number;
  readonly errors: readonly string[];
}

/** Reads every packet of one stream with ffprobe (demux only, no decoding: fast even for hours of video). */
export function scanPackets(path: string, streamIndex: number, signal?: AbortSignal): Promise<PacketScan> {
  const ffprobe = resolveFfprobe();
  return new Promise((resolve, reject) => {
    const child = spawn(
      ffprobe.path,
      [
        '-v',
        'error',
        '-hide_banner',
        '-select_streams',
        String(streamIndex),
        '-show_entries',
        'packet=pts,flags',
        '-of',
        'compact=p=0',
        '-i',
        path,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], signal },
    );
    const pts: number[] = [];
    let packets = 0;
    let keyframes = 0;
    let missingPts = 0;
    let corruptPackets = 0;
    const errors: string[] = [];
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) if (line.trim() && errors.length < 20) errors.push(line.trim());
    });
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (!line.startsWith('pts=')) return;
      packets++;
      const fields = Object.fromEntries(line.split('|').map((kv) => kv.split('=') as [string, string]));
      const p = fields['pts'];
      if (p === undefined || p === 'N/A') missingPts++;
      else pts.push(Number(p));
      const flags = fields['flags'] ?? '';
      if (flags.includes('K')) keyframes++;
      if (flags.includes('C')) corruptPackets++;
    });
    child.on('error', (err) =>
      reject(new VestigeError('E_FFMPEG_FAILED', `Could not run ffprobe: ${err.message}`, { cause: err })),
    );
    child.on('close', () => {
      pts.sort((a, b) => a - b);
      resolve({ packets, keyframes, sortedPts: pts, missingPts, corruptPackets, errors });
    });
  });
}

export interface RateAnalysis {
  /** `constant`: every interval equal (within a tick); `variable`: not; `unknown`: fewer than two timestamps. */
  readonly mode: 'constant' | 'variable' | 'unknown';
  /** Mean frames per second over the timestamps. */
  readonly meanFps: number | null;
  readonly minIntervalSeconds: number | null;
  readonly maxIntervalSeconds: number | null;
  readonly medianIntervalSeconds: number | null;
  /** Intervals longer than 1.5× the median (dropped or missing frames), in presentation order; first 100. */
  readonly gaps: ReadonlyArray<{
    readonly afterFrame: number;
    readonly seconds: number;
    readonly missingFrames: number;
  }>;
  readonly gapCount: number;
  /** Frames that share a timestamp with the frame before them. */
  readonly repeatedTimestamps: number;
}

/** CFR or VFR, from sorted presentation timestamps in `timeBase` units. */
export function analyseRate(sortedPts: readonly number[], timeBase: readonly [number, number]): RateAnalysis {
  const tb = timeBase[0] / timeBase[1];
  if (sortedPts.length < 2) {
    return {
      mode: 'unknown',
      meanFps: null,
      minIntervalSeconds: null,
      maxIntervalSeconds: null,
      medianIntervalSeconds: null,
      gaps: [],
      gapCount: 0,
      repeatedTimestamps: 0,
    };
  }
  const deltas: number[] = [];
  let repeated = 0;
  for (let i = 1; i < sortedPts.length; i++) {
    const d = sortedPts[i]! - sortedPts[i - 1]!;
    if (d === 0) repeated++;
    else deltas.push(d);
  }
  if (deltas.length === 0) {
    return {
      mode: 'unknown',
      meanFps: null,
      minIntervalSeconds: null,
      maxIntervalSeconds: null,
      medianIntervalSeconds: null,
      gaps: [],
      gapCount: 0,
      repeatedTimestamps: repeated,
    };
  }
  const sorted = [...deltas].sort((a, b) => a - b);
  const min = sorted[0]!;
  const max = sorted[sorted.length - 1]!;
  const median = sorted[Math.floor(sorted.length / 2)]!;
  // Containers with coarse time bases (Matroska's 1 ms) round a constant 29.97 fps to 33/34 ms: one tick of jitter
  // is rounding, not a variable rate.
  const tolerance = Math.max(1, Math.round(median * 0.002));
  const mode = max - min <= tolerance && repeated === 0 ? 'constant' : 'variable';
  const gaps: Array<{ afterFrame: number; seconds: number; missingFrames: number }> = [];
  let gapCount = 0;
  for (let i = 1; i < sortedPts.length; i++) {
    const d = sortedPts[i]! - sortedPts[i - 1]!;
    if (d > median * 1.5 + tolerance) {
      gapCount++;
      if (gaps.length < 100)
        gaps.push({ afterFrame: i - 1, seconds: d * tb, missingFrames: Math.round(d / median) - 1 });
    }
  }
  const span = (sortedPts[sortedPts.length - 1]! - sortedPts[0]!) * tb;
  return {
    mode,
    meanFps: span > 0 ? (sortedPts.length - 1) / span : null,
    minIntervalSeconds: min * tb,
    maxIntervalSeconds: max * tb,
    medianIntervalSeconds: median * tb,
    gaps: mode === 'constant' ? [] : gaps,
    gapCount: mode === 'constant' ? 0 : gapCount,
    repeatedTimestamps: repeated,
  };
}
