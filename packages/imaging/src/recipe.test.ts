import { describe, expect, it } from 'vitest';
import { VestigeError } from '@vestige/evidence';
import { parseRecipe, runRecipe } from './recipe.ts';
import { listOperations } from './registry.ts';
import { syntheticScene } from './synthetic.ts';

function errorOf(fn: () => unknown): VestigeError {
  try {
    fn();
  } catch (err) {
    if (err instanceof VestigeError) return err;
    throw err;
  }
  throw new Error('expected an error');
}

describe('recipes', () => {
  it('validates steps and fills defaults', () => {
    const r = parseRecipe({ name: 'plate', steps: [{ op: 'levels', params: { black: 10 } }, { op: 'clahe' }] });
    expect(r.steps.map((s) => s.op.id)).toEqual(['levels', 'clahe']);
    expect(r.steps[0]!.params).toMatchObject({ black: 10, white: 255, gamma: 1, channel: 'all' });
    expect(r.output.bitDepth).toBe(8);
    expect(parseRecipe([{ op: 'invert' }]).steps).toHaveLength(1);
  });

  it('names the step of an unknown operation', () => {
    const e = errorOf(() => parseRecipe({ steps: [{ op: 'levels' }, { op: 'sharpen-magic', params: {} }] }));
    expect(e.code).toBe('E_RECIPE_INVALID');
    expect(e.message).toMatch(/step 2: unknown operation "sharpen-magic"/);
    expect(e.hint).toMatch(/clahe/);
  });

  it('lists every problem of a step, each with its parameter, not only the first', () => {
    const e = errorOf(() => parseRecipe({ steps: [{ op: 'levels', params: { gamma: 50, channel: 'ultraviolet' } }] }));
    expect(e.code).toBe('E_RECIPE_INVALID');
    expect(e.message).toMatch(/^step 1 \(levels\): channel: .+; gamma: Too big/);
    expect(e.hint).toBe('Fix "channel", "gamma" of step 1.');
    expect((e.details as { issues: unknown[] }).issues).toHaveLength(2);
  });

  it('lists every problem of the recipe itself, naming the step only when they share one', () => {
    const both = errorOf(() => parseRecipe({ steps: [{ params: {} }, { op: 7 }] }));
    expect(both.code).toBe('E_RECIPE_INVALID');
    expect(both.message).toMatch(/^steps\.0\.op: .+; steps\.1\.op: /);
    const one = errorOf(() => parseRecipe({ steps: [{ op: 'levels' }, { op: 7, note: 3 }] }));
    expect(one.message).toMatch(/^step 2: steps\.1\.op: .+; steps\.1\.note: /);
  });

  it('names the step and parameter that is out of range', () => {
    const e = errorOf(() =>
      parseRecipe({
        steps: [
          { op: 'crop', params: { left: 0, top: 0, width: 5, height: 5 } },
          { op: 'levels', params: { gamma: 50 } },
        ],
      }),
    );
    expect(e.code).toBe('E_RECIPE_INVALID');
    expect(e.message).toMatch(/^step 2 \(levels\): gamma:/);
    expect(
      errorOf(() => parseRecipe({ steps: [{ op: 'levels', params: { black: 200, white: 100 } }] })).message,
    ).toMatch(/white must be greater/);
    expect(errorOf(() => parseRecipe({ steps: [{ op: 'median', params: { size: 4 } }] })).message).toMatch(/odd/);
    expect(errorOf(() => parseRecipe({ steps: [{ op: 'invert', params: { strength: 2 } }] })).message).toMatch(
      /step 1 \(invert\)/,
    );
    expect(errorOf(() => parseRecipe({ steps: [] })).code).toBe('E_RECIPE_INVALID');
    // Corners given in the wrong order (a "bow-tie") are caught before anything runs.
    const bowTie = {
      points: [
        [0, 0],
        [100, 0],
        [0, 50],
        [100, 50],
      ],
      widthMm: 10,
      heightMm: 5,
      pxPerMm: 1,
    };
    expect(errorOf(() => parseRecipe([{ op: 'perspective', params: bowTie }])).message).toMatch(
      /step 1 \(perspective\): points: the four points must be the corners in order/,
    );
    expect(errorOf(() => parseRecipe({ steps: [{ op: 'levels' }], extra: 1 })).code).toBe('E_RECIPE_INVALID');
  });

  it('keeps annotation after enhancement and frame-average first', () => {
    const marks = { marks: [{ type: 'text', at: [5, 20], text: 'A' }] };
    expect(
      errorOf(() => parseRecipe({ steps: [{ op: 'annotate', params: marks }, { op: 'levels' }] })).message,
    ).toMatch(/after an annotation step/);
    expect(errorOf(() => parseRecipe({ steps: [{ op: 'levels' }, { op: 'frame-average' }] })).message).toMatch(
      /must be the first step/,
    );
  });

  it('reports a parameter that does not fit the image with its step number', async () => {
    const r = parseRecipe({
      steps: [{ op: 'invert' }, { op: 'crop', params: { left: 50, top: 0, width: 100, height: 10 } }],
    });
    await expect(runRecipe([syntheticScene(64, 48)], r)).rejects.toThrow(/step 2 \(crop\)/);
  });

  it('every operation documents itself', () => {
    for (const op of listOperations()) {
      expect(op.reference.length).toBeGreaterThan(10);
      expect(op.version).toMatch(/^\d+$/);
      expect(op.title.length).toBeGreaterThan(5);
    }
  });
});
