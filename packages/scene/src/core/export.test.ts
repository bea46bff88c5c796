import { describe, expect, it } from 'vitest';
import type { Measurement } from '../manifest/schema.ts';
import { markersCsv, measurementsCsv, type ExportContext } from './export-csv.ts';
import { sceneGeoJson } from './export-geojson.ts';
import { compareRecordIds, sceneMeasurements } from './records.ts';

const ctx: ExportContext = {
  caseReference: 'OP/1',
  manifest: {
    id: 'room',
    name: 'Room',
    units: 'm',
    crs: { epsg: 25832 },
    origin: { offset: [100, 200, 0] },
    transform: [2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1],
  },
};
const rows: Measurement[] = [
  {
    id: 'D-1',
    label: '=HYPERLINK("x")',
    kind: 'distance',
    value: 10,
    unit: 'm',
    points: [
      [100, 200, 0],
      [103, 204, 0],
    ],
    operator: 'PC 1',
  },
  {
    id: 'D-2',
    label: 'step',
    kind: 'height',
    value: -0.25,
    unit: 'm',
    points: [
      [100, 200, 0.125],
      [100, 200, 0],
    ],
    note: 'kerb, "worn"',
  },
];

describe('exports (scene core)', () => {
  it('writes measurements CSV with a BOM, CRLF, what the numbers mean, the height sign convention, and formula-safe text', () => {
    const csv = measurementsCsv(ctx, rows);
    expect(csv).toBe(
      '\uFEFF# Vestige scene measurements\r\n' +
        '# case,OP/1\r\n' +
        '# scene,room,Room\r\n' +
        '# coordinates,"points are in the scene\'s source frame (EPSG:25832); values are in the displayed frame (after scale and level), in m"\r\n' +
        '# distance,Distance: the straight-line length between the two picked points.\r\n' +
        '# height,"Height: the vertical difference from the first picked point to the second, along the up (Z) axis of the levelled scene; positive when the second point is higher than the first, negative when it is lower. Horizontal offset between the points is not counted."\r\n' +
        'id,label,kind,value,plus_minus,unit,points,operator,note\r\n' +
        `D-1,"'=HYPERLINK(""x"")",distance,10.000000,,m,100 200 0; 103 204 0,PC 1,\r\n` +
        'D-2,step,height,-0.250000,,m,100 200 0.125; 100 200 0,,"kerb, ""worn"""\r\n',
    );
  });

  it('adds the stated uncertainty to the header and each row’s plus_minus', () => {
    const stated = {
      ...ctx,
      manifest: {
        ...ctx.manifest,
        measurementUncertainty: { relative: 0.002, absoluteMetres: 0.004, basis: 'COLMAP check distances' },
      },
    };
    const csv = measurementsCsv(stated, [
      { ...rows[0]!, uncertainty: { plusMinus: 0.024, basis: 'COLMAP check distances' } },
    ]);
    expect(csv).toContain(
      '# uncertainty,"± (0.2 % of the measured length + 4 mm), added linearly; basis: COLMAP check distances"\r\n',
    );
    expect(csv).toContain(',distance,10.000000,0.024000,m,');
  });

  it('writes markers CSV with source and displayed coordinates', () => {
    const csv = markersCsv(ctx, [{ id: 'M-1', label: '1', position: [101, 202, -1.5], itemId: 'I-7' }]);
    expect(csv.split('\r\n').slice(-3)).toEqual([
      'id,label,x,y,z,display_x,display_y,display_z,unit,item,note',
      'M-1,1,101,202,-1.5,2.000000,4.000000,-3.000000,m,I-7,',
      '',
    ]);
  });

  it('writes GeoJSON in the source frame with the CRS, the ± and each kind’s definition', () => {
    const gj = JSON.parse(
      sceneGeoJson(ctx, { markers: [{ id: 'M-1', label: '1', position: [1, 2, 3] }], measurements: rows }),
    );
    expect(gj.crs.properties.name).toBe('urn:ogc:def:crs:EPSG::25832');
    expect(gj.features.map((f: { geometry: { type: string } }) => f.geometry.type)).toEqual([
      'Point',
      'LineString',
      'LineString',
    ]);
    expect(gj.features[2].properties).toMatchObject({ kind: 'height', value: -0.25, plusMinus: null });
    expect(gj.features[2].properties.definition).toMatch(/^Height:/);
  });

  it('lists built-in measurements first, then saved ones by id with numbers compared as numbers', () => {
    expect(['D-10', 'D-2', 'm-b', 'D-1', 'm-a'].sort(compareRecordIds)).toEqual(['D-1', 'D-2', 'D-10', 'm-a', 'm-b']);
    const builtIn = { ...rows[1]!, id: 'B-9' };
    const ordered = sceneMeasurements(
      { layers: [{ type: 'measurements', id: 'm', name: 'm', measurements: [builtIn] }] },
      [{ ...rows[0]!, id: 'D-10' }, rows[0]!],
    );
    expect(ordered.map((m) => m.id)).toEqual(['B-9', 'D-1', 'D-10']);
  });
});
