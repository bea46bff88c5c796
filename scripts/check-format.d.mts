export declare const WIDTH: number;
export declare const ALLOWED_RULES: string[];
export interface WideLine {
  /** Path from the repository root. */
  file: string;
  line: number;
  /** Columns (code points). */
  width: number;
  rule: 'literal content' | 'URL in a comment' | 'comment prose over the width' | 'code over the width';
}
export declare function formattedSources(): string[];
export declare function unformatted(files: string[]): string[];
export declare function wideLines(files: string[]): WideLine[];
export declare function widthOffenders(found: WideLine[]): WideLine[];
