/**
 * A screenshot for the file: the view as drawn, with a scale bar, the labels on screen (marker numbers,
 * measurement values, notes), and the case reference, scene and time burned in.
 */
import { Vector3, type Camera, type WebGLRenderer } from 'three';
import { formatLength, niceScaleLength, type SceneUnits } from '@vestige/scene/core';
import type { Label } from './overlay.ts';
import { worldPerPixelAt } from './picking.ts';

export interface ScreenshotScene {
  renderer: WebGLRenderer;
  camera: Camera;
  orthographic: boolean;
  /** Distance from the camera to what it looks at (perspective): where the scale bar holds. */
  depth: number;
  labels: readonly Label[];
  units: SceneUnits;
  /** `Case … · scene · time` line. */
  caption: string;
}

function drawScaleBar(ctx: CanvasRenderingContext2D, s: ScreenshotScene, pr: number): void {
  const src = s.renderer.domElement;
  const perPx = worldPerPixelAt(s.camera, s.depth, src.clientHeight || 1);
  const barLen = niceScaleLength(perPx * (src.clientWidth || 1) * 0.25);
  const barPx = (barLen / perPx) * pr;
  if (!(barPx > 0) || !Number.isFinite(barPx)) return;
  const pad = 16 * pr;
  const y = ctx.canvas.height - pad - 18 * pr;
  ctx.beginPath();
  ctx.moveTo(pad, y);
  ctx.lineTo(pad + barPx, y);
  for (const x of [pad, pad + barPx]) {
    ctx.moveTo(x, y - 6 * pr);
    ctx.lineTo(x, y + 6 * pr);
  }
  ctx.stroke();
  ctx.fillText(`${formatLength(barLen, s.units)}${s.orthographic ? '' : ' (at the view centre)'}`, pad, y + 22 * pr);
}

/** Marker numbers, measurement values and notes, as on screen. */
function drawLabels(ctx: CanvasRenderingContext2D, s: ScreenshotScene, pr: number): void {
  ctx.font = `${Math.round(12 * pr)}px system-ui, sans-serif`;
  for (const l of s.labels) {
    if (l.el.hidden) continue;
    const v = new Vector3(...l.at).project(s.camera);
    const x = ((v.x + 1) / 2) * ctx.canvas.width + 6 * pr;
    const y = ((1 - v.y) / 2) * ctx.canvas.height - 8 * pr;
    const text = l.el.textContent ?? '';
    ctx.fillStyle = l.kind === 'marker' ? '#c62828' : 'rgba(0,0,0,0.75)';
    ctx.fillRect(x - 3 * pr, y - 13 * pr, ctx.measureText(text).width + 6 * pr, 17 * pr);
    ctx.fillStyle = '#ffffff';
    ctx.fillText(text, x, y);
  }
}

/** A PNG data URL of the last drawn frame with the burned-in information. */
export function burnedScreenshot(s: ScreenshotScene): string {
  const src = s.renderer.domElement;
  const canvas = document.createElement('canvas');
  canvas.width = src.width;
  canvas.height = src.height;
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(src, 0, 0);
  const pr = s.renderer.getPixelRatio();
  const font = `${Math.round(14 * pr)}px system-ui, sans-serif`;
  ctx.font = font;
  ctx.fillStyle = 'rgba(0,0,0,0.65)';
  ctx.fillRect(0, canvas.height - 64 * pr, canvas.width, 64 * pr);
  ctx.fillStyle = '#ffffff';
  ctx.strokeStyle = '#ffffff';
  ctx.lineWidth = 3 * pr;
  drawScaleBar(ctx, s, pr);
  drawLabels(ctx, s, pr);
  ctx.font = font;
  ctx.textAlign = 'right';
  ctx.fillText(s.caption, canvas.width - 16 * pr, canvas.height - 16 * pr);
  return canvas.toDataURL('image/png');
}
