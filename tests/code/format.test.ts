/**
 * The house format (docs/DESIGN.md §6, rules in scripts/check-format.mjs): every source as Biome writes it
 * at the width biome.json sets, and no line over that width but literal content or a URL in a comment.
 *
 * WHOLE_TREE_FORMATTED stays false until the one commit that formats the whole tree (scripts/format-tree.sh,
 * run after a merge round so that no branch in flight conflicts with it); until then the width rule covers
 * the files already formatted, so both checks hold on every branch.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formattedSources, unformatted, WIDTH, wideLines, widthOffenders } from '../../scripts/check-format.mjs';

const WHOLE_TREE_FORMATTED = true;

describe(`the house format (Biome, ${WIDTH} columns)`, () => {
  const files = formattedSources();

  it('biome.json sets a width a reader takes in at a glance (120–140 columns) over every source', () => {
    expect(WIDTH).toBeGreaterThanOrEqual(120);
    expect(WIDTH).toBeLessThanOrEqual(140);
    expect(files).toContain('packages/evidence/src/ingest.ts');
    expect(files).toContain('apps/viewer/src/viewer.ts');
    expect(files.filter((f) => f.includes('node_modules/') || f.includes('/dist/'))).toEqual([]);
  });

  it.runIf(WHOLE_TREE_FORMATTED)(
    'every source is as the formatter writes it (`pnpm format` fixes the listed files)',
    () => {
      expect(unformatted(files)).toEqual([]);
    },
    300_000,
  );

  it('no line of a formatted source is over the width, but literal content or a URL (the formatter cannot break them)', () => {
    const notFormatted = new Set(WHOLE_TREE_FORMATTED ? [] : unformatted(files));
    const checked = files.filter((f) => !notFormatted.has(f));
    expect(checked.length).toBeGreaterThan(0);
    const failing = widthOffenders(wideLines(checked)).map(
      (w) => `${w.file}:${w.line} (${w.width} columns): ${w.rule}`,
    );
    expect(failing).toEqual([]);
  }, 300_000);

  it('the width rule tells literal content and URLs from code and comment prose', () => {
    const dir = fs.mkdtempSync(join(import.meta.dirname, '.width-'));
    try {
      const long = 'x'.repeat(WIDTH);
      const sample = [
        `const a = '${long}';`,
        `const b = \`${long} \${a}\`;`,
        `const c = /${long}/;`,
        `// see https://example.org/${long}`,
        `const d = 1; // ${long}`,
        `const ${long} = 2;`,
        `const e = '//'; const f = ${long.length};`,
        `/* ${long} */ const g = 3;`,
      ].join('\n');
      fs.writeFileSync(join(dir, 'sample.ts'), sample);
      const found = wideLines([`tests/code/${dir.split('/').at(-1)}/sample.ts`]);
      expect(found.map((w) => [w.line, w.rule])).toEqual([
        [1, 'literal content'],
        [2, 'literal content'],
        [3, 'literal content'],
        [4, 'URL in a comment'],
        [5, 'comment prose over the width'],
        [6, 'code over the width'],
        [8, 'comment prose over the width'],
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
