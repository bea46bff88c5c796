// The octree kernel: splits a set of quantised points into Potree nodes, top down, with one of two
// samplers behind one interface.
//
// Plain JavaScript on purpose: the build's worker threads start without the TypeScript loader and
// import this file directly; the in-memory writer imports the same file, so both paths give the same
// bytes. Types are in kernel.d.mts.
//
// Positions are integers q ≥ 0 inside a cube whose edge is a power of two (2^bits units), so a node's
// 128³ sampling cells, its octants and the distances inside a cell are exact integer arithmetic (shifts),
// never floating-point division: the same points give the same nodes on any machine.
//
// A sampler chooses, among a node's points, the ones the node keeps; the rest go down to the child octant
// they fall in. A node with at most `maxLeafPoints` points (or a cube of edge 1) keeps them all. So every
// input point is in exactly one node (the hierarchy sums to the input count), no point is invented,
// moved or averaged, and the result depends only on the points and their order.
//
//   grid     — per occupied cell of the node's 128³ grid, the point nearest the cell centre (the first in
//              order on a tie). One pass to elect, one to partition.
//   poisson  — PotreeConverter's default rule: the points in order of distance to the node centre; a point
//              is accepted when no accepted point lies closer than the node's spacing (its cell edge).
//              Accepted points are found through the same 128³ cells (a point can only conflict with
//              points in its own or the 26 neighbouring cells).

export const GRID_BITS = 7;
export const GRID = 1 << GRID_BITS;
const CELLS = GRID * GRID * GRID;
/** The grid election's groups: cells by their top 11 bits, 1024 cells a group. */
const LOCAL_BITS = 10;
const LOCAL_MASK = (1 << LOCAL_BITS) - 1;
const GROUPS = CELLS >>> LOCAL_BITS;

/**
 * Scratch arrays reused across nodes and calls, one set per thread: the 128³ grid's tables (about 40 MB)
 * and, per point of the largest node so far, 27 bytes for the grid election or 29 for Poisson.
 */
export class KernelScratch {
  constructor() {
    this.stamp = new Uint32Array(CELLS);
    this.best = new Int32Array(CELLS);
    this.bestDist = new Float64Array(CELLS);
    this.stampNow = 0;
    this.cells = new Uint32Array(0);
    this.tmp = new Uint32Array(0);
    this.keys = new Uint32Array(0);
    this.keys2 = new Uint32Array(0);
    this.rank = new Uint32Array(0);
    this.rank2 = new Uint32Array(0);
    this.next = new Int32Array(0);
    this.keep = new Uint8Array(0);
    this.dist = new Float64Array(0);
    this.groupedDist = new Float64Array(0);
    this.groupedLow = new Uint16Array(0);
    this.groupStart = new Uint32Array(GROUPS + 1);
    this.groupNext = new Uint32Array(GROUPS);
    this.localStamp = new Uint32Array(1 << LOCAL_BITS);
    this.localBest = new Int32Array(1 << LOCAL_BITS);
    this.localDist = new Float64Array(1 << LOCAL_BITS);
    this.localNow = 0;
  }

  ensureGrid(n) {
    this.ensure(n);
    if (this.dist.length < n) {
      const size = Math.max(n, this.dist.length * 2);
      this.dist = new Float64Array(size);
      this.groupedDist = new Float64Array(size);
      this.groupedLow = new Uint16Array(size);
    }
  }

  nextLocalStamp() {
    if (this.localNow === 0xffffffff) {
      this.localStamp.fill(0);
      this.localNow = 0;
    }
    return ++this.localNow;
  }

  ensure(n) {
    if (this.cells.length < n) {
      const size = Math.max(n, this.cells.length * 2);
      this.cells = new Uint32Array(size);
      this.tmp = new Uint32Array(size);
      this.keep = new Uint8Array(size);
    }
  }

  ensurePoisson(n) {
    this.ensure(n);
    if (this.keys.length < n) {
      const size = Math.max(n, this.keys.length * 2);
      this.keys = new Uint32Array(size);
      this.keys2 = new Uint32Array(size);
      this.rank = new Uint32Array(size);
      this.rank2 = new Uint32Array(size);
      this.next = new Int32Array(size);
    }
  }

  nextStamp() {
    if (this.stampNow === 0xffffffff) {
      this.stamp.fill(0);
      this.stampNow = 0;
    }
    return ++this.stampNow;
  }
}

/** Octant `o` of a cube (x is bit 2, y bit 1, z bit 0: Potree's child order). */
export function childCube(cube, octant) {
  const h = 2 ** (cube.bits - 1);
  return {
    x: cube.x + (octant & 4 ? h : 0),
    y: cube.y + (octant & 2 ? h : 0),
    z: cube.z + (octant & 1 ? h : 0),
    bits: cube.bits - 1,
  };
}

