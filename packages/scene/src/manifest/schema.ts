/**
 * The scene manifest: the one JSON document that the viewer, the server and the render farm read.
 *
 * ## How a scene is stored in a case
 *
 * A scene is never a folder of files. Everything it needs is a content-addressed blob in the case's blob
 * store, and the manifest names each blob by its SHA-256:
 *
 * - each input file (the scan, the model, the COLMAP files) is put with `store.blobs.putFile(path)` and
 *   listed in `inputs` with its SHA-256;
 * - each point-cloud layer is a Potree 2.0 octree: the three files `metadata.json`, `hierarchy.bin` and
 *   `octree.bin` are three blobs, named in `layer.files` (the viewer fetches them by hash and serves them
 *   under those three names, so an unmodified Potree loader opens them);
 * - each mesh layer is one binary glTF (`.glb`) blob; photo viewpoints name their image blob if the
 *   photo is in the case;
 * - the build is recorded with `store.recordDerivation({ activity: 'scene.build', … })`; its id is
 *   `provenanceId`;
 * - the manifest itself is a case record: `store.putRecord('scenes', manifest.id, manifest, operator)`.
 *   Changes (scale, level, new markers and measurements) write a new version of the record; each write is
 *   a custody event, and scale/level also add a provenance record listed in `adjustments`.
 *
 * ## Coordinates
 *
 * All coordinates in the manifest (bounds, poses, markers, measurement points) are in the *source*
 * frame — the scanner's or the survey's coordinates, in double precision, in `units`. Scanner coordinates
 * are large (UTM eastings are ~500 000 m), and a GPU has only float32, so a renderer subtracts
 * `origin.offset` first and then applies `transform` (a column-major 4×4 matrix, as three.js `Matrix4`
 * stores it) to reach the displayed frame:
 *
 *     displayed = transform × (source − origin.offset)
 *
 * `transform` is the identity until the scene is scaled or levelled. Measured values are given in the
 * displayed frame (after scale), in `units`.
 *
 * This file is part of the browser-safe scene core (`@vestige/scene/core`): zod only, no Node imports.
 */
import { z } from 'zod';
import { MEASUREMENT_KINDS } from '../core/measure.ts';
import { SCENE_UNITS } from '../core/units.ts';

export const SCENE_MANIFEST_SCHEMA = 'vestige.scene' as const;
export const SCENE_MANIFEST_VERSION = 1 as const;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lower-case hex SHA-256');
const vec3 = z.tuple([z.number(), z.number(), z.number()]);
const quaternion = z.tuple([z.number(), z.number(), z.number(), z.number()]);
const matrix4 = z.array(z.number()).length(16);
const id = z.string().min(1).max(200);

export const BoundsSchema = z.object({ min: vec3, max: vec3 });

/** A file in the case's blob store. */
export const BlobRefSchema = z.object({ sha256, size: z.number().int().nonnegative() });

export const SceneInputSchema = z.object({
  /** File name as the user gave it (base name, or a path inside a folder input such as a COLMAP model). */
  name: z.string(),
  sha256,
  size: z.number().int().nonnegative(),
  /** `SceneFormat.id` that read it, e.g. `las`, `e57`, `colmap`. */
  format: z.string(),
  /** Item id in the case, when the input was ingested as an item. */
  itemId: z.string().optional(),
  /** Points the importer read from this input (point formats only). */
  points: z.number().int().nonnegative().optional(),
});

export const PointAttributeNameSchema = z.enum(['position', 'rgb', 'intensity', 'classification']);

