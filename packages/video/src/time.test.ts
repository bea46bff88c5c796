import { describe, expect, it } from 'vitest';
import { formatClock, parseTimeRational, ptsToRational, rationalToString, ticksCeil, ticksFloor } from './time.ts';

describe('exact time', () => {
  it('parses what people type into exact fractions of a second', () => {
    expect(parseTimeRational('0.04')).toEqual({ num: 1, den: 25 });
    expect(parseTimeRational('1/25')).toEqual({ num: 1, den: 25 });
    expect(parseTimeRational('00:01:02.5')).toEqual({ num: 125, den: 2 });
    expect(parseTimeRational('1:02.040')).toEqual({ num: 1551, den: 25 });
    expect(parseTimeRational('12s')).toEqual({ num: 12, den: 1 });
    expect(parseTimeRational('soon')).toBeNull();
  });

  it('turns bounds into whole ticks without floating-point slips', () => {
    const tb = [1, 12800] as const;
    expect(ticksCeil(parseTimeRational('0.04')!, tb)).toBe(512);
    expect(ticksFloor(parseTimeRational('0.04')!, tb)).toBe(512);
    expect(ticksCeil(parseTimeRational('0.041')!, tb)).toBe(525);
    expect(ticksFloor(parseTimeRational('0.041')!, tb)).toBe(524);
    expect(ticksFloor(parseTimeRational('1/3')!, [1, 90000])).toBe(30000);
  });

  it('prints PTS as reduced fractions and clocks', () => {
    expect(rationalToString(ptsToRational(3003, [1, 90000]))).toBe('1001/30000');
    expect(formatClock(83.04)).toBe('00:01:23.040');
  });
});
