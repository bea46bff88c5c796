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