export const PointCloudLayerSchema = z.object({
  type: z.literal('pointcloud'),
  id,
  name: z.string(),
  format: z.literal('potree-2.0'),
  /** The three Potree 2.0 files by SHA-256. Serve them as `metadata.json`, `hierarchy.bin`, `octree.bin`. */
  files: z.object({ metadata: BlobRefSchema, hierarchy: BlobRefSchema, octree: BlobRefSchema }),
  points: z.number().int().nonnegative(),
  /** Tight bounds of the points, source frame. */
  bounds: BoundsSchema,
  attributes: z.array(PointAttributeNameSchema),
  /** Spacing of the root level (source units); halves at each level. */
  spacing: z.number().nonnegative(),
  /** Quantisation step of positions (source units). */
  scale: z.number().positive(),
  /** Indices into `inputs` this layer was built from. */
  inputs: z.array(z.number().int().nonnegative()),
  /** How the coarse levels were made, for the report. */
  sampling: z.string(),
  /**
   * Which sampler chose each node's points (`grid` or `poisson`); absent in scenes built before it was recorded (grid).
   */
  sampler: z.enum(['grid', 'poisson']).optional(),
  /**
   * The builder's tile hashes (core/potree/tile-hashes.ts): the file with one SHA-256 per hierarchy record,
   * and the root over the first hierarchy chunk and its section. A viewer that trusts this manifest checks
   * every hierarchy chunk and node against them and needs nothing else from the server.
   */
  tileHashes: z
    .object({
      sha256,
      size: z.number().int().nonnegative(),
      root: sha256,
      firstChunkSize: z.number().int().nonnegative(),
    })
    .optional(),
});

export const MeshLayerSchema = z.object({
  type: z.literal('mesh'),
  id,
  name: z.string(),
  format: z.literal('glb'),
  file: BlobRefSchema,
  /**
   * Add to the glb's vertex positions to get the source frame (meshes made from PLY/OBJ are stored near 0 for float32).
   */
  offset: vec3.default([0, 0, 0]),
  bounds: BoundsSchema,
  vertices: z.number().int().nonnegative(),
  triangles: z.number().int().nonnegative(),
  inputs: z.array(z.number().int().nonnegative()),
});

export const CameraIntrinsicsSchema = z.object({
  /** COLMAP model name (`PINHOLE`, `SIMPLE_RADIAL`, `OPENCV` …) or `pinhole`. */
  model: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  fx: z.number(),
  fy: z.number(),
  cx: z.number(),
  cy: z.number(),
  /** Model-specific distortion parameters in the model's own order (k1, k2, p1, p2 … for OPENCV). */
  distortion: z.array(z.number()).default([]),
});

export const PhotoViewpointSchema = z.object({
  id,
  name: z.string(),
  /**
   * Camera-to-world pose in the source frame. The camera looks down its local −Z with +Y up
   * (three.js / OpenGL convention); importers convert from their own convention (COLMAP: +Z forward, −Y up).
   */
  pose: z.object({ position: vec3, quaternion }),
  intrinsics: CameraIntrinsicsSchema,
  /** The photograph, when it is in the case. */
  image: z.object({ sha256: sha256.optional(), itemId: z.string().optional(), name: z.string() }).optional(),
});

export const ViewpointsLayerSchema = z.object({
  type: z.literal('viewpoints'),
  id,
  name: z.string(),
  viewpoints: z.array(PhotoViewpointSchema),
  inputs: z.array(z.number().int().nonnegative()),
});

/**
 * How a scanner photo's pixels map to directions (E57 image representations, E2807 §8.4; units as the file states
 * them).
 */
export const ScanPhotoProjectionSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('pinhole'),
    width: z.number().int().nonnegative(),
    height: z.number().int().nonnegative(),
    /** Metres, as are the pixel sizes: focal length in pixels is focalLength / pixelWidth. */
    focalLength: z.number(),
    pixelWidth: z.number(),
    pixelHeight: z.number(),
    /** Pixels: where the camera's z axis meets the image. */
    principalPointX: z.number(),
    principalPointY: z.number(),
    distortion: z.record(z.string(), z.union([z.number(), z.string()])).optional(),
  }),
  z.object({
    kind: z.literal('spherical'),
    width: z.number().int().nonnegative(),
    height: z.number().int().nonnegative(),
    pixelWidth: z.number(),
    pixelHeight: z.number(),
  }),
  z.object({
    kind: z.literal('cylindrical'),
    width: z.number().int().nonnegative(),
    height: z.number().int().nonnegative(),
    pixelWidth: z.number(),
    pixelHeight: z.number(),
    radius: z.number(),
    principalPointY: z.number(),
  }),
  z.object({
    kind: z.literal('reference'),
    width: z.number().int().nonnegative(),
    height: z.number().int().nonnegative(),
  }),
]);

