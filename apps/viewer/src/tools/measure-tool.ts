/**
 * Distance, polyline, height, angle and area: picked points become a measurement record whose value,
 * unit and ± the scene core computes from the points in the source frame — the same call the CLI and
 * the server make, so the value shown here is the value kept in the case.
 */
import { POINTS_NEEDED, measureScene, type Measurement, type MeasurementKind, type Vec3 } from '@vestige/scene/core';
import { newRecordId, type ToolHost, type ViewerTool } from './tool.ts';

const HINTS: Record<MeasurementKind, string> = {
  distance: 'Click two points.',
  polyline: 'Click points along the path; Enter or double-click to finish.',
  height: 'Click the lower and the upper point (the height is signed: positive when the second point is higher).',
  angle: 'Click three points; the angle is at the second.',
  area: 'Click the corners; Enter or double-click to close the polygon.',
};

export class MeasureTool implements ViewerTool {
  pending: Vec3[] = [];

  constructor(
    readonly name: MeasurementKind,
    private readonly host: ToolHost,
  ) {}

  get hint(): string {
    return HINTS[this.name];
  }

  pick(world: Vec3): void | Promise<void> {
    this.pending.push(world);
    if (this.pending.length >= POINTS_NEEDED[this.name].max) return this.finish();
    const open = this.name === 'polyline' || this.name === 'area';
    this.host.status(
      `${this.pending.length} point(s) picked. ${open ? 'Double-click or press Enter to finish.' : 'Pick the next point.'}`,
    );
  }

  async finish(): Promise<void> {
    if (this.pending.length < POINTS_NEEDED[this.name].min) return;
    const source = this.pending.map((p) => this.host.toSource(p));
    this.pending = [];
    await this.complete(source);
  }

  /** Measures source-frame points and keeps the measurement (the test hook calls this with a known table). */
  async complete(source: readonly Vec3[], named: { id?: string; label?: string } = {}): Promise<Measurement | null> {
    let result;
    try {
      result = measureScene(this.host.manifest, this.name, source);
    } catch (err) {
      this.host.warn((err as Error).message);
      return null;
    }
    const n = this.host.records.measurements.filter((m) => !m.builtIn).length + 1;
    const record: Measurement = {
      id: named.id ?? newRecordId('m'),
      label: named.label ?? `${this.name[0]!.toUpperCase()}${this.name.slice(1)} ${n}`,
      kind: this.name,
      points: source.map((p) => [p[0], p[1], p[2]]),
      value: result.value,
      unit: result.unit,
      ...(result.uncertainty ? { uncertainty: result.uncertainty } : {}),
      operator: this.host.records.operator,
    };
    await this.host.records.add('measurements', record);
    return record;
  }

  cancel(): void {
    this.pending = [];
  }
}
