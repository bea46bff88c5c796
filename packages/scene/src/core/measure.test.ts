import { describe, expect, it } from 'vitest';
import { invertAffine, multiply, rotationBetween, scaling, toDisplayed, toSource, translation } from './frames.ts';
import {
  MEASUREMENT_DEFINITIONS,
  describeUncertainty,
  formatMeasurement,
  measureDisplayed,
  measureScene,
  pointCountProblem,
  recomputeMeasurement,
  type MeasuredScene,
} from './measure.ts';
import { SightLine } from './line-of-sight.ts';
import { formatLength, formatQuantity, niceScaleLength } from './units.ts';

const IDENTITY = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
const scene = (over: Partial<MeasuredScene> = {}): MeasuredScene => ({
  origin: { offset: [0, 0, 0] },
  transform: IDENTITY,
  units: 'm',
  ...over,
});

describe('measurements (scene core)', () => {
  it('distance, polyline and height in double precision, even at survey-sized coordinates', () => {
    const a = [500002.05, 5700003.1, 50] as const;
    const b = [500007.5, 5700005.25, 51.2] as const;
    const s = scene({ origin: { offset: [500000, 5700000, 50] } });
    expect(measureScene(s, 'distance', [a, b]).value).toBeCloseTo(Math.hypot(5.45, 2.15, 1.2), 9);
    expect(
      measureDisplayed(
        'polyline',
        [
          [0, 0, 0],
          [3, 4, 0],
          [3, 4, 12],
        ],
        'm',
      ),
    ).toEqual({ kind: 'polyline', value: 17, unit: 'm' });
  });

  it('gives a height signed from the first point to the second: (0,0,2)→(0,0,1) is −1 m, and the definition says so', () => {
    expect(
      measureDisplayed(
        'height',
        [
          [0, 0, 2],
          [0, 0, 1],
        ],
        'm',
      ).value,
    ).toBe(-1);
    expect(
      measureDisplayed(
        'height',
        [
          [0, 0, 1],
          [5, 5, 3.5],
        ],
        'm',
      ).value,
    ).toBe(2.5);
    expect(MEASUREMENT_DEFINITIONS.height).toMatch(
      /positive when the second point is higher than the first, negative when it is lower/,
    );
    expect(formatMeasurement({ kind: 'height', value: 2.5, unit: 'm' })).toBe('+2.500 m');
    expect(formatMeasurement({ kind: 'height', value: -1, unit: 'm' })).toBe('-1.000 m');
  });

  it('measures in the displayed frame: after a scale ×2 a 1 m source distance is 2 m', () => {
    const s = scene({ transform: multiply(scaling(2), translation(0, 0, 0)) });
    expect(
      measureScene(s, 'distance', [
        [0, 0, 0],
        [1, 0, 0],
      ]).value,
    ).toBe(2);
    expect(
      measureScene(s, 'area', [
        [0, 0, 0],
        [1, 0, 0],
        [0, 1, 0],
      ]),
    ).toEqual({ kind: 'area', value: 2, unit: 'm²' });
  });

  it('gives angles in degrees (°) at the middle point, accurate near 0° and 180°, and refuses an arm of length 0', () => {
    expect(
      measureDisplayed(
        'angle',
        [
          [1, 0, 0],
          [0, 0, 0],
          [0, 1, 0],
        ],
        'm',
      ),
    ).toEqual({ kind: 'angle', value: 90, unit: '°' });
    expect(
      measureDisplayed(
        'angle',
        [
          [1, 0, 0],
          [0, 0, 0],
          [-1, 1e-9, 0],
        ],
        'm',
      ).value,
    ).toBeCloseTo(180, 6);
    expect(
      measureDisplayed(
        'angle',
        [
          [1, 0, 0],
          [0, 0, 0],
          [1, 1e-9, 0],
        ],
        'm',
      ).value,
    ).toBeCloseTo(0, 6);
    expect(() =>
      measureDisplayed(
        'angle',
        [
          [1, 0, 0],
          [1, 0, 0],
          [0, 1, 0],
        ],
        'm',
      ),
    ).toThrow(/two arms/);
  });

  it('measures the area of a polygon in any plane (Newell)', () => {
    expect(
      measureDisplayed(
        'area',
        [
          [0, 0, 0],
          [4, 0, 0],
          [4, 3, 0],
          [0, 3, 0],
        ],
        'm',
      ).value,
    ).toBeCloseTo(12, 12);
    expect(
      measureDisplayed(
        'area',
        [
          [0, 0, 0],
          [4, 0, 0],
          [4, 0, 3],
          [0, 0, 3],
        ],
        'm',
      ).value,
    ).toBeCloseTo(12, 12);
  });

  it('says how many points each kind needs, and refuses the wrong number', () => {
    expect(pointCountProblem('height', 3)).toBe('a height measurement needs exactly 2 points, not 3');
    expect(pointCountProblem('area', 2)).toBe('an area measurement needs at least 3 points, not 2');
    expect(pointCountProblem('polyline', 9)).toBeNull();
    expect(() => measureDisplayed('distance', [[0, 0, 0]], 'm')).toThrow(
      expect.objectContaining({ code: 'E_PARAM_INVALID' }),
    );
  });

  it('carries the scene’s stated uncertainty as ± on every kind, in the scene’s units', () => {
    const stated = { relative: 0.01, absoluteMetres: 0.005, basis: 'check distances' };
    const s = scene({ measurementUncertainty: stated });
    expect(
      measureScene(s, 'distance', [
        [0, 0, 0],
        [2, 0, 0],
      ]).uncertainty,
    ).toEqual({ plusMinus: 0.005 + 0.02, basis: 'check distances' });
    expect(
      measureScene(s, 'height', [
        [0, 0, 2],
        [0, 0, 1],
      ]).uncertainty!.plusMinus,
    ).toBeCloseTo(0.015, 12);
    expect(
      measureScene(s, 'polyline', [
        [0, 0, 0],
        [1, 0, 0],
        [1, 1, 0],
      ]).uncertainty!.plusMinus,
    ).toBeCloseTo(2 * 0.005 + 0.02, 12);
    expect(
      measureScene(s, 'area', [
        [0, 0, 0],
        [2, 0, 0],
        [2, 1, 0],
        [0, 1, 0],
      ]).uncertainty!.plusMinus,
    ).toBeCloseTo(0.005 * 6 + 2 * 0.01 * 2, 12);
    const angle = measureScene(s, 'angle', [
      [1, 0, 0],
      [0, 0, 0],
      [0, 2, 0],
    ]);
    expect(angle.uncertainty!.plusMinus).toBeCloseTo(((Math.atan(0.005) + Math.atan(0.0025)) * 180) / Math.PI, 12);
    // In millimetres the absolute part is 5 units.
    expect(
      measureScene(scene({ units: 'mm', measurementUncertainty: stated }), 'distance', [
        [0, 0, 0],
        [100, 0, 0],
      ]).uncertainty!.plusMinus,
    ).toBeCloseTo(5 + 1, 12);
    expect(
      formatMeasurement(
        measureScene(s, 'distance', [
          [0, 0, 0],
          [2, 0, 0],
        ]),
      ),
    ).toBe('2.000 m ± 0.025 m');
    expect(describeUncertainty(stated)).toBe(
      '± (1 % of the measured length + 5 mm), added linearly; basis: check distances',
    );
    expect(() =>
      measureScene(scene({ units: 'unknown', measurementUncertainty: stated }), 'distance', [
        [0, 0, 0],
        [1, 0, 0],
      ]),
    ).toThrow(/units are unknown/);
  });

  it('recomputes a value sent with its points and refuses one that does not match, or a wrong unit', () => {
    const s = scene();
    expect(
      recomputeMeasurement(s, {
        kind: 'distance',
        points: [
          [0, 0, 0],
          [3, 4, 0],
        ],
        value: 5,
        unit: 'm',
      }),
    ).toEqual({ kind: 'distance', value: 5, unit: 'm' });
    expect(
      recomputeMeasurement(s, {
        kind: 'distance',
        points: [
          [0, 0, 0],
          [3, 4, 0],
        ],
        value: 4,
        unit: 'm',
      }),
    ).toMatch(/does not match its points/);
    expect(
      recomputeMeasurement(s, {
        kind: 'angle',
        points: [
          [1, 0, 0],
          [0, 0, 0],
          [0, 1, 0],
        ],
        value: 90,
        unit: 'deg',
      }),
    ).toMatch(/unit deg/);
  });

  it('shows values with the decimals of their unit and chooses a 1-2-5 scale bar', () => {
    expect(formatQuantity(1.23456, 'mm')).toBe('1 mm');
    expect(formatQuantity(1.23456, 'cm')).toBe('1.2 cm');
    expect(formatQuantity(12.345, '°')).toBe('12.35°');
    expect(formatLength(2, 'unknown')).toBe('2.000 units');
    expect(niceScaleLength(7.3)).toBe(5);
    expect(niceScaleLength(0.31)).toBe(0.2);
    expect(niceScaleLength(1)).toBe(1);
  });
});

