import { describe, expect, it } from 'vitest';
import type { Vec3 } from '../geometry/rotation.ts';
import { compareRuns } from './compare.ts';

const ring: Vec3[] = Array.from({ length: 12 }, (_, i) => [Math.cos(i / 2), Math.sin(i / 2), 1.5 + 0.1 * Math.sin(i)]);
const placed = (ps: Vec3[], scaleFactor = 2) => ({
  positions: new Map(ps.map((p, i) => [`photo-${String(i).padStart(2, '0')}`, p])),
  scaleFactor,
  given: 12,
});

describe('a re-run is judged by geometry', () => {
  it('accepts the same cameras turned and moved as a whole, with differences under the tolerance', () => {
    const a = 0.7;
    const moved = ring.map(
      ([x, y, z], i): Vec3 => [
        Math.cos(a) * x - Math.sin(a) * y + 3 + 1e-4 * (i % 3),
        Math.sin(a) * x + Math.cos(a) * y - 1,
        z + 0.2,
      ],
    );
    const result = compareRuns(placed(ring), placed(moved, 2.002));
    expect(result.commonPhotos).toBe(12);
    expect(result.worstPositionFraction).toBeLessThan(1e-3);
    expect(result.withinTolerances).toBe(true);
  });

  it('rejects a re-run whose cameras or scale disagree beyond the tolerances', () => {
    const shifted = ring.map((p, i): Vec3 => (i === 4 ? [p[0] + 0.3, p[1], p[2]] : p));
    expect(compareRuns(placed(ring), placed(shifted)).withinTolerances).toBe(false);
    expect(compareRuns(placed(ring), placed(ring, 2.1)).withinTolerances).toBe(false);
  });
});
