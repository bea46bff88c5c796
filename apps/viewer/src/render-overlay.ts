/**
 * Render mode's burned-in overlays, each opted into by the render recipe: case reference, frame number,
 * time on the path and a scale bar. Drawn on a 2D canvas over a copy of the frame, from the recipe's
 * numbers only (never the clock), in one named font, so the same frame gives the same pixels; the
 * canary frame draws them too, so a machine whose fonts differ is a different render class.
 */
import type { Camera } from 'three';
import { formatLength, niceScaleLength, type SceneUnits } from '@vestige/scene/core';
import { worldPerPixelAt } from './picking.ts';

export interface OverlayChoice {
  caseReference: boolean;
  frameNumber: boolean;
  time: boolean;
  scaleBar: boolean;
}

export interface OverlayFrame {
  caseReference: string;
  /** Frame number shown as 1-based `n / total`: courts count from one. */
  frame: number;
  frames: number;
  /** Seconds from the start of the path. */
  time: number;
  camera: Camera;
  /** Distance to the point looked at: where the scale bar holds. */
  focusDistance: number;
  units: SceneUnits;
}

export function wantsOverlay(o: OverlayChoice): boolean {
  return o.caseReference || o.frameNumber || o.time || o.scaleBar;
}

/** `mm:ss.fff` of path time (not a clock time: a render shows no wall clock). */
export function pathTime(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const m = Math.floor(ms / 60000);
  const s = Math.floor((ms % 60000) / 1000);
  return `${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String(ms % 1000).padStart(3, '0')}`;
}

/** Draws `source` and the chosen overlays into a new canvas of the same size. */
export function composeOverlay(source: HTMLCanvasElement, choice: OverlayChoice, f: OverlayFrame): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = source.width;
  canvas.height = source.height;
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(source, 0, 0);
  // Sizes follow the frame (1280 × 720 = 1), so a 4K frame carries the same overlay as a 720p one, scaled.
  const k = Math.max(0.4, Math.min(canvas.height / 720, canvas.width / 1280));
  const pad = Math.round(14 * k);
  const band = Math.round(40 * k);
  ctx.fillStyle = 'rgba(0,0,0,0.6)';
  ctx.fillRect(0, canvas.height - band, canvas.width, band);
  ctx.font = `${Math.round(15 * k)}px "DejaVu Sans", sans-serif`;
  ctx.textBaseline = 'middle';
  ctx.fillStyle = '#ffffff';
  ctx.strokeStyle = '#ffffff';
  ctx.lineWidth = Math.max(1, Math.round(2 * k));
  const y = canvas.height - band / 2;
  if (choice.scaleBar) drawScaleBar(ctx, f, pad, y, k);
  const right: string[] = [];
  if (choice.caseReference && f.caseReference) right.push(`Case ${f.caseReference}`);
  if (choice.frameNumber) right.push(`frame ${f.frame + 1} / ${f.frames}`);
  if (choice.time) right.push(pathTime(f.time));
  ctx.textAlign = 'right';
  ctx.fillText(right.join('   '), canvas.width - pad, y);
  return canvas;
}

/** A bar of a round length at the focus distance, its label above it: the left third of the band. */
function drawScaleBar(ctx: CanvasRenderingContext2D, f: OverlayFrame, x: number, y: number, k: number): void {
  const perPx = worldPerPixelAt(f.camera, f.focusDistance, ctx.canvas.height);
  const length = niceScaleLength(perPx * ctx.canvas.width * 0.2);
  const px = Math.round(length / perPx);
  if (!(px > 0) || !Number.isFinite(px)) return;
  const tick = Math.round(4 * k);
  const barY = y + Math.round(9 * k);
  ctx.beginPath();
  ctx.moveTo(x, barY);
  ctx.lineTo(x + px, barY);
  for (const at of [x, x + px]) {
    ctx.moveTo(at, barY - tick);
    ctx.lineTo(at, barY + tick);
  }
  ctx.stroke();
  ctx.textAlign = 'left';
  const font = ctx.font;
  ctx.font = `${Math.round(12 * k)}px "DejaVu Sans", sans-serif`;
  ctx.fillText(
    `${formatLength(length, f.units)} at ${formatLength(f.focusDistance, f.units)}`,
    x,
    y - Math.round(7 * k),
  );
  ctx.font = font;
}
