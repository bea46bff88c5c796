/** Same inputs, same models, same backend: the same bytes, whichever process and however many workers. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support.ts';
import { visionFixtures } from './fixtures.ts';

const run = promisify(execFile);

async function analyse(workers: number): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'tests', 'vision', 'determinism-child.ts'), visionFixtures],
    {
      cwd: repoRoot,
      env: { ...process.env, VESTIGE_VISION_WORKERS: String(workers) },
      maxBuffer: 64 << 20,
    },
  );
  return stdout;
}

describe('determinism', () => {
  it('gives byte-identical JSON of boxes, scores, landmarks, descriptors and embeddings in two processes (one worker and two)', async () => {
    const one = await analyse(1);
    const two = await analyse(2);
    expect(one.length).toBeGreaterThan(10_000);
    expect(two).toBe(one);
    const parsed = JSON.parse(one) as Array<{ file: string; faces: Array<{ descriptor: number[] | null }> }>;
    expect(parsed.map((p) => p.file)).toEqual([
      'astronaut.jpg',
      'camera.jpg',
      'chelsea.jpg',
      'coffee.jpg',
      'grace_hopper.jpg',
    ]);
    expect(parsed.find((p) => p.file === 'astronaut.jpg')!.faces[0]!.descriptor).toHaveLength(128);
  }, 600_000);
});
