/**
 * `scene.build`: inputs (scans, models, a COLMAP folder) → one Potree point-cloud layer, mesh layers,
 * photo viewpoints → blobs + manifest record + provenance, in one step that either completes or leaves
 * the case untouched: everything is read and built in a temp folder first; blobs, the provenance record
 * and the manifest record are written only after the whole build succeeded.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { VestigeError, type CaseStore, type Digests } from '@vestige/evidence';
import { buildOctree, type OctreeBuildResult } from '../build/octree-builder.ts';
import type { LasSource } from '../build/record-passes.mjs';
import { detectSceneFormat, sceneFormatById } from '../formats/registry.ts';
import { locateColmap } from '../formats/colmap.ts';
import { lasGrid, lasRecordSource } from '../formats/las.ts';
import { lazRecordSource } from '../formats/laz.ts';
import { lasIntegerGrid } from '../build/frame.ts';
import type { ScanPhoto } from '../photos.ts';
import type { SamplerId } from '../potree/kernel.mjs';
import type { SceneFormat, SceneHeader } from '../formats/format.ts';
import {
  IDENTITY_TRANSFORM,
  SCENE_MANIFEST_SCHEMA,
  SCENE_MANIFEST_VERSION,
  type Bounds,
  type SceneInput,
  type SceneLayer,
  type SceneManifest,
  type PhotoViewpoint,
  type ScanPhotoRecord,
} from '../manifest/schema.ts';
import { parseSceneManifest } from '../manifest/parse.ts';
import type { MeshChunk, PointChunk, ViewpointChunk } from '../points.ts';
import { meshToGlb } from '../ops/mesh-glb.ts';
import { SCENE_LIBRARIES, SCENE_OPERATION_VERSION } from './versions.ts';

export interface BuildSceneOptions {
  /** Files or folders (COLMAP) to read. */
  inputs: string[];
  operator: string;
  /** Build time, recorded in the manifest and provenance (operations never read the clock). */
  now: Date;
  name?: string;
  /** Scene id; default derived from the inputs' hashes and the recipe, so a rebuild replaces the same scene. */
  id?: string;
  /** Force a reader instead of sniffing: a `SceneFormat.id`. */
  format?: string;
  units?: SceneManifest['units'];
  scale?: number;
  maxLeafPoints?: number;
  maxChunkPoints?: number;
  /** How octree nodes choose their points: `grid` (default) or `poisson` (PotreeConverter's default). */
  sampling?: SamplerId;
  workers?: number;
  /** Folder for temp files (default: the system temp folder). */
  tempDir?: string;
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
  /**
   * The case photo behind each viewpoint, by COLMAP image name, when the caller knows it (a reconstruction does); else
   * found by file name.
   */
  viewpointImages?: ReadonlyMap<string, { sha256: string; itemId: string }>;
}

export interface BuildSceneResult {
  manifest: SceneManifest;
  provenanceId: string;
  octree: OctreeBuildResult | undefined;
}

interface ResolvedInput {
  path: string;
  format: SceneFormat;
  header: SceneHeader;
  /** Files to hash (one, or three for COLMAP). */
  files: { path: string; name: string }[];
  points: number;
}

function unionBounds(a: Bounds | undefined, b: Bounds | undefined): Bounds | undefined {
  if (!a) return b;
  if (!b) return a;
  return {
    min: [Math.min(a.min[0], b.min[0]), Math.min(a.min[1], b.min[1]), Math.min(a.min[2], b.min[2])],
    max: [Math.max(a.max[0], b.max[0]), Math.max(a.max[1], b.max[1]), Math.max(a.max[2], b.max[2])],
  };
}

function meshBounds(mesh: MeshChunk): Bounds {
  const min = [Infinity, Infinity, Infinity];
  const max = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < mesh.positions.length; i += 3) {
    for (let k = 0; k < 3; k++) {
      const v = mesh.positions[i + k]!;
      if (v < min[k]!) min[k] = v;
      if (v > max[k]!) max[k] = v;
    }
  }
  if (mesh.positions.length === 0) return { min: [0, 0, 0], max: [0, 0, 0] };
  return { min: [min[0]!, min[1]!, min[2]!], max: [max[0]!, max[1]!, max[2]!] };
}

