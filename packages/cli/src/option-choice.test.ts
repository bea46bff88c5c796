import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { hashSetFormat, perceptualHashers } from '@vestige/hashing';
import { describe, expect, it } from 'vitest';
import { optionChoice } from './option-parsers.ts';

const cli = fileURLToPath(new URL('../bin/vestige.mjs', import.meta.url));

describe('an id typed for an option that its registry does not know', () => {
  it("is a usage error naming the option, with the registry's known ids kept", () => {
    let caught: unknown;
    try {
      optionChoice('format', () => hashSetFormat('nope'));
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: 'E_USAGE', details: { known: expect.arrayContaining(['vics']) } });
    expect((caught as Error).message).toMatch(/^--format: /);
    expect(optionChoice('algorithm', () => perceptualHashers.get('pdq')).id).toBe('pdq');
  });

  it('exits 64 from the command line, as the README says usage errors do', () => {
    const r = spawnSync(process.execPath, [cli, 'phash', '--algorithm', 'nope', 'missing.png'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(64);
    expect(r.stderr).toMatch(/--algorithm: .*nope/);
  });
});
