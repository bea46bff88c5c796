/**
 * `scene.build`: inputs (scans, models, a COLMAP folder) → one Potree point-cloud layer, mesh layers,
 * photo viewpoints → blobs + manifest record + provenance, in one step that either completes or leaves
 * the case untouched: everything is read and built in a temp folder first; blobs, the provenance record
 * and the manifest record are written only after the whole build succeeded.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { VestigeError, type CaseStore, type Digests } from '@vestige/evidence';
import { buildOctree, insideStated, type OctreeBuildResult } from '../build/octree-builder.ts';
import { detectSceneFormat, sceneFormatById } from '../formats/registry.ts';
import { locateColmap } from '../formats/colmap.ts';
import { lasRecordSource } from '../formats/las.ts';
import type { SceneFormat, SceneHeader } from '../formats/format.ts';
import { IDENTITY_TRANSFORM, SCENE_MANIFEST_SCHEMA, SCENE_MANIFEST_VERSION, type Bounds, type SceneInput, type SceneLayer, type SceneManifest, type PhotoViewpoint } from '../manifest/schema.ts';
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
  workers?: number;
  /** Folder for temp files (default: the system temp folder). */
  tempDir?: string;
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
  /** The case photo behind each viewpoint, by COLMAP image name, when the caller knows it (a reconstruction does); else found by file name. */
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

export const OCTREE_SAMPLING_DESCRIPTION =
  'Points were arranged in a Potree 2.0 level-of-detail octree. Each node lays a 128×128×128 grid over its cube and keeps, for every occupied grid cell, the one recorded point nearest the cell centre; the remaining points pass to the child nodes. Every recorded point is kept exactly once, unchanged apart from rounding its coordinates to the stated step; no point is invented, moved or averaged.';

