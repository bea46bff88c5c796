import { describe, expect, it } from 'vitest';
import { parseVideoRecipe } from './enhance-video.ts';

describe('video recipe problems', () => {
  it('lists every problem of a step, each with its parameter, not only the first', async () => {
    await expect(
      parseVideoRecipe({ steps: [{ op: 'denoise', params: { method: 'smear', strength: 99 } }] }),
    ).rejects.toThrow(
      expect.objectContaining({
        code: 'E_RECIPE_INVALID',
        message: expect.stringMatching(/^step 1 \(denoise\): method: .+; strength: /),
      }),
    );
  });

  it('lists every problem of the recipe itself with its path', async () => {
    await expect(parseVideoRecipe({ steps: [{ op: '' }], output: { format: 'gif' } })).rejects.toThrow(
      expect.objectContaining({
        code: 'E_RECIPE_INVALID',
        message: expect.stringMatching(/^steps\.0\.op: .+; output\.format: /),
      }),
    );
  });
});
