/**
 * What a decode learns from ffmpeg's log: every decoded frame (`showinfo@in`), the frames that reach the
 * outputs (`showinfo@out`, matched back to their place in the stream), the stream's time base, and the
 * problems ffmpeg reports.
 */
import { FfmpegLogParser, type DecodeProblem, type FilterConfig, type FrameInfo } from './log.ts';

export class FrameLog {
  readonly decoded: FrameInfo[] = [];
  readonly selected: FrameInfo[] = [];
  readonly problems: DecodeProblem[] = [];
  config: FilterConfig | null = null;
  /** Frames `showinfo@out` named that no decoded frame matched (must stay 0). */
  unmatched = 0;
  readonly parser: FfmpegLogParser;
  private cursor = 0;

  constructor(
    /**
     * True when frames are selected: the output frames come from `showinfo@out`; otherwise every decoded frame is one.
     */
    private readonly selecting: boolean,
    private readonly onOutputFrame: ((frame: FrameInfo, k: number) => void) | undefined,
    options: { levelPrefix: boolean },
  ) {
    this.parser = new FfmpegLogParser(
      {
        onConfig: (filter, c) => {
          if (filter === 'showinfo@in') this.config = c;
        },
        onFrame: (filter, frame) => this.frame(filter, frame),
        onProblem: (p) => {
          if (this.problems.length < 200) this.problems.push(p);
        },
      },
      { levelPrefix: options.levelPrefix, countFilter: 'showinfo@in' },
    );
  }

  private emit(frame: FrameInfo): void {
    this.selected.push(frame);
    this.onOutputFrame?.(frame, this.selected.length - 1);
  }

  private frame(filter: string, frame: FrameInfo): void {
    if (filter === 'showinfo@in') {
      this.decoded.push(frame);
      if (!this.selecting) this.emit(frame);
      return;
    }
    if (filter !== 'showinfo@out') return;
    // The selected frames are a subsequence of the decoded ones, logged by showinfo@in just before: match
    // each back by timestamp, position and type to learn its index in the stream.
    while (this.cursor < this.decoded.length) {
      const d = this.decoded[this.cursor++]!;
      if (d.pts === frame.pts && d.pos === frame.pos && d.pictType === frame.pictType) {
        this.emit({ ...frame, index: d.index });
        return;
      }
    }
    this.unmatched++;
  }
}
