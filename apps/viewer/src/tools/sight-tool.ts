/**
 * Line of sight: the eye is set a chosen height above the first picked point, the target is the second;
 * the line is tested (scene core `SightLine`) against what is drawn now. Results are listed and drawn,
 * not kept in the case: they depend on the points loaded at the time.
 */
import { distance, formatLength, formatPoint, type SightResult, type Vec3 } from '@vestige/scene/core';
import { newRecordId, type ToolHost, type ViewerTool } from './tool.ts';

export interface SightLineRecord {
  id: string;
  /** Displayed frame. */
  eye: Vec3;
  target: Vec3;
  result: SightResult;
}

export class SightTool implements ViewerTool {
  readonly name = 'sight';
  pending: Vec3[] = [];
  eyeHeight = 1.6;
  readonly lines: SightLineRecord[] = [];

  constructor(
    private readonly host: ToolHost,
    /** Tests a line (displayed frame) against the points drawn now. */
    private readonly test: (eye: Vec3, target: Vec3) => SightResult,
    private readonly changed: () => void,
  ) {}

  get hint(): string {
    return `Click the eye point (the eye is ${this.eyeHeight} ${this.host.manifest.units} above it), then the target.`;
  }

  pick(world: Vec3): void {
    if (this.pending.length === 0) {
      this.pending = [[world[0], world[1], world[2] + this.eyeHeight]];
      this.host.status(
        `Eye point set ${this.eyeHeight} ${this.host.manifest.units} above the picked point. Now pick the target.`,
      );
      return;
    }
    const eye = this.pending[0]!;
    this.pending = [];
    this.between(eye, world);
  }

  /** Tests, lists and draws the line from `eye` to `target` (displayed frame). */
  between(eye: Vec3, target: Vec3): SightResult {
    const result = this.test(eye, target);
    this.lines.push({ id: newRecordId('s'), eye, target, result });
    const units = this.host.manifest.units;
    this.host.status(
      result.visible
        ? `Line of sight: VISIBLE — nothing drawn blocks the ${formatLength(distance(eye, target), units)} line.`
        : `Line of sight: BLOCKED at ${formatLength(result.distance, units)} from the eye, by the point ${formatPoint(this.host.toSource(result.blocking!))}.`,
    );
    this.changed();
    return result;
  }

  finish(): void {}

  cancel(): void {
    this.pending = [];
  }
}
