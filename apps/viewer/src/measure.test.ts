import { describe, expect, it } from 'vitest';
import { angleAt, distance, heightDifference, measure, measurementsCsv, measurementsGeoJson, niceScaleLength, polygonArea, polylineLength } from './measure.ts';

describe('measurement arithmetic', () => {
  it('distance, polyline and height in double precision, even at survey-sized coordinates', () => {
    const a = [500002.05, 5700003.1, 50] as const;
    const b = [500007.5, 5700005.25, 51.2] as const;
    expect(distance(a, b)).toBeCloseTo(Math.hypot(5.45, 2.15, 1.2), 9);
    expect(polylineLength([[0, 0, 0], [3, 4, 0], [3, 4, 12]])).toBe(17);
    expect(heightDifference([0, 0, 1], [5, 5, 3.5])).toBe(2.5);
  });
  it('angle at the middle point, accurate near 0° and 180°', () => {
    expect(angleAt([1, 0, 0], [0, 0, 0], [0, 1, 0])).toBeCloseTo(90, 12);
    expect(angleAt([1, 0, 0], [0, 0, 0], [-1, 1e-9, 0])).toBeCloseTo(180, 6);
    expect(angleAt([1, 0, 0], [0, 0, 0], [1, 1e-9, 0])).toBeCloseTo(0, 6);
  });
  it('area of a polygon in any plane (Newell)', () => {
    expect(polygonArea([[0, 0, 0], [4, 0, 0], [4, 3, 0], [0, 3, 0]])).toBeCloseTo(12, 12);
    // The same rectangle standing on a wall.
    expect(polygonArea([[0, 0, 0], [4, 0, 0], [4, 0, 3], [0, 0, 3]])).toBeCloseTo(12, 12);
    expect(measure('area', [[0, 0, 0], [1, 0, 0], [0, 1, 0]], 'm')).toEqual({ value: 0.5, unit: 'm²' });
  });
  it('exports CSV (formula-safe) and GeoJSON', () => {
    const rows = [{ id: 'm1', label: '=HYPERLINK("x")', kind: 'distance', value: 5, unit: 'm', points: [[0, 0, 0], [3, 4, 0]] as [number, number, number][] }];
    const csv = measurementsCsv(rows, { caseReference: 'OP/1', scene: 'Room' });
    expect(csv).toContain(`"'=HYPERLINK(""x"")"`);
    expect(csv).toContain('5.000000,m');
    const gj = JSON.parse(measurementsGeoJson(rows, { caseReference: 'OP/1', scene: 'Room', epsg: 25832 }));
    expect(gj.features[0].geometry).toEqual({ type: 'LineString', coordinates: [[0, 0, 0], [3, 4, 0]] });
    expect(gj.crs.properties.name).toBe('urn:ogc:def:crs:EPSG::25832');
  });
  it('chooses a 1-2-5 scale bar length', () => {
    expect(niceScaleLength(7.3)).toBe(5);
    expect(niceScaleLength(0.31)).toBe(0.2);
    expect(niceScaleLength(1)).toBe(1);
  });
});
