/**
 * A Potree 2.0 point-cloud layer, streamed by level of detail.
 *
 * Reads metadata.json whole (checked against the manifest's SHA-256), then hierarchy.bin chunk by chunk
 * and octree.bin node by node with HTTP range requests. Every piece is checked (tile-check.ts) against
 * the tile hashes the manifest names, or for older scenes against the index the server issues, before it
 * is decoded; a piece that does not match is refused and reported. Records and hierarchy chunks are read
 * by the scene core, the same code the server and the CLI use.
 *
 * Each frame, `update` walks the tree from the root in order of on-screen size, keeps nodes in the view
 * frustum until the point budget is spent, and refines a node only while its point spacing covers more
 * than `maxScreenError` pixels (screen-space error).
 */
import {
  Box3,
  BufferAttribute,
  BufferGeometry,
  Frustum,
  Group,
  Matrix4,
  Points,
  Sphere,
  Vector3,
  type Camera,
  type OrthographicCamera,
  type PerspectiveCamera,
} from 'three';
import {
  NodeType,
  decodePotreeRecords,
  isProxy,
  layoutFromMetadata,
  readHierarchyChunk,
  rgbBits,
  type PointCloudLayer,
  type PotreeMetadataJson,
  type RecordLayout,
} from '@vestige/scene/core';
import { IntegrityError, verified, type Api } from './api.ts';
import { pointMaterial, type SharedPointUniforms } from './point-material.ts';
import { tileCheckFor, type TileCheck } from './tile-check.ts';

export class PotreeNode {
  readonly children: (PotreeNode | undefined)[] = new Array(8).fill(undefined);
  type = 0;
  childMask = 0;
  numPoints = 0;
  byteOffset = 0;
  byteSize = 0;
  /** For proxies: where their hierarchy chunk is. */
  hierarchyOffset = 0;
  hierarchySize = 0;
  object: Points | undefined;
  /** Origin-relative positions of the loaded points (kept for picking and line of sight). */
  positions: Float32Array | undefined;
  loading = false;
  failed = false;
  lastUsed = 0;
  readonly sphere = new Sphere();
  constructor(
    readonly name: string,
    readonly level: number,
    readonly box: Box3,
    readonly spacing: number,
  ) {
    box.getBoundingSphere(this.sphere);
  }
}

export interface PotreeLayerEvents {
  onWarning(message: string): void;
  onNodeLoaded(): void;
}

const MAX_CONCURRENT = 4;
/** Render mode loads a level's missing nodes together (no frame is drawn meanwhile, so nothing competes with them). */
const RENDER_CONCURRENT = 8;

/** What `budgetCompleteness` finds: node names (the octree's r…), sorted. */
export interface BudgetCompleteness {
  selected: string[];
  /** Selected by the budget but not drawn. */
  missing: string[];
  /** Drawn but not selected. */
  extra: string[];
  selectedPoints: number;
}

export class PotreeLayer {
  readonly group = new Group();
  metadata!: PotreeMetadataJson;
  root!: PotreeNode;
  tiles!: TileCheck;
  hasRgb = false;
  hasIntensity = false;
  /** Nodes drawn in the last update. */
  visibleNodes: PotreeNode[] = [];
  visiblePoints = 0;
  loadedPoints = 0;
  private inFlight = 0;
  private readonly loads = new Set<Promise<void>>();
  private frame = 0;
  private readonly loadedNodes = new Set<PotreeNode>();
  private layout!: RecordLayout;
  private rgb16 = false;

  constructor(
    readonly ref: PointCloudLayer,
    private readonly api: Api,
    private readonly sceneId: string,
    /** Manifest origin: subtracted in double precision before anything becomes float32. */
    private readonly origin: readonly [number, number, number],
    private readonly uniforms: SharedPointUniforms,
    private readonly events: PotreeLayerEvents,
  ) {
    this.group.name = `pointcloud:${ref.id}`;
  }

