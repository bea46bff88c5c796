/** Numbered evidence markers: the lowest number not yet used in the scene, kept as a case record. */
import { nextMarkerLabel, type EvidenceMarker, type Vec3 } from '@vestige/scene/core';
import { SinglePickTool, newRecordId } from './tool.ts';

export class MarkerTool extends SinglePickTool {
  readonly name = 'marker';
  readonly hint = 'Click where the evidence marker goes.';

  async pick(world: Vec3): Promise<void> {
    const marker: EvidenceMarker = {
      id: newRecordId('k'),
      label: nextMarkerLabel(this.host.records.markers),
      position: this.host.toSource(world),
    };
    await this.host.records.add('markers', marker);
  }
}
