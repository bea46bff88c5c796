/**
 * "Every budgeted node drawn", measured: for the camera and canvas as they are now, the nodes the point
 * budget selects over all layers (every node counted as loaded) against the nodes three.js will draw.
 * Render mode reports it with each frame; the interactive viewer's test hook reports it for the render
 * bench's peer, so both are judged by the same code.
 */
import type { FrameBudget } from '@vestige/scene/core';
import { sha256Hex } from './api.ts';
import type { Viewer } from './viewer.ts';

export async function frameBudget(viewer: Viewer): Promise<FrameBudget> {
  const h = viewer.prepareFrame();
  const selected: string[] = [];
  const missing: string[] = [];
  const extra: string[] = [];
  let selectedPoints = 0;
  for (const layer of viewer.layers) {
    if (!layer.root) continue;
    const c = layer.budgetCompleteness(viewer.camera, h, viewer.pointBudget, viewer.maxScreenError);
    const named = (names: string[]) => names.map((n) => `${layer.ref.id}/${n}`);
    selected.push(...named(c.selected));
    missing.push(...named(c.missing));
    extra.push(...named(c.extra));
    selectedPoints += c.selectedPoints;
  }
  return {
    selectedNodes: selected.length,
    selectedPoints,
    missing,
    extra,
    selectionSha256: await sha256Hex(new TextEncoder().encode(selected.join('\n'))),
  };
}
