/** Types of build.mjs (kept beside it; the browser tests and `vestige serve` import it from TypeScript). */
export declare const viewerDir: string;
export declare const distDir: string;
export declare const VIEWER_SOURCES: readonly string[];
export declare function viewerSourcesHash(): string;
export declare function viewerIsFresh(): boolean;
export declare function ensureViewerBuilt(options?: { log?: (line: string) => void }): 'fresh' | 'built';