export async function buildScene(store: CaseStore, options: BuildSceneOptions): Promise<BuildSceneResult> {
  if (options.inputs.length === 0) throw new VestigeError('E_USAGE', 'No inputs to build a scene from.', { hint: 'Give one or more scan files or a COLMAP folder.' });
  const progress = options.onProgress ?? (() => undefined);
  // ---- resolve inputs ---------------------------------------------------------------------------
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
  const statedBounds = resolved.every((r) => r.header.bounds && (r.header.points ?? 0) > 0)
    ? resolved.reduce<Bounds | undefined>((b, r) => unionBounds(b, r.header.bounds), undefined)
    : undefined;
  const crs = resolved.find((r) => r.header.crs)?.header.crs;

  const workDir = await mkdtemp(join(options.tempDir ?? tmpdir(), 'vestige-scene-'));
  const meshes: { mesh: MeshChunk; input: number }[] = [];
  const viewpoints: { viewpoint: ViewpointChunk; input: number }[] = [];
  const startedAt = options.now;
  try {
    // ---- import + octree (nothing touches the case yet) -------------------------------------------
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
    // Uncompressed LAS only: worker threads read slices of the files in parallel (same bytes out).
    let lasSources = statedBounds && resolved.every((r) => r.format.id === 'las') ? await Promise.all(resolved.map((r) => lasRecordSource(r.path))) : undefined;
    // Only when each file's first point agrees with the header bounds (some writers leave them zero).
    if (lasSources) {
      for (const r of resolved) {
        const first = await firstPoint(r.format, r.path);
        if (first && !insideStated(statedBounds!, first)) lasSources = undefined;
      }
    }
    if (lasSources) resolved.forEach((r, i) => (r.points = lasSources[i]!.count));
    const pointInputs = resolved.filter((r) => r.header.points !== undefined || r.format.id === 'colmap');
    const octree = await buildOctree(lasSources ? (async function* () {})() : allPoints(), {
      ...(lasSources ? { lasSources } : {}),
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
    const glbs: { glb: Uint8Array; offset: [number, number, number]; mesh: MeshChunk; input: number }[] = [];
    for (const { mesh, input } of meshes) {
      const b = meshBounds(mesh);
      const offset: [number, number, number] = mesh.glb ? [0, 0, 0] : [Math.floor(b.min[0]), Math.floor(b.min[1]), Math.floor(b.min[2])];
      glbs.push({ glb: mesh.glb ?? (await meshToGlb(mesh, offset)), offset, mesh, input });
    }

    // ---- store: blobs, then provenance, then the manifest record -------------------------------------
    progress('storing blobs');
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
          ...(f.path === r.files.at(-1)!.path && (r.points > 0 || r.header.points !== undefined) ? { points: r.points } : {}),
        });
      }
      inputIndexOf.push(indices);
    }
    const put = async (path: string): Promise<Digests> => store.blobs.putFile(path);
    const hasPoints = octree.points > 0 || pointInputs.length > 0;
    const octreeDigests = hasPoints
      ? { metadata: await put(octree.metadataPath), hierarchy: await put(octree.hierarchyPath), octree: await put(octree.octreePath) }
      : undefined;
    const glbDigests: Digests[] = [];
    for (const g of glbs) glbDigests.push(await store.blobs.putBuffer(g.glb));

    const recipe = {
      scale: octree.scale,
      maxLeafPoints: options.maxLeafPoints ?? 20_000,
      maxChunkPoints: options.maxChunkPoints ?? 'auto',
      sampling: 'grid-128-nearest-centre',
      formats: resolved.map((r) => r.format.id),
    };
    const id =
      options.id ??
      `scene-${createHash('sha256')
        .update(JSON.stringify({ inputs: inputEntries.map((i) => i.sha256), recipe, name: options.name ?? null }))
        .digest('hex')
        .slice(0, 12)}`;
    const layers: SceneLayer[] = [];
    const pointInputIdx = resolved.flatMap((r, i) => (r.points > 0 || (r.header.points !== undefined && !r.header.meshes) ? inputIndexOf[i]! : []));
    if (octreeDigests) {
      layers.push({
        type: 'pointcloud',
        id: 'points',
        name: options.name ?? basename(options.inputs[0]!),
        format: 'potree-2.0',
        files: {
          metadata: { sha256: octreeDigests.metadata.sha256, size: octreeDigests.metadata.size },
          hierarchy: { sha256: octreeDigests.hierarchy.sha256, size: octreeDigests.hierarchy.size },
          octree: { sha256: octreeDigests.octree.sha256, size: octreeDigests.octree.size },
        },
        points: octree.points,
        bounds: octree.bounds,
        attributes: octree.attributes,
        spacing: octree.spacing,
        scale: octree.scale,
        inputs: pointInputIdx,
        sampling: OCTREE_SAMPLING_DESCRIPTION,
      });
    }
    glbs.forEach((g, i) => {
      layers.push({
        type: 'mesh',
        id: `mesh-${i + 1}`,
        name: g.mesh.name,
        format: 'glb',
        file: { sha256: glbDigests[i]!.sha256, size: glbDigests[i]!.size },
        offset: g.offset,
        bounds: meshBounds(g.mesh),
        vertices: g.mesh.positions.length / 3,
        triangles: g.mesh.indices.length / 3,
        inputs: inputIndexOf[g.input]!,
      });
    });
    if (viewpoints.length > 0) {
      const byInput = new Map<number, PhotoViewpoint[]>();
      for (const { viewpoint: v, input } of viewpoints) {
        const known = v.imageName ? options.viewpointImages?.get(v.imageName) : undefined;
        const image = known ? { sha256: known.sha256, id: known.itemId } : v.imageName ? store.items({ mediaTypePrefix: 'image/' }).find((it) => it.name === basename(v.imageName!)) : undefined;
        const list = byInput.get(input) ?? [];
        list.push({
          id: v.id,
          name: v.name,
          pose: { position: v.position, quaternion: v.quaternion },
          intrinsics: v.intrinsics,
          ...(v.imageName ? { image: { name: v.imageName, ...(image ? { sha256: image.sha256, itemId: image.id } : {}) } } : {}),
        });
        byInput.set(input, list);
      }
      for (const [input, list] of byInput) {
        layers.push({ type: 'viewpoints', id: `viewpoints-${input + 1}`, name: `Cameras — ${basename(resolved[input]!.path)}`, viewpoints: list, inputs: inputIndexOf[input]! });
      }
    }
    let all: Bounds | undefined = octree.points > 0 ? octree.bounds : undefined;
    for (const g of glbs) all = unionBounds(all, meshBounds(g.mesh));
    const origin: [number, number, number] = all ? [Math.floor(all.min[0]), Math.floor(all.min[1]), Math.floor(all.min[2])] : [0, 0, 0];

    const finishedAt = options.now;
    const outputs = [
      ...(octreeDigests
        ? [
            { digests: octreeDigests.metadata, name: `${id}/metadata.json`, mediaType: 'application/json' },
            { digests: octreeDigests.hierarchy, name: `${id}/hierarchy.bin`, mediaType: 'application/octet-stream' },
            { digests: octreeDigests.octree, name: `${id}/octree.bin`, mediaType: 'application/octet-stream' },
          ]
        : []),
      ...glbs.map((g, i) => ({ digests: glbDigests[i]!, name: `${id}/${g.mesh.name.replace(/\.[^.]+$/, '')}.glb`, mediaType: 'model/gltf-binary' })),
    ];
    const { provenance } = store.recordDerivation({
      activity: 'scene.build',
      inputs: inputEntries.map((e) => ({ sha256: e.sha256, ...(e.itemId ? { itemId: e.itemId } : {}), role: `source:${e.format}` })),
      steps: [
        {
          operation: 'scene.import',
          version: SCENE_OPERATION_VERSION,
          parameters: { inputs: resolved.map((r, i) => ({ name: basename(r.path), format: r.format.id, points: r.points, statedPoints: r.header.points ?? null, input: inputIndexOf[i] })) },
          description: `Read ${resolved.length} input file(s) (${[...new Set(resolved.map((r) => r.format.title))].join(', ')}) with Vestige's own readers; ${octree.points} points, ${meshes.length} mesh(es) and ${viewpoints.length} camera viewpoint(s) were read.`,
        },
        {
          operation: 'scene.octree',
          version: SCENE_OPERATION_VERSION,
          parameters: recipe,
          description: `${OCTREE_SAMPLING_DESCRIPTION} Coordinate step: ${octree.scale} ${options.units ?? 'm'}.`,
          reference: 'Potree 2.0 file format (M. Schütz, PotreeConverter 2.x); LOD by grid subsampling.',
        },
      ],
      outputs,
      libraries: SCENE_LIBRARIES,
      operator: options.operator,
      startedAt,
      finishedAt,
    });
    const manifest = parseSceneManifest({
      schema: SCENE_MANIFEST_SCHEMA,
      version: SCENE_MANIFEST_VERSION,
      id,
      name: options.name ?? basename(options.inputs[0]!),
      createdAt: options.now.toISOString(),
      units: options.units ?? 'm',
      origin: { offset: origin },
      ...(crs ? { crs } : {}),
      transform: [...IDENTITY_TRANSFORM],
      adjustments: [],
      inputs: inputEntries,
      layers,
      provenanceId: provenance.id,
    } satisfies SceneManifest);
    store.putRecord('scenes', id, manifest, options.operator, 'scene.built');
    return { manifest, provenanceId: provenance.id, octree };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

async function firstPoint(format: SceneFormat, path: string): Promise<number[] | undefined> {
  for await (const chunk of format.read(path, { chunkPoints: 1 })) {
    if (chunk.kind === 'points' && chunk.count > 0) return [chunk.positions[0]!, chunk.positions[1]!, chunk.positions[2]!];
  }
  return undefined;
}

/** Reads a scene manifest from the case (validated). */
export function loadScene(store: CaseStore, id: string): SceneManifest {
  const value = store.getRecord('scenes', id);
  if (value === undefined) {
    const known = store.listRecords('scenes').map((r) => r.id);
    throw new VestigeError('E_ITEM_NOT_FOUND', `No scene '${id}' in this case.`, { hint: known.length ? `Scenes in the case: ${known.join(', ')}.` : 'Build one with `vestige scene build`.' });
  }
  return parseSceneManifest(value);
}

export async function inputSize(path: string): Promise<number> {
  return (await stat(path)).size;
}