  async open(): Promise<void> {
    const tilesPromise = tileCheckFor(this.api, this.ref, this.sceneId);
    // The first hierarchy chunk can be fetched as soon as the check says where it is, beside metadata.json.
    const firstChunk = tilesPromise.then((tiles) => tiles.chunk('r', { offset: 0, size: tiles.firstChunkSize }));
    firstChunk.catch(() => {});
    const [metaBytes, tiles] = await Promise.all([
      this.api.verifiedBlob(this.ref.files.metadata.sha256, `${this.ref.name}: metadata.json`),
      tilesPromise,
    ]);
    this.tiles = tiles;
    performance.mark('vestige:layer-index');
    this.metadata = JSON.parse(new TextDecoder().decode(metaBytes)) as PotreeMetadataJson;
    this.layout = layoutFromMetadata(this.metadata, `${this.ref.name}: metadata.json`);
    this.rgb16 = rgbBits(this.metadata) === 16;
    this.hasRgb = this.layout.rgbOffset >= 0;
    this.hasIntensity = this.layout.intensityOffset >= 0;
    const ia = this.metadata.attributes.find((a) => a.name === 'intensity');
    if (ia) this.uniforms.uIntensityRange.value.set(ia.min[0] ?? 0, ia.max[0] ?? 65535);
    const bb = this.metadata.boundingBox;
    const box = new Box3(
      new Vector3(bb.min[0] - this.origin[0], bb.min[1] - this.origin[1], bb.min[2] - this.origin[2]),
      new Vector3(bb.max[0] - this.origin[0], bb.max[1] - this.origin[1], bb.max[2] - this.origin[2]),
    );
    this.root = new PotreeNode('r', 0, box, this.metadata.spacing);
    this.root.type = NodeType.proxy;
    this.root.hierarchyOffset = 0;
    this.root.hierarchySize = this.metadata.hierarchy.firstChunkSize;
    if (tiles.firstChunkSize !== this.metadata.hierarchy.firstChunkSize)
      throw new Error(`${this.ref.name}: the tile hashes do not describe this hierarchy`);
    this.parseHierarchy(this.root, await firstChunk);
  }

  /** Bounds of the layer in the layer group's frame (origin-relative source frame). */
  get bounds(): Box3 {
    return this.root.box;
  }

  get pending(): number {
    return this.inFlight;
  }

  private async loadHierarchy(node: PotreeNode): Promise<void> {
    this.parseHierarchy(
      node,
      await this.tiles.chunk(node.name, { offset: node.hierarchyOffset, size: node.hierarchySize }),
    );
  }

  /** Fills in `node` and its descendants from its hierarchy chunk (read by the scene core). */
  private parseHierarchy(node: PotreeNode, bytes: ArrayBuffer): void {
    const byName = new Map<string, PotreeNode>([[node.name, node]]);
    readHierarchyChunk(new Uint8Array(bytes), node.name, `${this.ref.name}: hierarchy.bin`).forEach((record, i) => {
      const current = byName.get(record.name)!;
      current.childMask = record.childMask;
      current.numPoints = record.numPoints;
      current.type = record.type;
      if (isProxy(record, i)) {
        current.hierarchyOffset = record.byteOffset;
        current.hierarchySize = record.byteSize;
        return;
      }
      current.byteOffset = record.byteOffset;
      current.byteSize = record.byteSize;
      for (let c = 0; c < 8; c++) {
        if (!(record.childMask & (1 << c))) continue;
        const child = new PotreeNode(
          current.name + c,
          current.level + 1,
          childBox(current.box, c),
          current.spacing / 2,
        );
        current.children[c] = child;
        byName.set(child.name, child);
      }
    });
  }

  private loadNode(node: PotreeNode): Promise<void> {
    const done = this.fetchNode(node).finally(() => this.loads.delete(done));
    this.loads.add(done);
    return done;
  }

  private async fetchNode(node: PotreeNode): Promise<void> {
    node.loading = true;
    this.inFlight++;
    try {
      if (node.type === NodeType.proxy) await this.loadHierarchy(node);
      if (node.numPoints === 0 || node.byteSize === 0) {
        node.positions = new Float32Array(0);
        return;
      }
      const expected = this.tiles.expectedNode(node.name, { offset: node.byteOffset, size: node.byteSize });
      if (!expected)
        throw new IntegrityError(
          `${this.ref.name}: node ${node.name}`,
          'a listed node',
          'a node the tile hashes do not list',
        );
      const bytes = await verified(
        `${this.ref.name}: tile ${node.name}`,
        await this.api.blob(this.ref.files.octree.sha256, {
          start: node.byteOffset,
          end: node.byteOffset + node.byteSize,
        }),
        expected,
      );
      this.decode(node, bytes);
      this.events.onNodeLoaded();
    } catch (err) {
      node.failed = true;
      this.events.onWarning(
        err instanceof IntegrityError
          ? err.message
          : `${this.ref.name}: node ${node.name} could not be loaded: ${(err as Error).message}`,
      );
    } finally {
      node.loading = false;
      this.inFlight--;
    }
  }

