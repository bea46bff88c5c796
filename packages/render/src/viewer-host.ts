/**
 * Where the render backend finds the viewer: the same server and the same built bundle that investigators
 * use (`vestige serve`), so a frame is drawn by the viewer's own code. `@vestige/render` is a package and
 * never imports an app, so whoever assembles the node (the CLI, a test) hands in a host.
 */
export interface ViewerSite {
  /** A URL that signs in and opens `sceneId`'s viewer page with `query` added (e.g. `render=1920x1080`). */
  sceneUrl(sceneId: string, query: Record<string, string>): string;
  close(): Promise<void>;
}

export interface ViewerHost {
  /** The built viewer's folder: the SHA-256 of its files is the viewer bundle hash every frame records. */
  readonly viewerDir: string;
  /** Serves `caseDir` read-only on a loopback port. */
  open(caseDir: string): Promise<ViewerSite>;
}