export const OCTREE_SAMPLING_DESCRIPTIONS: Record<SamplerId, string> = {
  grid: "Points were arranged in a Potree 2.0 level-of-detail octree. Each node lays a 128×128×128 grid over its cube and keeps, for every occupied grid cell, the one recorded point nearest the cell centre; the remaining points pass to the child nodes. Every recorded point is kept exactly once, unchanged apart from rounding its coordinates to the stated step (LAS and LAZ points keep their file's own integers); no point is invented, moved or averaged.",
  poisson:
    "Points were arranged in a Potree 2.0 level-of-detail octree by Poisson-disk sampling (PotreeConverter's default): each node takes its points in order of distance from its centre and keeps a point only when no point it already kept lies closer than the node's spacing (its cube edge divided by 128); the remaining points pass to the child nodes. Every recorded point is kept exactly once, unchanged apart from rounding its coordinates to the stated step (LAS and LAZ points keep their file's own integers); no point is invented, moved or averaged.",
};
export const OCTREE_SAMPLING_DESCRIPTION = OCTREE_SAMPLING_DESCRIPTIONS.grid;

/** Reads each input's header (sniffing its format unless one is forced) and lists the files to keep. */
async function resolveInputs(options: BuildSceneOptions): Promise<ResolvedInput[]> {
  const resolved: ResolvedInput[] = [];
  for (const path of options.inputs) {
    const format = options.format ? sceneFormatById(options.format) : await detectSceneFormat(path);
    const header = await format.header(path);
    const files = format.directory
      ? (() => {
          const c = locateColmap(path);
          return [c.cameras, c.images, c.points3D].map((p) => ({ path: p, name: `${basename(path)}/${basename(p)}` }));
        })()
      : [{ path, name: basename(path) }];
    resolved.push({ path, format, header, files, points: 0 });
  }
  return resolved;
}

/** What the import gave besides points: meshes (as glb, with their offset), camera viewpoints and scanner photos. */
interface Imported {
  octree: OctreeBuildResult;
  glbs: { glb: Uint8Array; offset: [number, number, number]; mesh: MeshChunk; input: number }[];
  viewpoints: { viewpoint: ViewpointChunk; input: number }[];
  /** Photos inside the scan files (E57 images2D), their bytes still in the files until the blobs are stored. */
  photos: { photo: ScanPhoto; input: number }[];
  meshCount: number;
}

/**
 * LAS and LAZ only: worker threads read the files where they lie (LAZ chunks decoded on the workers), in
 * the files' own integers. Undefined when some LAZ file's chunks need this thread's reader; the points
 * then stream through the importers onto the same integer grid, so the bytes are the same either way.
 */
async function recordSources(
  resolved: ResolvedInput[],
): Promise<{ sources?: LasSource[]; grid?: { scale: number; offset: [number, number, number] } }> {
  if (!resolved.every((r) => r.format.id === 'las' || r.format.id === 'laz')) return {};
  const grid = lasIntegerGrid(await Promise.all(resolved.map((r) => lasGrid(r.path))));
  const sources = await Promise.all(
    resolved.map((r) => (r.format.id === 'las' ? lasRecordSource(r.path) : lazRecordSource(r.path))),
  );
  if (!sources.every((s) => s !== undefined)) return grid ? { grid: { scale: grid.scale, offset: grid.offset } } : {};
  resolved.forEach((r, i) => (r.points = sources[i]!.count));
  return { sources: sources as LasSource[], ...(grid ? { grid: { scale: grid.scale, offset: grid.offset } } : {}) };
}

/** The photos each input carries (E57 images2D), in file order; their bytes are read when stored. */
async function scanPhotos(resolved: ResolvedInput[]): Promise<Imported['photos']> {
  const photos: Imported['photos'] = [];
  for (let input = 0; input < resolved.length; input++) {
    const r = resolved[input]!;
    if (!r.format.photos) continue;
    for await (const photo of r.format.photos(r.path))
      if (photo.projection.kind !== 'reference') photos.push({ photo, input });
  }
  return photos;
}

