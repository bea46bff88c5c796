/**
 * Parses what ffmpeg writes to stderr during a decode: one `showinfo` line per frame (index, timestamp, picture
 * type, byte position) and the warnings/errors the demuxer and decoder report on damaged input.
 */

export type PictType = 'I' | 'P' | 'B' | 'S' | 'SI' | 'SP' | 'BI' | '?';

/** One decoded frame as ffmpeg saw it, in presentation order. */
export interface FrameInfo {
  /** 0-based index among the decoded frames of the stream. */
  readonly index: number;
  /** Presentation timestamp in `timeBase` units, as stored in the file (ffmpeg runs with -copyts); null if absent. */
  readonly pts: number | null;
  /** Byte offset of the frame's packet in the file, when the demuxer knows it. */
  readonly pos: number | null;
  readonly pictType: PictType;
  readonly key: boolean;
  /** `P` progressive, `T` top field first, `B` bottom field first. */
  readonly fieldOrder: 'P' | 'T' | 'B' | '?';
  readonly width: number;
  readonly height: number;
  readonly pixFmt: string;
}

export interface FilterConfig {
  readonly timeBase: readonly [number, number];
  readonly frameRate: readonly [number, number] | null;
}

export interface DecodeProblem {
  readonly level: 'warning' | 'error';
  readonly source: string;
  readonly message: string;
  /** Byte offset named by the message (e.g. `offset 0x18556: partial file`), if any. */
  readonly offset: number | null;
  /** How many frames of the watched stream had been decoded when the message was seen. */
  readonly framesBefore: number;
}

const frameLine =
  /^\[(showinfo@\w+) @ [^\]]+\] n:\s*(\d+) pts:\s*(-?\d+|NOPTS) pts_time:\s*(\S+)\s+pos:\s*(-?\d+)\s+fmt:(\S+) sar:\S+ s:(\d+)x(\d+) i:(\w) iskey:(\d) type:(\w+)/;
const configLine = /^\[(showinfo@\w+) @ [^\]]+\] config in time_base: (\d+)\/(\d+), frame_rate: (\d+)\/(\d+)/;
// Context and level, as printed with `-loglevel level+…`: `[h264 @ 0x…] [error] Invalid NAL unit size`.
const contextLine = /^(?:\[([^\]@]+?) @ [^\]]+\] )?(?:\[(warning|error|fatal|panic)\] )?(.*)$/;
const problemWords =
  /error|invalid|corrupt|partial file|truncat|missing|concealing|damaged|EOF|not found|unsupported|no frame/i;
const offsetWords = /offset (0x[0-9a-f]+|\d+)/i;

export interface LogEvents {
  onFrame?(filter: string, frame: FrameInfo): void;
  onConfig?(filter: string, config: FilterConfig): void;
  onProblem?(problem: DecodeProblem): void;
}

function parsePictType(t: string): PictType {
  return (['I', 'P', 'B', 'S', 'SI', 'SP', 'BI'] as const).find((x) => x === t) ?? '?';
}

/**
 * Line-splitting parser for ffmpeg's stderr. `framesDecoded()` tells it how many frames have passed the first
 * showinfo, so a problem can say where in the stream it happened.
 */
export class FfmpegLogParser {
  private pending = '';
  private seen = 0;
  readonly tail: string[] = [];

  constructor(
    private readonly events: LogEvents,
    private readonly options: { levelPrefix: boolean; countFilter?: string } = { levelPrefix: false },
  ) {}

  get framesSeen(): number {
    return this.seen;
  }

  push(chunk: string): void {
    this.pending += chunk;
    let nl: number;
    while ((nl = this.pending.search(/[\r\n]/)) >= 0) {
      const line = this.pending.slice(0, nl);
      this.pending = this.pending.slice(nl + 1);
      if (line) this.line(line);
    }
  }

  end(): void {
    if (this.pending) this.line(this.pending);
    this.pending = '';
  }

  private line(raw: string): void {
    const line = this.options.levelPrefix ? raw.replace(/\[info\] |\[verbose\] /, '') : raw;
    const frame = frameLine.exec(line);
    if (frame) {
      const filter = frame[1]!;
      const info: FrameInfo = {
        index: Number(frame[2]),
        pts: frame[3] === 'NOPTS' ? null : Number(frame[3]),
        pos: Number(frame[5]) >= 0 ? Number(frame[5]) : null,
        pixFmt: frame[6]!,
        width: Number(frame[7]),
        height: Number(frame[8]),
        fieldOrder: (['P', 'T', 'B'] as const).find((x) => x === frame[9]) ?? '?',
        key: frame[10] === '1',
        pictType: parsePictType(frame[11]!),
      };
      if (filter === (this.options.countFilter ?? 'showinfo@in')) this.seen = info.index + 1;
      this.events.onFrame?.(filter, info);
      return;
    }
    const config = configLine.exec(line);
    if (config) {
      const rate: [number, number] = [Number(config[4]), Number(config[5])];
      this.events.onConfig?.(config[1]!, {
        timeBase: [Number(config[2]), Number(config[3])],
        frameRate: rate[0] > 0 && rate[1] > 0 ? rate : null,
      });
      return;
    }
    if (line.startsWith('[showinfo@')) return; // side data and colour lines of a frame
    this.tail.push(line);
    if (this.tail.length > 40) this.tail.shift();
    const m = contextLine.exec(line);
    // `NULL` is the context name of a bitstream parser that has no codec name of its own.
    const source = m?.[1] === 'NULL' ? 'parser' : (m?.[1] ?? 'ffmpeg');
    const level = m?.[2];
    const message = (m?.[3] ?? line).trim();
    const isProblem = this.options.levelPrefix ? level !== undefined : problemWords.test(message);
    if (!isProblem || /^(frame=|video:|Press \[q\]|Stream mapping|Output #|Input #)/.test(message)) return;
    const off = offsetWords.exec(message);
    this.events.onProblem?.({
      level: level === 'warning' ? 'warning' : level ? 'error' : /warn/i.test(message) ? 'warning' : 'error',
      source,
      message,
      offset: off ? Number(off[1]) : null,
      framesBefore: this.seen,
    });
  }
}