  /** Decodes a node's records (scene core) relative to the scene origin, then to what the GPU takes. */
  private decode(node: PotreeNode, bytes: ArrayBuffer): void {
    const n = node.numPoints;
    const chunk = decodePotreeRecords(this.metadata, new Uint8Array(bytes), n, {
      origin: this.origin,
      layout: this.layout,
      what: `${this.ref.name}: node ${node.name}`,
    });
    // Origin-relative in double precision first (the core), so only a small remainder becomes float32.
    const positions = Float32Array.from(chunk.positions);
    const colors = new Uint8Array(n * 3);
    if (chunk.rgb) for (let i = 0; i < n * 3; i++) colors[i] = this.rgb16 ? chunk.rgb[i]! >> 8 : chunk.rgb[i]!;
    else colors.fill(235);
    const intensities = chunk.intensity ? Float32Array.from(chunk.intensity) : new Float32Array(n);
    const geometry = new BufferGeometry();
    geometry.setAttribute('position', new BufferAttribute(positions, 3));
    geometry.setAttribute('rgb', new BufferAttribute(colors, 3, true));
    geometry.setAttribute('intensity', new BufferAttribute(intensities, 1));
    geometry.boundingBox = node.box.clone();
    geometry.boundingSphere = node.sphere.clone();
    const points = new Points(geometry, pointMaterial(this.uniforms, node.spacing));
    points.name = `${this.ref.id}/${node.name}`;
    points.frustumCulled = false;
    points.matrixAutoUpdate = false;
    points.visible = false;
    node.object = points;
    node.positions = positions;
    this.group.add(points);
    this.loadedNodes.add(node);
    this.loadedPoints += n;
  }

  /**
   * Chooses the nodes to draw for this camera and starts loading the most important missing ones.
   * Returns true while something is still loading (so the caller keeps rendering).
   */
  update(camera: Camera, viewportHeight: number, pointBudget: number, maxScreenError: number): boolean {
    const wanted = this.select(camera, viewportHeight, pointBudget, maxScreenError);
    for (const { node } of wanted) {
      if (this.inFlight >= MAX_CONCURRENT) break;
      void this.loadNode(node);
    }
    this.evict(pointBudget * 2);
    return this.inFlight > 0 || wanted.length > 0;
  }

  /**
   * Render mode's load-then-draw: selects for this camera and loads every missing node the selection
   * reaches, level after level, until the selection is the one the point budget gives with everything
   * loaded. What is drawn then depends only on the camera, the budget and the octree, never on the order
   * or timing in which nodes arrived. Returns the nodes that failed to load (their warnings went out).
   */
  async loadSelection(
    camera: Camera,
    viewportHeight: number,
    pointBudget: number,
    maxScreenError: number,
  ): Promise<PotreeNode[]> {
    const failed: PotreeNode[] = [];
    for (;;) {
      const wanted = this.select(camera, viewportHeight, pointBudget, maxScreenError);
      if (wanted.length === 0) {
        // Nodes an earlier interactive frame started are not "wanted" again: wait for them, then look again.
        if (this.loads.size === 0) break;
        await Promise.all(this.loads);
        continue;
      }
      for (let i = 0; i < wanted.length; i += RENDER_CONCURRENT)
        await Promise.all(wanted.slice(i, i + RENDER_CONCURRENT).map(({ node }) => this.loadNode(node)));
      failed.push(...wanted.filter(({ node }) => node.failed).map(({ node }) => node));
    }
    this.evict(pointBudget * 2);
    return failed;
  }

