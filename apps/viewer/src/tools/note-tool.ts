/** Notes pinned to a point, signed by the operator; the text is edited in the panel. */
import type { Annotation, Vec3 } from '@vestige/scene/core';
import { SinglePickTool, newRecordId } from './tool.ts';

export class NoteTool extends SinglePickTool {
  readonly name = 'annotation';
  readonly hint = 'Click where the note goes.';

  async pick(world: Vec3): Promise<void> {
    const note: Annotation = {
      id: newRecordId('a'),
      position: this.host.toSource(world),
      text: 'Note',
      author: this.host.records.operator,
      createdAt: new Date().toISOString(),
    };
    await this.host.records.add('annotations', note);
  }
}
