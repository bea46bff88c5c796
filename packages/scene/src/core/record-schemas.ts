/** The schemas the server and the CLI check scene records with (see records.ts for their layout). */
import { z } from 'zod';
import { AnnotationSchema, EvidenceMarkerSchema, MeasurementSchema } from '../manifest/schema.ts';
import type { SceneRecordCollection } from './records.ts';

const vec3 = z.tuple([z.number(), z.number(), z.number()]);

/** A view the officer saved: camera (source frame), clipping box and display settings. */
export const SavedViewSchema = z.object({
  id: z.string().min(1).max(200),
  name: z.string().max(200),
  camera: z.object({
    projection: z.enum(['perspective', 'orthographic']),
    /** Source frame. */
    position: vec3,
    target: vec3,
    up: vec3.optional(),
    fov: z.number().positive().max(179).optional(),
    zoom: z.number().positive().optional(),
  }),
  clipBox: z.object({ min: vec3, max: vec3 }).nullable().optional(),
  colorMode: z.string().max(40).optional(),
  pointBudget: z.number().int().positive().optional(),
  note: z.string().max(10_000).optional(),
});
export type SavedView = z.infer<typeof SavedViewSchema>;

export const SCENE_RECORD_SCHEMAS = {
  /** Value, unit and ± may be left out: they are computed from the points (and checked when sent). */
  measurements: MeasurementSchema.partial({ value: true, unit: true, uncertainty: true }),
  markers: EvidenceMarkerSchema,
  annotations: AnnotationSchema,
  views: SavedViewSchema,
} as const satisfies Record<SceneRecordCollection, unknown>;