/** Reads every input and builds the octree in `workDir`; nothing touches the case yet. */
async function importInputs(resolved: ResolvedInput[], workDir: string, options: BuildSceneOptions): Promise<Imported> {
  const progress = options.onProgress ?? (() => undefined);
  const meshes: { mesh: MeshChunk; input: number }[] = [];
  const viewpoints: { viewpoint: ViewpointChunk; input: number }[] = [];
  async function* allPoints(): AsyncGenerator<PointChunk> {
    for (let i = 0; i < resolved.length; i++) {
      const r = resolved[i]!;
      progress(`reading ${r.path} (${r.format.title})`);
      for await (const chunk of r.format.read(r.path, options.signal ? { signal: options.signal } : {})) {
        if (chunk.kind === 'points') {
          r.points += chunk.count;
          yield chunk;
        } else if (chunk.kind === 'mesh') meshes.push({ mesh: chunk, input: i });
        else viewpoints.push({ viewpoint: chunk, input: i });
      }
    }
  }
  const statedBounds = resolved.every((r) => r.header.bounds && (r.header.points ?? 0) > 0)
    ? resolved.reduce<Bounds | undefined>((b, r) => unionBounds(b, r.header.bounds), undefined)
    : undefined;
  const crs = resolved.find((r) => r.header.crs)?.header.crs;
  const records = await recordSources(resolved);
  const octree = await buildOctree(allPoints(), {
    ...(records.sources ? { lasSources: records.sources } : {}),
    ...(records.grid ? { integerGrid: records.grid } : {}),
    ...(options.sampling ? { sampling: options.sampling } : {}),
    workDir,
    name: options.name ?? basename(options.inputs[0]!),
    ...(options.scale === undefined ? {} : { scale: options.scale }),
    ...(options.maxLeafPoints === undefined ? {} : { maxLeafPoints: options.maxLeafPoints }),
    ...(options.maxChunkPoints === undefined ? {} : { maxChunkPoints: options.maxChunkPoints }),
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    ...(statedBounds ? { statedBounds } : {}),
    ...(crs?.wkt ? { projection: crs.wkt } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    onProgress: (p) => {
      if (p.phase === 'index') progress(`octree: chunk ${p.done}/${p.total}`);
    },
  });
  const glbs: Imported['glbs'] = [];
  for (const { mesh, input } of meshes) {
    const b = meshBounds(mesh);
    const offset: [number, number, number] = mesh.glb
      ? [0, 0, 0]
      : [Math.floor(b.min[0]), Math.floor(b.min[1]), Math.floor(b.min[2])];
    glbs.push({ glb: mesh.glb ?? (await meshToGlb(mesh, offset)), offset, mesh, input });
  }
  return { octree, glbs, viewpoints, photos: await scanPhotos(resolved), meshCount: meshes.length };
}

/** The blobs of a build, stored: the inputs (listed in `inputs`), the three octree files, the glbs. */
interface StoredBuild {
  inputEntries: SceneInput[];
  /** Indices into `inputEntries` of each resolved input's files. */
  inputIndexOf: number[][];
  octree: { metadata: Digests; hierarchy: Digests; octree: Digests; tileHashes: Digests } | undefined;
  glbs: Digests[];
  /** Each photo's image and mask blobs, in `imported.photos` order. */
  photos: { image: Digests; mask?: Digests }[];
}

async function storeBlobs(store: CaseStore, resolved: ResolvedInput[], imported: Imported): Promise<StoredBuild> {
  const inputEntries: SceneInput[] = [];
  const inputIndexOf: number[][] = [];
  for (const r of resolved) {
    const indices: number[] = [];
    for (const f of r.files) {
      const digests = await store.blobs.putFile(f.path);
      const item = store.itemsBySha256(digests.sha256)[0];
      indices.push(inputEntries.length);
      inputEntries.push({
        name: f.name,
        sha256: digests.sha256,
        size: digests.size,
        format: r.format.id,
        ...(item ? { itemId: item.id } : {}),
        ...(f.path === r.files.at(-1)!.path && (r.points > 0 || r.header.points !== undefined)
          ? { points: r.points }
          : {}),
      });
    }
    inputIndexOf.push(indices);
  }
  const { octree } = imported;
  const pointInputs = resolved.filter((r) => r.header.points !== undefined || r.format.id === 'colmap');
  const hasPoints = octree.points > 0 || pointInputs.length > 0;
  const put = (path: string): Promise<Digests> => store.blobs.putFile(path);
  const octreeDigests = hasPoints
    ? {
        metadata: await put(octree.metadataPath),
        hierarchy: await put(octree.hierarchyPath),
        octree: await put(octree.octreePath),
        tileHashes: await put(octree.tileHashesPath),
      }
    : undefined;
  const glbs: Digests[] = [];
  for (const g of imported.glbs) glbs.push(await store.blobs.putBuffer(g.glb));
  const photos: StoredBuild['photos'] = [];
  for (const { photo } of imported.photos) {
    const image = await store.blobs.putStream(Readable.from(photo.image.bytes()));
    if (image.size !== photo.image.byteLength)
      throw new Error(`photo ${photo.name}: stored ${image.size} bytes of ${photo.image.byteLength}`);
    photos.push({
      image,
      ...(photo.mask ? { mask: await store.blobs.putStream(Readable.from(photo.mask.bytes())) } : {}),
    });
  }
  return { inputEntries, inputIndexOf, octree: octreeDigests, glbs, photos };
}

const blobRef = (d: Digests) => ({ sha256: d.sha256, size: d.size });

/**
 * The photo viewpoints of each input as one layer per input, photos linked to case items (as the caller names them,
 * else by file name).
 */
function viewpointLayers(
  store: CaseStore,
  resolved: ResolvedInput[],
  imported: Imported,
  stored: StoredBuild,
  options: Pick<BuildSceneOptions, 'viewpointImages'>,
): SceneLayer[] {
  const byInput = new Map<number, PhotoViewpoint[]>();
  for (const { viewpoint: v, input } of imported.viewpoints) {
    const known = v.imageName ? options.viewpointImages?.get(v.imageName) : undefined;
    const image = known
      ? { sha256: known.sha256, id: known.itemId }
      : v.imageName
        ? store.items({ mediaTypePrefix: 'image/' }).find((it) => it.name === basename(v.imageName!))
        : undefined;
    const list = byInput.get(input) ?? [];
    list.push({
      id: v.id,
      name: v.name,
      pose: { position: v.position, quaternion: v.quaternion },
      intrinsics: v.intrinsics,
      ...(v.imageName
        ? { image: { name: v.imageName, ...(image ? { sha256: image.sha256, itemId: image.id } : {}) } }
        : {}),
    });
    byInput.set(input, list);
  }
  return [...byInput].map(([input, list]) => ({
    type: 'viewpoints',
    id: `viewpoints-${input + 1}`,
    name: `Cameras — ${basename(resolved[input]!.path)}`,
    viewpoints: list,
    inputs: stored.inputIndexOf[input]!,
  }));
}

/** Scanner photos as one layer per input: pose and projection as the file states them, pixels by blob. */
function photoLayers(resolved: ResolvedInput[], imported: Imported, stored: StoredBuild): SceneLayer[] {
  const byInput = new Map<number, ScanPhotoRecord[]>();
  imported.photos.forEach(({ photo, input }, i) => {
    const blobs = stored.photos[i]!;
    const list = byInput.get(input) ?? [];
    list.push({
      id: photo.id,
      name: photo.name,
      index: photo.index,
      pose: photo.pose ?? { rotation: [1, 0, 0, 0], translation: [0, 0, 0] },
      projection: photo.projection,
      image: { ...blobRef(blobs.image), mediaType: photo.image.mediaType },
      ...(blobs.mask && photo.mask ? { mask: { ...blobRef(blobs.mask), mediaType: photo.mask.mediaType } } : {}),
      ...(photo.scanGuid ? { scanGuid: photo.scanGuid } : {}),
    });
    byInput.set(input, list);
  });
  return [...byInput].map(([input, photos]) => ({
    type: 'photos',
    id: `photos-${input + 1}`,
    name: `Scanner photos — ${basename(resolved[input]!.path)}`,
    photos,
    inputs: stored.inputIndexOf[input]!,
  }));
}

function sceneLayers(
  store: CaseStore,
  resolved: ResolvedInput[],
  imported: Imported,
  stored: StoredBuild,
  name: string,
  options: Pick<BuildSceneOptions, 'viewpointImages'>,
): SceneLayer[] {
  const layers: SceneLayer[] = [];
  const { octree } = imported;
  if (stored.octree) {
    const pointInputIdx = resolved.flatMap((r, i) =>
      r.points > 0 || (r.header.points !== undefined && !r.header.meshes) ? stored.inputIndexOf[i]! : [],
    );
    layers.push({
      type: 'pointcloud',
      id: 'points',
      name,
      format: 'potree-2.0',
      files: {
        metadata: blobRef(stored.octree.metadata),
        hierarchy: blobRef(stored.octree.hierarchy),
        octree: blobRef(stored.octree.octree),
      },
      points: octree.points,
      bounds: octree.bounds,
      attributes: octree.attributes,
      spacing: octree.spacing,
      scale: octree.scale,
      inputs: pointInputIdx,
      sampling: OCTREE_SAMPLING_DESCRIPTIONS[octree.sampling],
      sampler: octree.sampling,
      tileHashes: {
        ...blobRef(stored.octree.tileHashes),
        root: octree.tileHashRoot,
        firstChunkSize: octree.metadata.hierarchy.firstChunkSize,
      },
    });
  }
  imported.glbs.forEach((g, i) => {
    const mesh = g.mesh;
    layers.push({
      type: 'mesh',
      id: `mesh-${i + 1}`,
      name: mesh.name,
      format: 'glb',
      file: blobRef(stored.glbs[i]!),
      offset: g.offset,
      bounds: meshBounds(mesh),
      vertices: mesh.positions.length / 3,
      triangles: mesh.indices.length / 3,
      inputs: stored.inputIndexOf[g.input]!,
    });
  });
  return [
    ...layers,
    ...viewpointLayers(store, resolved, imported, stored, options),
    ...photoLayers(resolved, imported, stored),
  ];
}

/** The recipe of the octree step: what, beside the inputs, decides the output bytes. */
function octreeRecipe(octree: OctreeBuildResult, resolved: ResolvedInput[], options: BuildSceneOptions) {
  return {
    scale: octree.scale,
    maxLeafPoints: options.maxLeafPoints ?? 20_000,
    maxChunkPoints: options.maxChunkPoints ?? 'auto',
    sampling: octree.sampling === 'grid' ? 'grid-128-nearest-centre' : 'poisson-disk-128-nearest-centre-first',
    formats: resolved.map((r) => r.format.id),
  };
}

/** The provenance record of the build: the inputs, the import and octree steps, every output blob. */
function recordBuild(
  store: CaseStore,
  id: string,
  resolved: ResolvedInput[],
  imported: Imported,
  stored: StoredBuild,
  options: BuildSceneOptions,
): string {
  const { octree } = imported;
  const outputs = [
    ...(stored.octree
      ? [
          { digests: stored.octree.metadata, name: `${id}/metadata.json`, mediaType: 'application/json' },
          { digests: stored.octree.hierarchy, name: `${id}/hierarchy.bin`, mediaType: 'application/octet-stream' },
          { digests: stored.octree.octree, name: `${id}/octree.bin`, mediaType: 'application/octet-stream' },
          { digests: stored.octree.tileHashes, name: `${id}/tile-hashes.bin`, mediaType: 'application/octet-stream' },
        ]
      : []),
    ...imported.glbs.map((g, i) => ({
      digests: stored.glbs[i]!,
      name: `${id}/${g.mesh.name.replace(/\.[^.]+$/, '')}.glb`,
      mediaType: 'model/gltf-binary',
    })),
    ...imported.photos.flatMap(({ photo }, i) => [
      {
        digests: stored.photos[i]!.image,
        name: `${id}/photos/${photo.index}-${photo.name}`,
        mediaType: photo.image.mediaType,
      },
      ...(stored.photos[i]!.mask
        ? [
            {
              digests: stored.photos[i]!.mask!,
              name: `${id}/photos/${photo.index}-${photo.name}-mask`,
              mediaType: 'image/png',
            },
          ]
        : []),
    ]),
  ];
  const { provenance } = store.recordDerivation({
    activity: 'scene.build',
    inputs: stored.inputEntries.map((e) => ({
      sha256: e.sha256,
      ...(e.itemId ? { itemId: e.itemId } : {}),
      role: `source:${e.format}`,
    })),
    steps: [
      {
        operation: 'scene.import',
        version: SCENE_OPERATION_VERSION,
        parameters: {
          inputs: resolved.map((r, i) => ({
            name: basename(r.path),
            format: r.format.id,
            points: r.points,
            statedPoints: r.header.points ?? null,
            input: stored.inputIndexOf[i],
          })),
        },
        description: `Read ${resolved.length} input file(s) (${[...new Set(resolved.map((r) => r.format.title))].join(', ')}) with Vestige's own readers; ${octree.points} points, ${imported.meshCount} mesh(es) and ${imported.viewpoints.length} camera viewpoint(s) were read.`,
      },
      ...(imported.photos.length > 0
        ? [
            {
              operation: 'scene.photos',
              version: SCENE_OPERATION_VERSION,
              parameters: {
                photos: imported.photos.map(({ photo, input }, i) => ({
                  input: stored.inputIndexOf[input]![0]!,
                  index: photo.index,
                  id: photo.id,
                  name: photo.name,
                  projection: photo.projection.kind,
                  sha256: stored.photos[i]!.image.sha256,
                  ...(stored.photos[i]!.mask ? { maskSha256: stored.photos[i]!.mask!.sha256 } : {}),
                })),
              },
              description: `Copied ${imported.photos.length} scanner photo(s) out of the scan file(s) byte for byte (each stored under its SHA-256), with the pose and projection the file states for each, unconverted.`,
              reference: 'ASTM E2807 (E57) §8.4 images2D.',
            },
          ]
        : []),
      {
        operation: 'scene.octree',
        version: SCENE_OPERATION_VERSION,
        parameters: octreeRecipe(octree, resolved, options),
        description: `${OCTREE_SAMPLING_DESCRIPTIONS[octree.sampling]} Coordinate step: ${octree.scale} ${options.units ?? 'm'}. Each node's records were hashed (SHA-256) as they were written; tile-hashes.bin holds those hashes in the order of hierarchy.bin, and its root hash is in the scene manifest.`,
        reference: `Potree 2.0 file format (M. Schütz, PotreeConverter 2.x); LOD by ${octree.sampling === 'grid' ? 'grid subsampling' : 'Poisson-disk subsampling'}.`,
      },
    ],
    outputs,
    libraries: SCENE_LIBRARIES,
    operator: options.operator,
    startedAt: options.now,
    finishedAt: options.now,
  });
  return provenance.id;
}

/**
 * `scene.build`: resolve the inputs, import them and build the octree in a temp folder, then store the
 * blobs, the provenance record and the manifest record, in that order, only after the build succeeded.
 */
export async function buildScene(store: CaseStore, options: BuildSceneOptions): Promise<BuildSceneResult> {
  if (options.inputs.length === 0)
    throw new VestigeError('E_USAGE', 'No inputs to build a scene from.', {
      hint: 'Give one or more scan files or a COLMAP folder.',
    });
  const resolved = await resolveInputs(options);
  const workDir = await mkdtemp(join(options.tempDir ?? tmpdir(), 'vestige-scene-'));
  try {
    const imported = await importInputs(resolved, workDir, options);
    options.onProgress?.('storing blobs');
    const stored = await storeBlobs(store, resolved, imported);
    const recipe = octreeRecipe(imported.octree, resolved, options);
    const id =
      options.id ??
      `scene-${createHash('sha256')
        .update(
          JSON.stringify({ inputs: stored.inputEntries.map((i) => i.sha256), recipe, name: options.name ?? null }),
        )
        .digest('hex')
        .slice(0, 12)}`;
    const name = options.name ?? basename(options.inputs[0]!);
    const layers = sceneLayers(store, resolved, imported, stored, name, options);
    let all: Bounds | undefined = imported.octree.points > 0 ? imported.octree.bounds : undefined;
    for (const g of imported.glbs) all = unionBounds(all, meshBounds(g.mesh));
    const origin: [number, number, number] = all
      ? [Math.floor(all.min[0]), Math.floor(all.min[1]), Math.floor(all.min[2])]
      : [0, 0, 0];
    const provenanceId = recordBuild(store, id, resolved, imported, stored, options);
    const crs = resolved.find((r) => r.header.crs)?.header.crs;
    const manifest = parseSceneManifest({
      schema: SCENE_MANIFEST_SCHEMA,
      version: SCENE_MANIFEST_VERSION,
      id,
      name,
      createdAt: options.now.toISOString(),
      units: options.units ?? 'm',
      origin: { offset: origin },
      ...(crs ? { crs } : {}),
      transform: [...IDENTITY_TRANSFORM],
      adjustments: [],
      inputs: stored.inputEntries,
      layers,
      provenanceId,
    } satisfies SceneManifest);
    store.putRecord('scenes', id, manifest, options.operator, 'scene.built');
    return { manifest, provenanceId, octree: imported.octree };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** Reads a scene manifest from the case (validated). */
export function loadScene(store: CaseStore, id: string): SceneManifest {
  const value = store.getRecord('scenes', id);
  if (value === undefined) {
    const known = store.listRecords('scenes').map((r) => r.id);
    throw new VestigeError('E_ITEM_NOT_FOUND', `No scene '${id}' in this case.`, {
      hint: known.length ? `Scenes in the case: ${known.join(', ')}.` : 'Build one with `vestige scene build`.',
    });
  }
  return parseSceneManifest(value);
}

export async function inputSize(path: string): Promise<number> {
  return (await stat(path)).size;
}
