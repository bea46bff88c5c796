import { VestigeError } from '@vestige/evidence/errors';
import { ExitCode, type CliCommand, type ParsedValues } from '../command.ts';
import { caseOption, operatorOption, requireOperator, withCase } from '../case-options.ts';
import { shown } from '../terminal-text.ts';

/** Turns the command-line selector options into one selector id and its parameters. */
export function selectionFromOptions(values: ParsedValues): { selector: string; params: Record<string, unknown> } {
  const chosen: Array<{ selector: string; params: Record<string, unknown> }> = [];
  const int = (name: string, v: unknown): number => {
    const n = Number(v);
    if (typeof v !== 'string' || !/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n)) {
      throw new VestigeError('E_USAGE', `--${name} needs a whole number, got '${String(v)}'.`);
    }
    return n;
  };
  if (values.all) chosen.push({ selector: 'all', params: {} });
  if (values.every !== undefined) {
    chosen.push({
      selector: 'every',
      params: {
        every: int('every', values.every),
        ...(values.start !== undefined ? { start: int('start', values.start) } : {}),
      },
    });
  }
  if (values.range !== undefined) {
    const m = /^(\d+)(?:-|\.\.)(\d+)$/.exec(String(values.range).trim());
    if (!m)
      throw new VestigeError(
        'E_USAGE',
        `--range takes FIRST-LAST frame indices (e.g. 120-180), got '${String(values.range)}'.`,
      );
    chosen.push({ selector: 'range', params: { from: Number(m[1]), to: Number(m[2]) } });
  }
  if (values['time-range'] !== undefined) {
    const parts = String(values['time-range']).split('..');
    if (parts.length !== 2)
      throw new VestigeError(
        'E_USAGE',
        `--time-range takes FROM..TO (e.g. 00:01:02.5..00:01:04 or 62.5..64), got '${String(values['time-range'])}'.`,
      );
    chosen.push({ selector: 'time-range', params: { from: parts[0]!.trim(), to: parts[1]!.trim() } });
  }
  if (values.at !== undefined) {
    const list = (Array.isArray(values.at) ? values.at : [values.at])
      .flatMap((v) => String(v).split(','))
      .map((s) => s.trim())
      .filter(Boolean);
    chosen.push({ selector: 'at-times', params: { times: list } });
  }
  if (values.iframes) chosen.push({ selector: 'iframes', params: {} });
  if (values.scene) {
    const threshold = values.threshold === undefined ? undefined : Number(values.threshold);
    if (threshold !== undefined && !Number.isFinite(threshold))
      throw new VestigeError('E_USAGE', `--threshold needs a number between 0 and 1.`);
    chosen.push({ selector: 'scene', params: threshold === undefined ? {} : { threshold } });
  }
  if (values.sharpest !== undefined)
    chosen.push({ selector: 'sharpest', params: { frames: int('sharpest', values.sharpest) } });
  if (values['sharpest-seconds'] !== undefined) {
    const seconds = Number(values['sharpest-seconds']);
    if (!(seconds > 0)) throw new VestigeError('E_USAGE', `--sharpest-seconds needs a positive number of seconds.`);
    chosen.push({ selector: 'sharpest', params: { seconds } });
  }
  if (chosen.length > 1) {
    throw new VestigeError(
      'E_USAGE',
      `choose one frame selector, not ${chosen.length} (${chosen.map((c) => c.selector).join(', ')}).`,
      { hint: "Run 'vestige help frames'." },
    );
  }
  return chosen[0] ?? { selector: 'all', params: {} };
}

