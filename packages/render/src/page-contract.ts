/**
 * The viewer's render-mode hook as Node sees it. The settings are restated here because the viewer is
 * an app (apps/viewer/src/render-mode.ts holds the page's side; the end-to-end tests keep the two in
 * step); what the page reports back (FrameStats, RenderInfo) is the scene core's one definition.
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

export type { FrameStats, RenderInfo } from '@vestige/scene/core';
