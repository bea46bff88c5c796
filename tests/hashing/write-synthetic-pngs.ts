/**
 * Writes the synthetic PDQ cases as lossless PNGs so the reference `pdq-photo-hasher` can hash them:
 *   npx tsx tests/hashing/write-synthetic-pngs.ts OUTDIR
 *   pdq-photo-hasher OUTDIR/*.png ; pdq-photo-hasher --pdqdih-across OUTDIR/*.png
 * The results were stored in tests/fixtures/pdq/synthetic-expected.tsv. Not part of the test run.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { syntheticCases } from './pdq-synthetic.ts';

const out = process.argv[2];
if (!out) throw new Error('usage: write-synthetic-pngs.ts OUTDIR');
mkdirSync(out, { recursive: true });
for (const c of syntheticCases) {
  const p = c.pixels();
  await sharp(Buffer.from(p.data), { raw: { width: p.width, height: p.height, channels: p.channels } })
    .png({ compressionLevel: 6 })
    .toFile(join(out, `${c.name}.png`));
  console.log(c.name);
}