/** Octant of a floating-point box (readers of any Potree file, whose cubes need not be powers of two). */
export function childBox(box, octant) {
  const h = box.size / 2;
  return { x: box.x + (octant & 4 ? h : 0), y: box.y + (octant & 2 ? h : 0), z: box.z + (octant & 1 ? h : 0), size: h };
}

/**
 * Cell of every point of order[start, start + n) in the node's grid, written to scratch.cells as
 * (cx << 14) | (cy << 7) | cz. When the cube is smaller than the grid (bits < 7), cells are finer than one
 * unit and each integer position has its own cell.
 */
function cellsOf(q, order, start, n, cube, cells) {
  const grid = new NodeGrid(cube);
  for (let i = 0; i < n; i++) {
    const p = order[start + i] * 3;
    cells[i] = grid.cell(q[p], q[p + 1], q[p + 2]);
  }
}

/** A node's 128³ sampling grid: the cell of a position, and twice a position's offset from its cell centre. */
class NodeGrid {
  constructor(cube) {
    const s = cube.bits - GRID_BITS;
    this.up = s < 0 ? -s : 0;
    this.down = s > 0 ? s : 0;
    // Twice the offset from the cell centre, per axis, in units: 2r + 1 − 2^s for the remainder r (exact).
    this.mask = s > 0 ? (1 << s) - 1 : 0;
    this.width = s > 0 ? 1 << s : 1;
    this.bx = cube.x;
    this.by = cube.y;
    this.bz = cube.z;
  }

  cell(x, y, z) {
    const cx = ((x - this.bx) >>> this.down) << this.up;
    const cy = ((y - this.by) >>> this.down) << this.up;
    const cz = ((z - this.bz) >>> this.down) << this.up;
    return (cx << 14) | (cy << 7) | cz;
  }

  /** Squared distance to the cell centre, times four (exact integers). */
  centreDistance(x, y, z) {
    const dx = 2 * ((x - this.bx) & this.mask) + 1 - this.width;
    const dy = 2 * ((y - this.by) & this.mask) + 1 - this.width;
    const dz = 2 * ((z - this.bz) & this.mask) + 1 - this.width;
    return dx * dx + dy * dy + dz * dz;
  }
}

/**
 * The grid rule for one cell of a table whose offered cells carry the stamp `now`: the first offer takes
 * the cell, a later one only when strictly nearer its centre, so a tie goes to the first in order. Both
 * grid elections (GridElection over the 128³ table, electGrid over a group's 1 024 cells) call it.
 */
function offerToCell(stamp, best, bestDist, now, cell, d, i) {
  if (stamp[cell] !== now) {
    stamp[cell] = now;
    best[cell] = i;
    bestDist[cell] = d;
  } else if (d < bestDist[cell]) {
    best[cell] = i;
    bestDist[cell] = d;
  }
}

/**
 * The grid rule, one point at a time: offer every point of a node in order with its running index, then
 * ask of each whether it won its cell. The build's merge streams a node's children from disk through it
 * twice, so it holds the grid and no points. electGrid applies the same rule (offerToCell) to points in
 * memory, a group of cells at a time; the recorded builds (tests/scene/octree-recorded.test.ts) hold the
 * two to the same bytes. (Grouping a streamed batch by cell the same way was measured slower here: a batch's points are
 * too few per group to share the grid's cache lines.)
 */
export class GridElection {
  constructor(cube, scratch) {
    this.grid = new NodeGrid(cube);
    this.scratch = scratch;
    this.now = scratch.nextStamp();
  }

  offer(x, y, z, i) {
    const { stamp, best, bestDist } = this.scratch;
    offerToCell(stamp, best, bestDist, this.now, this.grid.cell(x, y, z), this.grid.centreDistance(x, y, z), i);
  }

  won(x, y, z, i) {
    return this.scratch.best[this.grid.cell(x, y, z)] === i;
  }
}

/** Moves the kept points (keep[i] = 1) to the front of the range and the rest behind them by octant, both stable. */
function partition(order, start, n, cells, keep, tmp, childCounts) {
  childCounts.fill(0);
  let kept = 0;
  for (let i = 0; i < n; i++) {
    if (keep[i]) {
      kept++;
      cells[i] = 8;
    } else {
      const cell = cells[i];
      const octant = ((cell >>> 18) & 4) | ((cell >>> 12) & 2) | ((cell >>> 6) & 1);
      cells[i] = octant;
      childCounts[octant]++;
    }
  }
  const next = new Uint32Array(9);
  let at = kept;
  for (let c = 0; c < 8; c++) {
    next[c] = at;
    at += childCounts[c];
  }
  let keptAt = 0;
  for (let i = 0; i < n; i++) {
    const k = cells[i];
    if (k === 8) tmp[keptAt++] = order[start + i];
    else tmp[next[k]++] = order[start + i];
  }
  order.set(tmp.subarray(0, n), start);
  return kept;
}

