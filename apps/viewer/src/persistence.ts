/**
 * The scene's records as the viewer holds them — measurements, evidence markers, notes, saved views and
 * camera paths —
 * and their saving: each added or changed one is sent to the server (a case record with a custody event
 * there); in a read-only presentation nothing is sent. Built-in entries come from the manifest's layers
 * and cannot be deleted.
 */
import {
  byRecordId,
  sceneMarkers,
  sceneMeasurements,
  type SceneManifest,
  type SceneRecordCollection,
  type SceneRecordValues,
} from '@vestige/scene/core';
import type { Api } from './api.ts';
import type {
  AnnotationRecord,
  CameraPathRecord,
  MarkerRecord,
  MeasurementRecord,
  Shown,
  ViewRecord,
} from './types.ts';

export interface RecordEvents {
  warn(message: string): void;
  status(message: string): void;
  /** Something in the lists changed: redraw the overlay and the panel. */
  changed(): void;
}

type Held = { [C in SceneRecordCollection]: Shown<SceneRecordValues[C]>[] };

/** A record without the viewer's own marks, as the server and the exports take it. */
export function bare<T extends object>(record: Shown<T>): T {
  const { builtIn: _b, updatedAt: _u, ...value } = record;
  return value as T;
}

export class SceneRecordStore {
  private readonly saved: Held = { measurements: [], markers: [], annotations: [], views: [], 'camera-paths': [] };
  private readonly builtIn: {
    measurements: MeasurementRecord[];
    markers: MarkerRecord[];
    annotations: AnnotationRecord[];
  };

  constructor(
    private readonly api: Api,
    private readonly manifest: SceneManifest,
    readonly readOnly: boolean,
    readonly operator: string,
    private readonly events: RecordEvents,
  ) {
    const layers = manifest.layers;
    this.builtIn = {
      measurements: layers
        .flatMap((l) => (l.type === 'measurements' ? l.measurements : []))
        .map((m) => ({ ...m, builtIn: true })),
      markers: layers.flatMap((l) => (l.type === 'markers' ? l.markers : [])).map((m) => ({ ...m, builtIn: true })),
      annotations: layers
        .flatMap((l) => (l.type === 'annotations' ? l.annotations : []))
        .map((a) => ({ ...a, builtIn: true })),
    };
  }

  /** Built in first (manifest order), then saved by id: the order of the exports. */
  get measurements(): MeasurementRecord[] {
    return [...this.builtIn.measurements, ...byRecordId(this.saved.measurements)];
  }

  get markers(): MarkerRecord[] {
    return [...this.builtIn.markers, ...byRecordId(this.saved.markers)];
  }

  get annotations(): AnnotationRecord[] {
    return [...this.builtIn.annotations, ...this.saved.annotations];
  }

  get views(): ViewRecord[] {
    return this.saved.views;
  }

  get cameraPaths(): CameraPathRecord[] {
    return byRecordId(this.saved['camera-paths']);
  }

  /** The rows an export writes, exactly as the server and the CLI would write them. */
  exportRows(): { measurements: SceneRecordValues['measurements'][]; markers: SceneRecordValues['markers'][] } {
    return {
      measurements: sceneMeasurements(this.manifest, this.saved.measurements.map(bare)),
      markers: sceneMarkers(this.manifest, this.saved.markers.map(bare)),
    };
  }

  private path(collection: SceneRecordCollection, id?: string): string {
    return `scenes/${encodeURIComponent(this.manifest.id)}/${collection}${id === undefined ? '' : `/${encodeURIComponent(id)}`}`;
  }

  async load(): Promise<void> {
    try {
      const lists = await Promise.all(
        (Object.keys(this.saved) as SceneRecordCollection[]).map((c) =>
          this.api.getJson<Record<string, never[]>>(this.path(c)).then((body) => [c, body[c] ?? []] as const),
        ),
      );
      for (const [c, list] of lists) (this.saved[c] as unknown[]) = list;
    } catch (err) {
      this.events.warn(`Saved measurements, markers and views could not be read: ${(err as Error).message}`);
    }
    this.events.changed();
  }

  /** Adds a new record and saves it. */
  async add<C extends SceneRecordCollection>(collection: C, record: SceneRecordValues[C]): Promise<void> {
    this.saved[collection].push(record);
    this.events.changed();
    await this.save(collection, record);
  }

  /** Sends a record (new or edited) to the case. */
  async save<C extends SceneRecordCollection>(collection: C, record: Shown<SceneRecordValues[C]>): Promise<void> {
    if (this.readOnly) {
      this.events.status('Read-only presentation: this is shown but not saved in the case.');
      return;
    }
    try {
      await this.api.putJson(this.path(collection, record.id), bare(record));
      this.events.status(`Saved in the case (custody log: ${this.operator}).`);
    } catch (err) {
      this.events.warn(`Could not save ${collection.replace(/s$/, '')} ${record.id}: ${(err as Error).message}`);
    }
  }

  /** Saves a record edited in place (a marker's note, a note's text). */
  async update<C extends SceneRecordCollection>(collection: C, record: Shown<SceneRecordValues[C]>): Promise<void> {
    this.events.changed();
    await this.save(collection, record);
  }

  async remove(collection: SceneRecordCollection, id: string): Promise<void> {
    if (!this.readOnly) {
      try {
        await this.api.delete(this.path(collection, id));
      } catch (err) {
        this.events.warn(`Could not delete ${id}: ${(err as Error).message}`);
        return;
      }
    }
    (this.saved[collection] as { id: string }[]) = this.saved[collection].filter((r) => r.id !== id);
    this.events.changed();
  }
}
