// The octree kernel: splits a set of quantised points into Potree nodes, top down.
//
// Plain JavaScript on purpose: the build's worker threads start without the TypeScript loader and
// import this file directly; the in-memory writer imports the same file, so both paths give the same
// bytes. Types are in kernel.d.mts.
//
// Each node lays a 128³ grid over its cube and keeps, for every occupied grid cell, the one point nearest
// the cell's centre; the other points go down to the child octant they fall in. A node with at most
// `maxLeafPoints` points keeps them all and has no children. So every input point is in exactly one node
// (the hierarchy sums to the input count), coarse levels are an even, faithful spread of real points
// (grid subsampling: no invented or averaged points), and the result depends only on the points and their
// order — never on timing or threads.

export const GRID_BITS = 7;
export const GRID = 1 << GRID_BITS;
const CELLS = GRID * GRID * GRID;

/** Scratch arrays reused across nodes and calls (one set per thread, ~32 MB). */
export class KernelScratch {
  constructor() {
    this.stamp = new Uint32Array(CELLS);
    this.best = new Int32Array(CELLS);
    this.bestDist = new Float64Array(CELLS);
    this.stampNow = 0;
    this.cells = new Uint32Array(0);
    this.tmp = new Uint32Array(0);
  }

  ensure(n) {
    if (this.cells.length < n) {
      this.cells = new Uint32Array(Math.max(n, this.cells.length * 2));
      this.tmp = new Uint32Array(this.cells.length);
    }
  }
}

export function childBox(box, octant) {
  const h = box.size / 2;
  return {
    x: box.x + (octant & 4 ? h : 0),
    y: box.y + (octant & 2 ? h : 0),
    z: box.z + (octant & 1 ? h : 0),
    size: h,
  };
}

/** Octant of a point in a box: x is bit 2, y bit 1, z bit 0 (Potree's child order). */
export function octantOf(xyz, p, box) {
  const h = box.size / 2;
  return ((xyz[p * 3] - box.x >= h ? 4 : 0) | (xyz[p * 3 + 1] - box.y >= h ? 2 : 0) | (xyz[p * 3 + 2] - box.z >= h ? 1 : 0));
}

/**
 * The grid election both node passes share: every point of order[start, start + n) gets its cell of the
 * GRID³ grid over `box` in scratch.cells, and scratch.best[cell] names the point nearest that cell's
 * centre (the first such in order on a tie) for the cells stamped in this pass.
 */
function electCellRepresentatives(pts, order, start, n, box, scratch) {
  scratch.ensure(n);
  const { stamp, best, bestDist, cells } = scratch;
  const xyz = pts.xyz;
  const stampNow = ++scratch.stampNow;
  const inv = GRID / box.size;
  const bx = box.x;
  const by = box.y;
  const bz = box.z;
  const maxCell = GRID - 1;
  for (let i = 0; i < n; i++) {
    const p = order[start + i] * 3;
    const fx = (xyz[p] - bx) * inv;
    const fy = (xyz[p + 1] - by) * inv;
    const fz = (xyz[p + 2] - bz) * inv;
    // Truncation equals floor here: anything below 0 is clamped to 0 next.
    let cx = fx | 0;
    let cy = fy | 0;
    let cz = fz | 0;
    cx = cx < 0 ? 0 : cx > maxCell ? maxCell : cx;
    cy = cy < 0 ? 0 : cy > maxCell ? maxCell : cy;
    cz = cz < 0 ? 0 : cz > maxCell ? maxCell : cz;
    const cell = (cx << 14) | (cy << 7) | cz;
    cells[i] = cell;
    const dx = fx - cx - 0.5;
    const dy = fy - cy - 0.5;
    const dz = fz - cz - 0.5;
    const d = dx * dx + dy * dy + dz * dz;
    if (stamp[cell] !== stampNow) {
      stamp[cell] = stampNow;
      best[cell] = i;
      bestDist[cell] = d;
    } else if (d < bestDist[cell]) {
      best[cell] = i;
      bestDist[cell] = d;
    }
  }
}

/**
 * Marks the representative of every occupied grid cell of `box` among order[start, end): the point
 * nearest the cell centre, the first such in order on a tie. Leaves the cell of each point in
 * scratch.cells[i - start] and sets keep[i - start] = 1 for representatives. Returns how many.
 */
export function pickRepresentatives(pts, order, start, end, box, scratch, keep) {
  const n = end - start;
  electCellRepresentatives(pts, order, start, n, box, scratch);
  const { best, cells } = scratch;
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const k = best[cells[i]] === i ? 1 : 0;
    keep[i] = k;
    kept += k;
  }
  return kept;
}

/**
 * Picks the points of one node from order[start, end) and moves them to the front of the range; the rest
 * follow grouped by octant (stable). Returns the number kept; fills childCounts.
 */
export function selectNodePoints(pts, order, start, end, box, scratch, childCounts) {
  const n = end - start;
  electCellRepresentatives(pts, order, start, n, box, scratch);
  const { best, cells, tmp } = scratch;
  childCounts.fill(0);
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const cell = cells[i];
    if (best[cell] === i) {
      kept++;
      cells[i] = 8; // kept here
    } else {
      const octant = ((cell >>> 18) & 4) | ((cell >>> 12) & 2) | ((cell >>> 6) & 1);
      cells[i] = octant;
      childCounts[octant]++;
    }
  }
  const next = new Uint32Array(9);
  next[8] = 0;
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
 * Builds the subtree rooted at rootName over order[start, end). Nodes come out in depth-first pre-order
 * (parent before children, octants ascending).
 */
export function buildSubtree(pts, order, start, end, box, rootName, options, scratch = new KernelScratch()) {
  const nodes = [];
  const childCounts = new Uint32Array(8);
  const stack = [{ name: rootName, start, end, box }];
  while (stack.length > 0) {
    const job = stack.pop();
    const n = job.end - job.start;
    if (n <= options.maxLeafPoints || job.box.size / 2 < options.minNodeSize) {
      nodes.push({ name: job.name, start: job.start, count: n, childMask: 0 });
      continue;
    }
    const kept = selectNodePoints(pts, order, job.start, job.end, job.box, scratch, childCounts);
    let mask = 0;
    const children = [];
    let at = job.start + kept;
    for (let c = 0; c < 8; c++) {
      const k = childCounts[c];
      if (k === 0) continue;
      mask |= 1 << c;
      children.push({ name: job.name + c, start: at, end: at + k, box: childBox(job.box, c) });
      at += k;
    }
    nodes.push({ name: job.name, start: job.start, count: kept, childMask: mask });
    for (let c = children.length - 1; c >= 0; c--) stack.push(children[c]);
  }
  return nodes;
}

