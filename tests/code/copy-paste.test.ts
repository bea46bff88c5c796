/**
 * No copy-pasted block over 10 lines outside tests (docs/DESIGN.md §6), found by jscpd over the
 * sources of the packages, apps, scripts and samples. KNOWN lists the pairs found when this check came
 * in that belong to work under way elsewhere; each must stay real, so a fixed one is removed here.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const KNOWN = new Set<string>([]);

interface JscpdReport {
  duplicates: Array<{
    lines: number;
    firstFile: { name: string; start: number };
    secondFile: { name: string; start: number };
  }>;
}

describe('copy-paste check (jscpd)', () => {
  it('finds no duplicated block over 10 lines outside tests, but the known pairs it lists', () => {
    const out = fs.mkdtempSync(join(tmpdir(), 'vestige-jscpd-'));
    try {
      const bin = join(root, 'node_modules', 'jscpd', 'bin', 'jscpd');
      const r = spawnSync(
        process.execPath,
        [
          bin,
          '--min-lines',
          '11',
          '--format',
          'typescript,javascript',
          '--ignore',
          '**/node_modules/**,**/dist/**,**/*.test.ts,**/*.e2e.test.ts,**/generated/**',
          '--reporters',
          'json',
          '--output',
          out,
          '--silent',
          'packages',
          'apps',
          'scripts',
          'samples',
        ],
        { cwd: root, encoding: 'utf8' },
      );
      expect(r.status, r.stderr).toBe(0);
      const report = JSON.parse(fs.readFileSync(join(out, 'jscpd-report.json'), 'utf8')) as JscpdReport;
      const pairs = report.duplicates.map((d) => [d.firstFile.name, d.secondFile.name].sort().join(' ~ '));
      expect(pairs.filter((p) => !KNOWN.has(p))).toEqual([]);
      expect([...KNOWN].filter((k) => !pairs.includes(k))).toEqual([]);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 600_000);
});
