import { describe, expect, it } from 'vitest';
import { parseUkCategory, ukToVics, vicsToUk } from './categories.ts';

describe('UK and VICS categories', () => {
  it('parses the spellings found in exports', () => {
    expect(['A', 'cat b', 'Category C', ' c ', 'not indecent', 'N', 'NI'].map(parseUkCategory)).toEqual([
      'A',
      'B',
      'C',
      'C',
      'N',
      'N',
      'N',
    ]);
    expect(parseUkCategory('D')).toBeUndefined();
    expect(parseUkCategory('')).toBeUndefined();
  });
  it('maps A/B/C to VICS 1 (CAM) and not indecent to 0; back only where certain', () => {
    expect(['A', 'B', 'C', 'N'].map((c) => ukToVics(c as 'A'))).toEqual([1, 1, 1, 0]);
    expect(vicsToUk(0)).toBe('N');
    expect(vicsToUk(1)).toBeUndefined();
  });
});
