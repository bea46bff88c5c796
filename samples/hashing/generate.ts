/**
 * Generates the demo's sample hash sets from images the demo has just ingested, deterministically
 * (same images in, same files out). Everything is synthesised here; no third-party hashes.
 *
 * The set "Vestige sample known-image set" contains:
 *   - an exact MD5/SHA-1 entry for the first image (category 0, non-pertinent: an "ignorable" list);
 *   - only the PDQ of a re-encoded, slightly brightened copy of the second image, so the
 *     original matches perceptually but not by any cryptographic hash (category 1, UK grade C);
 *   - decoy entries that match nothing, and one malformed entry (an MD5 of the wrong length) to
 *     show that a bad entry is reported and the rest of the set still used.
 * It is written as VICS JSON and as a hash-list CSV.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  bytesToHex,
  csvFormat,
  decodeImage,
  pdqHash,
  vicsFormat,
  writeHashSetFile,
  type HashSetEntry,
} from '@vestige/hashing';

export interface SampleHashSet {
  readonly vicsPath: string;
  readonly csvPath: string;
  readonly entries: number;
  readonly exactName: string;
  readonly perceptualName: string;
}

function decoyHex(seed: string, length: number): string {
  let out = '';
  for (let i = 0; out.length < length; i++) out += createHash('sha256').update(`${seed}:${i}`).digest('hex');
  return out.slice(0, length);
}

export async function generateSampleHashSet(
  outDir: string,
  images: ReadonlyArray<{ name: string; bytes: Buffer }>,
): Promise<SampleHashSet> {
  if (images.length < 2) throw new Error('generateSampleHashSet needs at least two images');
  mkdirSync(outDir, { recursive: true });
  const [exact, perceptual] = images as [{ name: string; bytes: Buffer }, { name: string; bytes: Buffer }];
  const md5 = createHash('md5').update(exact.bytes).digest('hex');
  const sha1 = createHash('sha1').update(exact.bytes).digest('hex');

  // A copy that went through another app: brightened and recompressed as a lower-quality JPEG.
  const variant = await sharp(perceptual.bytes).modulate({ brightness: 1.06 }).jpeg({ quality: 70 }).toBuffer();
  const v = pdqHash(await decodeImage(variant, 'variant'));

  const entries: HashSetEntry[] = [
    {
      mediaId: '1',
      md5,
      sha1,
      size: exact.bytes.length,
      name: exact.name,
      vicsCategory: 0,
      series: 'sample-ignorable',
      tags: ['sample'],
    },
    {
      mediaId: '2',
      pdq: bytesToHex(v.hash),
      pdqQuality: v.quality,
      name: `${perceptual.name} (re-encoded copy)`,
      vicsCategory: 1,
      ukCategory: 'C',
      series: 'sample-series-1',
      victimIdentified: false,
      tags: ['sample'],
    },
    ...Array.from(
      { length: 6 },
      (_, i): HashSetEntry => ({
        mediaId: String(3 + i),
        md5: decoyHex(`md5-${i}`, 32),
        sha1: decoyHex(`sha1-${i}`, 40),
        pdq: decoyHex(`pdq-${i}`, 64),
        name: `decoy-${i + 1}.jpg`,
        vicsCategory: 0,
        series: 'sample-decoys',
      }),
    ),
  ];
  const vicsPath = join(outDir, 'sample-known-images.vics.json');
  const csvPath = join(outDir, 'sample-known-images.csv');
  await writeHashSetFile(csvPath, csvFormat, entries);
  // The VICS copy also carries one damaged entry, as real exchanged sets sometimes do.
  await writeHashSetFile(vicsPath, vicsFormat, [
    ...entries,
    { mediaId: '99', md5: 'deadbeef', name: 'damaged entry' } as HashSetEntry,
  ]);
  return { vicsPath, csvPath, entries: entries.length, exactName: exact.name, perceptualName: perceptual.name };
}