const ImageBlobSchema = BlobRefSchema.extend({ mediaType: z.enum(['image/jpeg', 'image/png']) });

export const ScanPhotoSchema = z.object({
  /** The file's identifier for the image (E57 guid), else `<format>-image-<index>`. */
  id,
  name: z.string(),
  /** Position among the input's images. */
  index: z.number().int().nonnegative(),
  /**
   * Camera-to-scene pose as the file states it, source frame: unit quaternion (w, x, y, z) and translation.
   * For spherical and cylindrical photos the translation is the scan position.
   */
  pose: z.object({ rotation: quaternion, translation: vec3 }),
  projection: ScanPhotoProjectionSchema,
  /** The photo's encoded bytes in the case (copied unchanged from the scan file). */
  image: ImageBlobSchema,
  /** A PNG of the valid pixels, when the file has one. */
  mask: ImageBlobSchema.optional(),
  /** The scan this photo was taken with (E57 associatedData3DGuid). */
  scanGuid: z.string().optional(),
});

/** Photos that came inside a scan file (E57 images2D), with their pixels stored as case blobs. */
export const ScanPhotosLayerSchema = z.object({
  type: z.literal('photos'),
  id,
  name: z.string(),
  photos: z.array(ScanPhotoSchema),
  inputs: z.array(z.number().int().nonnegative()),
});

export const EvidenceMarkerSchema = z.object({
  id,
  /** The label on the physical marker, e.g. `A`, `12`. */
  label: z.string(),
  position: vec3,
  /** The case item (photo, exhibit) this marker stands for. */
  itemId: z.string().optional(),
  note: z.string().optional(),
});

export const MarkersLayerSchema = z.object({
  type: z.literal('markers'),
  id,
  name: z.string(),
  markers: z.array(EvidenceMarkerSchema),
});

export const MeasurementSchema = z.object({
  id,
  label: z.string(),
  kind: z.enum(MEASUREMENT_KINDS),
  /** Picked points, source frame. */
  points: z.array(vec3).min(1),
  /**
   * The measured value in the displayed frame (`measureScene` in core/measure.ts); heights are signed, see
   * `MEASUREMENT_DEFINITIONS`.
   */
  value: z.number(),
  /** `m`, `m²`, `°` … (core/units.ts). */
  unit: z.string(),
  /** The value's ± from the scene's stated `measurementUncertainty`, in `unit`; absent when the scene states none. */
  uncertainty: z.object({ plusMinus: z.number().nonnegative(), basis: z.string() }).optional(),
  operator: z.string().optional(),
  note: z.string().optional(),
});

export const MeasurementsLayerSchema = z.object({
  type: z.literal('measurements'),
  id,
  name: z.string(),
  measurements: z.array(MeasurementSchema),
});

export const AnnotationSchema = z.object({
  id,
  position: vec3,
  text: z.string(),
  author: z.string().optional(),
  /** ISO time given by the caller. */
  createdAt: z.string().optional(),
});

export const AnnotationsLayerSchema = z.object({
  type: z.literal('annotations'),
  id,
  name: z.string(),
  annotations: z.array(AnnotationSchema),
});

export const SceneLayerSchema = z.discriminatedUnion('type', [
  PointCloudLayerSchema,
  MeshLayerSchema,
  ViewpointsLayerSchema,
  ScanPhotosLayerSchema,
  MarkersLayerSchema,
  MeasurementsLayerSchema,
  AnnotationsLayerSchema,
]);

/** A change to `transform` (scale from a known distance, level to a floor plane), kept for the report. */
export const SceneAdjustmentSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('scale'),
    /** Two picked points, source frame. */
    a: vec3,
    b: vec3,
    /** Distance between them in the displayed frame before this step. */
    measured: z.number().positive(),
    /** Distance the officer knows (tape measure, scale bar). */
    known: z.number().positive(),
    factor: z.number().positive(),
    provenanceId: z.string().optional(),
  }),
  z.object({
    kind: z.literal('level'),
    /** How the plane was found: fitted to points near a picked height, or from picked points. */
    method: z.enum(['fitted', 'picked']),
    /** Plane in the source frame: normal · p + d = 0, unit normal. */
    plane: z.object({ normal: vec3, d: z.number() }),
    /** Points the plane was fitted to and the RMS residual, for the report. */
    inliers: z.number().int().nonnegative().optional(),
    rms: z.number().nonnegative().optional(),
    provenanceId: z.string().optional(),
  }),
]);

