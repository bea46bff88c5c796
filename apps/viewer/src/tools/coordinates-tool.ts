/** Reads a point's coordinates (source frame). Nothing is kept: a marker keeps a position in the case. */
import { formatPoint, type Vec3 } from '@vestige/scene/core';
import { SinglePickTool } from './tool.ts';

export class CoordinatesTool extends SinglePickTool {
  readonly name = 'point';
  readonly hint = 'Click a point to read its coordinates.';

  pick(world: Vec3): void {
    this.host.status(
      `Point ${formatPoint(this.host.toSource(world))} (source frame). To keep a position in the case, place a marker (K).`,
    );
  }
}