/**
 * Grid sampling: in each occupied cell, the point nearest the cell centre (first in order on a tie).
 *
 * The 128³ cells' tables are 32 MB, and a node's points visit them in their own order: one cache miss
 * per point made the election most of the index pass. So the points are first grouped (stably, one
 * counting pass and one scatter) by the top 11 bits of their cell, and each group is elected in a
 * 1024-cell table that stays in the first-level cache. Within a group the points keep their order, so a
 * tie still goes to the first.
 */
function electGrid(q, order, start, n, cube, scratch) {
  scratch.ensureGrid(n);
  const { cells, keep, tmp: grouped, dist, groupStart, localStamp, localBest, localDist } = scratch;
  const grid = new NodeGrid(cube);
  groupStart.fill(0);
  for (let i = 0; i < n; i++) {
    const p = order[start + i] * 3;
    const x = q[p],
      y = q[p + 1],
      z = q[p + 2];
    const cell = grid.cell(x, y, z);
    cells[i] = cell;
    dist[i] = grid.centreDistance(x, y, z);
    groupStart[(cell >>> LOCAL_BITS) + 1]++;
  }
  for (let g = 1; g <= GROUPS; g++) groupStart[g] += groupStart[g - 1];
  const next = scratch.groupNext;
  next.set(groupStart.subarray(0, GROUPS));
  const groupedLow = scratch.groupedLow,
    groupedDist = scratch.groupedDist;
  for (let i = 0; i < n; i++) {
    const cell = cells[i];
    const at = next[cell >>> LOCAL_BITS]++;
    grouped[at] = i;
    groupedLow[at] = cell & LOCAL_MASK;
    groupedDist[at] = dist[i];
  }
  let kept = 0;
  for (let g = 0; g < GROUPS; g++) {
    const from = groupStart[g],
      to = groupStart[g + 1];
    if (from === to) continue;
    const now = scratch.nextLocalStamp();
    for (let j = from; j < to; j++)
      offerToCell(localStamp, localBest, localDist, now, groupedLow[j], groupedDist[j], j);
    for (let j = from; j < to; j++) {
      const k = localBest[groupedLow[j]] === j ? 1 : 0;
      keep[grouped[j]] = k;
      kept += k;
    }
  }
  return kept;
}

/**
 * Sorts ranks 0..n-1 by keys (stable, so equal distances keep input order): LSD radix, three 11-bit
 * digits. Returns the sorted ranks.
 */
function radixSortRanks(keys, n, scratch) {
  let rank = scratch.rank;
  let other = scratch.rank2;
  let k = keys;
  let k2 = scratch.keys2;
  for (let i = 0; i < n; i++) rank[i] = i;
  const counts = new Uint32Array(2048);
  for (let shift = 0; shift < 32; shift += 11) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(k[i] >>> shift) & 2047]++;
    let sum = 0;
    for (let b = 0; b < 2048; b++) {
      const c = counts[b];
      counts[b] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const key = k[i];
      const at = counts[(key >>> shift) & 2047]++;
      other[at] = rank[i];
      k2[at] = key;
    }
    const r = rank;
    rank = other;
    other = r;
    const kk = k;
    k = k2;
    k2 = kk;
  }
  // Three passes: the sorted ranks end in the buffer that started as rank2 (or keys2 for the keys).
  return rank;
}

/**
 * Poisson-disk sampling: points by distance to the node centre (nearest first, input order on a tie);
 * accepted when no already accepted point lies within the node's spacing (the cell edge, 2^(bits−7)).
 */