/**
 * The uncertainty a scene states for any length measured in it: ±(absoluteMetres + relative × length).
 * Written by whoever knows it (the reconstruction's check distances, the scanner's specification);
 * `basis` says where the figures come from, in words a report can quote.
 */
export const MeasurementUncertaintySchema = z.object({
  relative: z.number().nonnegative(),
  absoluteMetres: z.number().nonnegative(),
  basis: z.string().min(1),
});

export const SceneManifestSchema = z
  .object({
    schema: z.literal(SCENE_MANIFEST_SCHEMA),
    version: z.literal(SCENE_MANIFEST_VERSION),
    id,
    name: z.string(),
    /** ISO time of the build, given by the caller (operations never read the clock). */
    createdAt: z.string(),
    units: z.enum(SCENE_UNITS),
    origin: z.object({
      /** Subtract from source coordinates before going to float32. Double precision. */
      offset: vec3,
    }),
    crs: z
      .object({ epsg: z.number().int().optional(), wkt: z.string().optional(), name: z.string().optional() })
      .optional(),
    /** Column-major 4×4, applied after subtracting the origin. Identity until scaled or levelled. */
    transform: matrix4,
    adjustments: z.array(SceneAdjustmentSchema).default([]),
    inputs: z.array(SceneInputSchema),
    layers: z.array(SceneLayerSchema),
    /** Provenance record of the build (`scene.build`), or null for a scene made outside a case. */
    provenanceId: z.string().nullable(),
    /** Stated uncertainty of measurements in this scene; every measurement result then carries its ±. */
    measurementUncertainty: MeasurementUncertaintySchema.optional(),
  })
  .refine((m) => !m.measurementUncertainty || m.units !== 'unknown' || m.measurementUncertainty.absoluteMetres === 0, {
    message: 'a measurement uncertainty in metres needs a scene whose units are known (scale it first)',
    path: ['measurementUncertainty'],
  });

export type Bounds = z.infer<typeof BoundsSchema>;
export type BlobRef = z.infer<typeof BlobRefSchema>;
export type SceneInput = z.infer<typeof SceneInputSchema>;
export type PointAttributeName = z.infer<typeof PointAttributeNameSchema>;
export type PointCloudLayer = z.infer<typeof PointCloudLayerSchema>;
export type MeshLayer = z.infer<typeof MeshLayerSchema>;
export type CameraIntrinsics = z.infer<typeof CameraIntrinsicsSchema>;
export type PhotoViewpoint = z.infer<typeof PhotoViewpointSchema>;
export type ViewpointsLayer = z.infer<typeof ViewpointsLayerSchema>;
export type ScanPhotoRecord = z.infer<typeof ScanPhotoSchema>;
export type ScanPhotosLayer = z.infer<typeof ScanPhotosLayerSchema>;
export type EvidenceMarker = z.infer<typeof EvidenceMarkerSchema>;
export type MarkersLayer = z.infer<typeof MarkersLayerSchema>;
export type Measurement = z.infer<typeof MeasurementSchema>;
export type MeasurementsLayer = z.infer<typeof MeasurementsLayerSchema>;
export type Annotation = z.infer<typeof AnnotationSchema>;
export type AnnotationsLayer = z.infer<typeof AnnotationsLayerSchema>;
export type SceneLayer = z.infer<typeof SceneLayerSchema>;
export type SceneAdjustment = z.infer<typeof SceneAdjustmentSchema>;
export type SceneManifest = z.infer<typeof SceneManifestSchema>;
export type MeasurementUncertaintyStatement = z.infer<typeof MeasurementUncertaintySchema>;

export const IDENTITY_TRANSFORM: readonly number[] = Object.freeze([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
