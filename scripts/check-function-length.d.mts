export declare const LIMIT: number;
export interface LongFunction {
  /** `path/to/file.ts:functionName` */
  id: string;
  lines: number;
}
export declare function longFunctions(): LongFunction[];
export declare function offenders(found?: LongFunction[]): LongFunction[];