function electPoisson(q, order, start, n, cube, scratch) {
  scratch.ensurePoisson(n);
  const { stamp, best, cells, keep, keys, next } = scratch;
  cellsOf(q, order, start, n, cube, cells);
  const half = 2 ** (cube.bits - 1);
  const cx0 = cube.x + half,
    cy0 = cube.y + half,
    cz0 = cube.z + half;
  // Distances quantised to 32 bits over the node's largest possible distance: the order is exact to
  // 2^-32 of the node's diagonal, and the same points always give the same keys.
  const toKey = 4294967295 / (3 * half * half);
  for (let i = 0; i < n; i++) {
    const p = order[start + i] * 3;
    const dx = q[p] - cx0,
      dy = q[p + 1] - cy0,
      dz = q[p + 2] - cz0;
    keys[i] = Math.min(4294967295, Math.floor((dx * dx + dy * dy + dz * dz) * toKey)) >>> 0;
  }
  const ranked = radixSortRanks(keys, n, scratch);
  const spacing = 2 ** (cube.bits - GRID_BITS);
  const spacing2 = spacing * spacing;
  const now = scratch.nextStamp();
  keep.fill(0, 0, n);
  let kept = 0;
  for (let r = 0; r < n; r++) {
    const i = ranked[r];
    const p = order[start + i] * 3;
    const x = q[p],
      y = q[p + 1],
      z = q[p + 2];
    const cell = cells[i];
    const cx = cell >>> 14,
      cy = (cell >>> 7) & 127,
      cz = cell & 127;
    let free = true;
    for (let ox = -1; ox <= 1 && free; ox++) {
      const nx = cx + ox;
      if (nx < 0 || nx > 127) continue;
      for (let oy = -1; oy <= 1 && free; oy++) {
        const ny = cy + oy;
        if (ny < 0 || ny > 127) continue;
        for (let oz = -1; oz <= 1; oz++) {
          const nz = cz + oz;
          if (nz < 0 || nz > 127) continue;
          const c = (nx << 14) | (ny << 7) | nz;
          if (stamp[c] !== now) continue;
          for (let j = best[c]; j >= 0; j = next[j]) {
            const pj = order[start + j] * 3;
            const ex = q[pj] - x,
              ey = q[pj + 1] - y,
              ez = q[pj + 2] - z;
            if (ex * ex + ey * ey + ez * ez < spacing2) {
              free = false;
              break;
            }
          }
          if (!free) break;
        }
      }
    }
    if (!free) continue;
    // Accepted: push onto its cell's list (best[] is the list head, next[] the links).
    next[i] = stamp[cell] === now ? best[cell] : -1;
    stamp[cell] = now;
    best[cell] = i;
    keep[i] = 1;
    kept++;
  }
  return kept;
}

/** The two samplers, by the name the manifest records. */
export const SAMPLERS = {
  grid: { id: 'grid', elect: electGrid },
  poisson: { id: 'poisson', elect: electPoisson },
};

export function samplerById(id) {
  const sampler = SAMPLERS[id];
  if (!sampler) throw new Error(`unknown sampler ${id}`);
  return sampler;
}

/**
 * Chooses the points one node keeps from order[start, end) and moves them to the front of the range; the
 * rest follow grouped by octant (both in their previous order). Returns the number kept; fills childCounts.
 */
export function selectNodePoints(q, order, start, end, cube, sampler, scratch, childCounts) {
  const n = end - start;
  scratch.ensure(n);
  sampler.elect(q, order, start, n, cube, scratch);
  return partition(order, start, n, scratch.cells, scratch.keep, scratch.tmp, childCounts);
}

/**
 * Builds the subtree rooted at rootName over order[start, end). Nodes come out in depth-first pre-order
 * (parent before children, octants ascending). `onRoot(kept)` is called as soon as the root's points are
 * chosen (the build uses it to place the subtree in octree.bin while the rest is still being built).
 */
export function buildSubtree(q, order, start, end, cube, rootName, options, scratch = new KernelScratch()) {
  const nodes = [];
  const childCounts = new Uint32Array(8);
  const sampler = options.sampler;
  const stack = [{ name: rootName, start, end, cube }];
  while (stack.length > 0) {
    const job = stack.pop();
    const n = job.end - job.start;
    if (n <= options.maxLeafPoints || job.cube.bits === 0) {
      nodes.push({ name: job.name, start: job.start, count: n, childMask: 0 });
      if (nodes.length === 1) options.onRoot?.(n);
      continue;
    }
    const kept = selectNodePoints(q, order, job.start, job.end, job.cube, sampler, scratch, childCounts);
    let mask = 0;
    const children = [];
    let at = job.start + kept;
    for (let c = 0; c < 8; c++) {
      const k = childCounts[c];
      if (k === 0) continue;
      mask |= 1 << c;
      children.push({ name: job.name + c, start: at, end: at + k, cube: childCube(job.cube, c) });
      at += k;
    }
    nodes.push({ name: job.name, start: job.start, count: kept, childMask: mask });
    if (nodes.length === 1) options.onRoot?.(kept);
    for (let c = children.length - 1; c >= 0; c--) stack.push(children[c]);
  }
  return nodes;
}
