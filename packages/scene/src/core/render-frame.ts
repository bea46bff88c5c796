/**
 * What the viewer's render mode reports about the page and each frame it draws. The page (apps/viewer)
 * and the render node (@vestige/render) both read these shapes, so they live once, here, in the
 * browser-safe core.
 */
/** What a frame request did: the farm logs it and the benchmark reads completeness from it. */
export interface FrameStats {
  frame: number;
  /** Octree nodes drawn, over all layers, and their points. */
  nodes: number;
  points: number;
  bytes: number;
  loadMs: number;
  drawMs: number;
  encodeMs: number;
  postMs: number;
  /** Every budgeted node drawn? The budget's selection for this camera against what was drawn (render bench). */
  budget?: FrameBudget;
}

/**
 * The point budget's selection for one camera and canvas (every node counted as loaded) against the
 * nodes actually drawn, over all layers; names are `layer/node`, sorted.
 */
export interface FrameBudget {
  selectedNodes: number;
  selectedPoints: number;
  /** Selected but not drawn: a complete frame has none. */
  missing: string[];
  /** Drawn but not selected. */
  extra: string[];
  /** SHA-256 of the selected names joined by newlines: equal across renderers that select the same nodes. */
  selectionSha256: string;
}

export interface RenderInfo {
  width: number;
  height: number;
  webglVersion: string;
  webglVendor: string;
  webglRenderer: string;
  maxRenderbufferSize: number;
  maxViewportDims: [number, number];
  userAgent: string;
}