export const command: CliCommand = {
  name: 'frames',
  summary:
    'Extract frames of a video item, frame-accurately, as derived PNG items with index, timestamp and frame type',
  usage: `vestige frames ITEM --case DIR --operator NAME [SELECTOR] [--stream N] [--json]

Every decoded frame is counted once, in presentation order, with the file's own timestamps (no frames are added
or dropped, whatever the frame rate). Each frame taken is stored losslessly as PNG (16-bit when the source has
more than 8 bits) and recorded as a derived item: source SHA-256, frame index, PTS (exact and in seconds),
picture type and a SHA-256 of its decoded pixels (the value 'ffmpeg -f framehash -hash sha256' gives).

SELECTOR (one; default --all):
  --all                        every frame
  --every N [--start I]        every Nth frame, starting at index I (default 0)
  --range FIRST-LAST           frame indices, inclusive (e.g. 120-180)
  --time-range FROM..TO        frames whose timestamp is in [FROM, TO] (seconds, 1/25, or HH:MM:SS.mmm)
  --at T[,T…]                  the frame on screen at each instant (repeatable)
  --iframes                    intra-coded (I) frames only
  --scene [--threshold X]      first frame and each scene change (score > X, default 0.3)
  --sharpest N                 the sharpest frame in each window of N frames
  --sharpest-seconds S         the sharpest frame in each window of S seconds

Exit code 2 when the video is damaged: the frames before the damage are kept and the warning says where.`,
  options: {
    ...caseOption,
    ...operatorOption,
    stream: { type: 'string' },
    all: { type: 'boolean' },
    every: { type: 'string' },
    start: { type: 'string' },
    range: { type: 'string' },
    'time-range': { type: 'string' },
    at: { type: 'string', multiple: true },
    iframes: { type: 'boolean' },
    scene: { type: 'boolean' },
    threshold: { type: 'string' },
    sharpest: { type: 'string' },
    'sharpest-seconds': { type: 'string' },
  },
  allowPositionals: true,
  async run({ values, positionals }, out) {
    const itemId = positionals[0];
    if (!itemId || positionals.length > 1) {
      throw new VestigeError('E_USAGE', 'frames takes exactly one video item id.', { hint: this.usage.split('\n')[0] });
    }
    const operator = requireOperator(values);
    const selection = selectionFromOptions(values);
    const stream = values.stream === undefined ? undefined : Number(values.stream);
    if (stream !== undefined && !Number.isInteger(stream))
      throw new VestigeError('E_USAGE', '--stream needs a stream index (see vestige probe).');
    const { extractFrames, formatClock } = await import('@vestige/video');
    return withCase(values, {}, async (store) => {
      let lastShown = 0;
      const report = await extractFrames(store, itemId, selection, {
        operator,
        ...(stream !== undefined ? { stream } : {}),
        onProgress: (done, expected) => {
          if (!out.interactive || done - lastShown < 25) return;
          lastShown = done;
          process.stderr.write(`\r  ${done}${expected ? `/${expected}` : ''} frames stored`);
        },
      });
      if (out.interactive && lastShown > 0) process.stderr.write('\n');
      if (out.json) out.stdout(JSON.stringify(report));
      else {
        out.stdout(
          `${report.frames.length} frame(s) of ${report.source.itemId} (${shown(report.source.name)}) by '${report.selector.id}'; ${report.decodedFrames} frames decoded; provenance ${report.provenanceId ?? '—'}`,
        );
        out.stdout(`  ${report.selector.description}`);
        for (const note of report.notes) out.stdout(`  note: ${note}`);
        for (const f of report.frames) {
          const t = f.seconds === null ? '—' : formatClock(f.seconds);
          out.stdout(
            `  ${f.itemId}  frame ${String(f.index).padStart(6)}  pts ${String(f.pts ?? '—').padStart(9)}  ${t}  (${f.time ?? '—'} s)  ${f.pictType}${f.key ? 'K' : ' '}  ${f.sha256.slice(0, 16)}…  ${shown(f.name)}`,
          );
        }
      }
      for (const w of report.warnings) out.stderr(`WARNING: ${w}`);
      return report.damaged ? ExitCode.partial : ExitCode.ok;
    });
  },
};