  /**
   * Walks the tree from the root in order of on-screen size, keeps nodes in the view frustum until the
   * point budget is spent, makes exactly those visible, and returns the missing nodes the walk reached
   * (most important first). Draw order follows node names, not load order: three.js sorts objects of
   * equal render order by material id, and each node's material is made when it arrives, so without this
   * two runs could draw coincident points in different orders (measured: up to 18 % of pixels differed).
   */
  private select(
    camera: Camera,
    viewportHeight: number,
    pointBudget: number,
    maxScreenError: number,
  ): Array<{ node: PotreeNode; priority: number }> {
    this.frame++;
    const { visible, wanted, points } = this.walk(camera, viewportHeight, pointBudget, maxScreenError, false);
    for (const n of visible) n.lastUsed = this.frame;
    for (const n of this.loadedNodes) if (n.object) n.object.visible = false;
    const byName = visible
      .filter((n) => n.object)
      .sort((a, b) => a.level - b.level || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    byName.forEach((n, i) => {
      n.object!.visible = true;
      n.object!.renderOrder = i;
    });
    this.visibleNodes = visible;
    this.visiblePoints = points;
    return wanted.sort((a, b) => b.priority - a.priority);
  }

  /**
   * Completeness of what is drawn now, as the render bench's criterion reads ("every budgeted node
   * drawn"): the nodes the point budget selects for this camera when every node counts as loaded,
   * against the nodes whose points three.js will draw. A node the budget reaches whose children are not
   * known yet (an unloaded hierarchy proxy) is one missing node. Changes nothing.
   */
  budgetCompleteness(
    camera: Camera,
    viewportHeight: number,
    pointBudget: number,
    maxScreenError: number,
  ): BudgetCompleteness {
    const selected = this.walk(camera, viewportHeight, pointBudget, maxScreenError, true).visible.filter(
      (n) => n.numPoints > 0,
    );
    const drawn = new Set([...this.loadedNodes].filter((n) => n.object?.visible === true && n.numPoints > 0));
    const chosen = new Set(selected);
    return {
      selected: selected.map((n) => n.name).sort(),
      missing: selected
        .filter((n) => !drawn.has(n))
        .map((n) => n.name)
        .sort(),
      extra: [...drawn]
        .filter((n) => !chosen.has(n))
        .map((n) => n.name)
        .sort(),
      selectedPoints: selected.reduce((s, n) => s + n.numPoints, 0),
    };
  }

  /**
   * The budget walk itself. `assumeLoaded` false: nodes not loaded yet are skipped and returned as
   * wanted (what a frame can draw now); true: they count as drawn (what a complete frame must draw).
   */
  private walk(
    camera: Camera,
    viewportHeight: number,
    pointBudget: number,
    maxScreenError: number,
    assumeLoaded: boolean,
  ): { visible: PotreeNode[]; wanted: Array<{ node: PotreeNode; priority: number }>; points: number } {
    const world = this.group.matrixWorld;
    const frustum = new Frustum().setFromProjectionMatrix(
      new Matrix4().multiplyMatrices(camera.projectionMatrix, camera.matrixWorldInverse).multiply(world),
    );
    const camPos = new Vector3()
      .setFromMatrixPosition(camera.matrixWorld)
      .applyMatrix4(new Matrix4().copy(world).invert());
    const scale = world.getMaxScaleOnAxis();
    const ortho = (camera as OrthographicCamera).isOrthographicCamera === true;
    const pxPerUnit = ortho
      ? (viewportHeight * (camera as OrthographicCamera).zoom) /
        ((camera as OrthographicCamera).top - (camera as OrthographicCamera).bottom)
      : viewportHeight / (2 * Math.tan(((camera as PerspectiveCamera).fov * Math.PI) / 360));
    const screenSize = (node: PotreeNode, spacing: number): number => {
      if (ortho) return spacing * scale * pxPerUnit;
      const d = Math.max(camPos.distanceTo(node.sphere.center) - node.sphere.radius, 1e-3);
      return (spacing * pxPerUnit) / d;
    };
    const priorityOf = (node: PotreeNode) => screenSize(node, node.sphere.radius);

    const queue: { node: PotreeNode; priority: number }[] = [{ node: this.root, priority: Infinity }];
    const visible: PotreeNode[] = [];
    const wanted: { node: PotreeNode; priority: number }[] = [];
    let points = 0;
    while (queue.length > 0) {
      let best = 0;
      for (let i = 1; i < queue.length; i++) if (queue[i]!.priority > queue[best]!.priority) best = i;
      const { node, priority } = queue.splice(best, 1)[0]!;
      if (node.failed && !assumeLoaded) continue;
      if (!frustum.intersectsSphere(node.sphere)) continue;
      if (points + node.numPoints > pointBudget && visible.length > 0) break;
      if (!node.object && node.type !== NodeType.proxy && node.positions) {
        // empty node: descend
      } else if (!node.object && !assumeLoaded) {
        if (!node.loading) wanted.push({ node, priority });
        continue;
      }
      visible.push(node);
      points += node.numPoints;
      if (screenSize(node, node.spacing) <= maxScreenError) continue;
      for (const child of node.children) if (child) queue.push({ node: child, priority: priorityOf(child) });
    }
    return { visible, wanted, points };
  }

  /** Frees the least recently drawn nodes once more than `limit` points are held. */
  private evict(limit: number): void {
    if (this.loadedPoints <= limit) return;
    const old = [...this.loadedNodes]
      .filter((n) => n.lastUsed < this.frame && n !== this.root)
      .sort((a, b) => a.lastUsed - b.lastUsed);
    for (const n of old) {
      if (this.loadedPoints <= limit) break;
      n.object!.geometry.dispose();
      (n.object!.material as { dispose(): void }).dispose();
      this.group.remove(n.object!);
      n.object = undefined;
      n.positions = undefined;
      this.loadedNodes.delete(n);
      this.loadedPoints -= n.numPoints;
    }
  }
}

function childBox(box: Box3, octant: number): Box3 {
  const size = new Vector3().subVectors(box.max, box.min).multiplyScalar(0.5);
  const min = box.min.clone();
  if (octant & 4) min.x += size.x;
  if (octant & 2) min.y += size.y;
  if (octant & 1) min.z += size.z;
  return new Box3(min, min.clone().add(size));
}
