/**
 * The contract every picking tool of the viewer keeps (as Potree's MeasuringTool and ProfileTool do):
 * it takes points picked in the displayed frame, shows what it has so far, and finishes into a record
 * or a result. The viewer assembles the tools; none of them knows of another.
 */
import type { MeasurementKind, MutableVec3, SceneManifest, Vec3 } from '@vestige/scene/core';
import type { SceneRecordStore } from '../persistence.ts';

export type ToolName = 'point' | MeasurementKind | 'marker' | 'annotation' | 'sight';

/** What the viewer lends its tools. */
export interface ToolHost {
  readonly manifest: SceneManifest;
  readonly records: SceneRecordStore;
  toSource(world: Vec3): MutableVec3;
  status(message: string): void;
  warn(message: string): void;
}

export interface ViewerTool {
  readonly name: ToolName;
  /** What to do next, for the status line. */
  readonly hint: string;
  /** Points picked so far (displayed frame), drawn as pending. */
  readonly pending: readonly Vec3[];
  /** A point picked in the view (displayed frame). */
  pick(world: Vec3): void | Promise<void>;
  /** Enter or double-click: finish a polyline or an area. */
  finish(): void | Promise<void>;
  cancel(): void;
}

/** A fresh record id: time (base 36) and randomness, so ids sort roughly by creation and never collide. */
export function newRecordId(prefix: string): string {
  const rnd = crypto.getRandomValues(new Uint32Array(2));
  return `${prefix}-${Date.now().toString(36)}-${rnd[0]!.toString(36)}${rnd[1]!.toString(36)}`;
}

/** A tool that acts on each pick at once: nothing pending, nothing to finish. */
export abstract class SinglePickTool implements ViewerTool {
  abstract readonly name: ToolName;
  abstract readonly hint: string;
  readonly pending: readonly Vec3[] = [];

  constructor(protected readonly host: ToolHost) {}

  abstract pick(world: Vec3): void | Promise<void>;

  finish(): void {}

  cancel(): void {}
}