describe('frames (scene core)', () => {
  it('goes source → displayed → source and back to the same point, for a rotated, scaled and shifted scene', () => {
    const frame = {
      origin: { offset: [500000, 5700000, 50] },
      transform: multiply(
        translation(1, -2, 0.5),
        multiply(scaling(1.25), rotationBetween([0, 0.0348995, 0.9993908], [0, 0, 1])),
      ),
    };
    const p = [500003.25, 5700007.5, 51.125];
    const back = toSource(frame, toDisplayed(frame, p));
    for (let k = 0; k < 3; k++) expect(back[k]).toBeCloseTo(p[k]!, 8);
    const inv = invertAffine(frame.transform);
    const id = multiply(inv, frame.transform);
    for (let i = 0; i < 16; i++) expect(id[i]).toBeCloseTo(IDENTITY[i]!, 12);
  });
});

describe('line of sight (scene core)', () => {
  it('is blocked by the point nearest the eye inside the tube, ignores points near either end and outside the clipping box', () => {
    const line = new SightLine([0, 0, 0], [10, 0, 0], 0.1, { min: [-1, -1, -1], max: [6, 1, 1] });
    line.test(0.1, 0, 0); // at the eye
    line.test(9.95, 0, 0); // at the target
    line.test(5, 0.5, 0); // outside the tube
    line.test(7, 0, 0); // clipped away
    expect(line.result()).toEqual({ visible: true, blocking: null, distance: 10 });
    line.test(5, 0.05, 0);
    line.test(3, -0.05, 0);
    expect(line.result()).toEqual({ visible: false, blocking: [3, -0.05, 0], distance: 3 });
  });
});
