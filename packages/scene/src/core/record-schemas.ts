/** The schemas the server and the CLI check scene records with (see records.ts for their layout). */
import { z } from 'zod';
import { AnnotationSchema, EvidenceMarkerSchema, MeasurementSchema } from '../manifest/schema.ts';
import type { SceneRecordCollection } from './records.ts';
import { CAMERA_PATH_INTERPOLATION, CAMERA_PATH_SCHEMA, CAMERA_PATH_VERSION } from './camera-path.ts';

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

const keyframe = z.object({
  position: vec3,
  target: vec3,
  fov: z.number().positive().lt(180),
  time: z.number().nonnegative(),
  viewId: z.string().max(200).optional(),
  name: z.string().max(200).optional(),
});

/**
 * A camera path (camera-path.ts): keyframes in the source frame, frame rate, optional duration. An empty
 * list is a valid record (a path being built in the viewer); rendering checks `cameraPathProblems`.
 * The exported file carries `schema`/`version` and its context (`sceneId`, `frame`, `units`,
 * `interpolation`); they are accepted on import and not stored.
 */
export const CameraPathSchema = z.object({
  id: z.string().min(1).max(200),
  name: z.string().max(200),
  fps: z.number().positive().max(240),
  duration: z.number().nonnegative().optional(),
  keyframes: z.array(keyframe).max(10_000),
  note: z.string().max(10_000).optional(),
});

/** A camera path file as `cameraPathFile` writes it. */
export const CameraPathFileSchema = CameraPathSchema.extend({
  schema: z.literal(CAMERA_PATH_SCHEMA),
  version: z.literal(CAMERA_PATH_VERSION),
  sceneId: z.string().optional(),
  frame: z.literal('source').optional(),
  units: z.string().optional(),
  interpolation: z.literal(CAMERA_PATH_INTERPOLATION).optional(),
});

export const SCENE_RECORD_SCHEMAS = {
  /** Value, unit and ± may be left out: they are computed from the points (and checked when sent). */
  measurements: MeasurementSchema.partial({ value: true, unit: true, uncertainty: true }),
  markers: EvidenceMarkerSchema,
  annotations: AnnotationSchema,
  views: SavedViewSchema,
  'camera-paths': CameraPathSchema,
} as const satisfies Record<SceneRecordCollection, unknown>;
