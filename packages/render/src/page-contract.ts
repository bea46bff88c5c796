/**
 * The viewer's render-mode hook as Node sees it (apps/viewer/src/render-mode.ts declares the same shapes
 * for the page; the viewer is an app, so the types are restated here, and the end-to-end tests keep the
 * two in step).
 */
import type { CameraPath } from '@vestige/scene';

export interface RenderPageSettings {
  pointBudget: number;
  maxScreenError: number;
  pointSize: number;
  pointSizeFactor: number;
  pointShape: 'circle' | 'square';
  colorMode: 'auto' | 'rgb' | 'intensity' | 'height' | 'uniform';
  edl: { enabled: boolean | 'auto'; strength: number; radius: number };
  overlays: { caseReference: boolean; frameNumber: boolean; time: boolean; scaleBar: boolean };
  path: CameraPath;
  frames: number;
}

export interface FrameStats {
  frame: number;
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
