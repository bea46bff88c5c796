import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { VestigeError, isVestigeError } from '@vestige/evidence/errors';
import type { VideoHash } from '@vestige/hashing';
import { ExitCode, type CliCommand } from '../command.ts';
import { optionChoice } from '../option-parsers.ts';
import { caseOption, operatorOption, requireOperator, withCase } from '../case-options.ts';
import { ProgressBar } from '../progress.ts';
import { shown } from '../terminal-text.ts';

export const command: CliCommand = {
  name: 'phash',
  summary: 'Perceptual hashes (PDQ, pHash, dHash) of image files, or of every image in a case',
  usage: `vestige phash FILE… [--algorithm pdq,phash,dhash] [--dihedral] [--full-resolution] [--json]
vestige phash --video FILE [FILE2] [--fps 1] [--json]
vestige phash --case DIR --operator NAME [--force] [--json]

Files: prints one line per file and algorithm: HASH  QUALITY  ALGORITHM  FILE.
  PDQ is bit-identical to Meta's reference pdq-photo-hasher for the same decoded pixels (including its
  shrink of images over 512 px to 512×512; --full-resolution hashes every pixel instead). Images are
  decoded without EXIF rotation or colour management, as the reference does. --dihedral adds the 8
  rotation/flip variants of PDQ in the reference's order.
  pHash and dHash (64 bits, imagehash-style) are weaker and provided for exchange with tools that use them.
Video: PDQ of frames sampled at --fps (default 1 per second), consecutive near-identical frames
  collapsed into one segment with its time span (vPDQ-style). With two files, also reports which
  time ranges of the first appear in the second (PDQ distance ≤ 31, quality ≥ 50).
Case: hashes every still image (and every video, vPDQ-style) not yet hashed and stores the hashes as item annotations
  (hashing.pdq, hashing.phash, hashing.dhash), one custody event each. Undecodable images are listed
  and skipped (exit 2); the rest are hashed.`,
  options: {
    ...caseOption,
    ...operatorOption,
    algorithm: { type: 'string', short: 'a' },
    dihedral: { type: 'boolean' },
    'full-resolution': { type: 'boolean' },
    force: { type: 'boolean' },
    video: { type: 'boolean' },
    fps: { type: 'string' },
  },
  allowPositionals: true,
  async run({ values, positionals }, out) {
    if (typeof values.case === 'string') {
      const operator = requireOperator(values);
      const { hashCaseImages, hashCaseVideos } = await import('@vestige/hashing');
      return withCase(values, {}, async (store) => {
        const bar = new ProgressBar(out.interactive, 'hash');
        const report = await hashCaseImages(store, {
          operator,
          force: values.force === true,
          onProgress: (d, t) => bar.update(d, t),
        });
        bar.finish();
        const videos = await hashCaseVideos(store, { operator, force: values.force === true });
        for (const f of [...report.failed, ...videos.failed])
          out.stderr(`skipped ${f.itemId} ${shown(f.name)}: ${f.code} ${shown(f.message)}`);
        if (out.json) out.stdout(JSON.stringify({ ...report, videos }));
        else {
          out.stdout(
            `${report.images} images: ${report.hashed} hashed, ${report.alreadyHashed} already hashed, ${report.failed.length} could not be decoded`,
          );
          out.stdout(
            `${videos.images} videos: ${videos.hashed} hashed, ${videos.alreadyHashed} already hashed, ${videos.failed.length} could not be decoded`,
          );
        }
        return report.failed.length || videos.failed.length ? ExitCode.partial : ExitCode.ok;
      });
    }
    if (positionals.length === 0) {
      out.stderr(this.usage);
      return ExitCode.usage;
    }
    const {
      PDQ_DIHEDRAL_ORDER,
      bytesToHex,
      decodeImage,
      hashVideo,
      matchVideos,
      pdqDihedralHashes,
      pdqHash,
      perceptualHashers,
    } = await import('@vestige/hashing');
    if (values.video) {
      if (positionals.length > 2) throw new VestigeError('E_USAGE', '--video takes one file, or two to compare');
      const fps = values.fps === undefined ? 1 : Number(values.fps);
      const hashes: VideoHash[] = [];
      for (const f of positionals) hashes.push(await hashVideo(existingFile(f), { fps, label: f }));
      const comparison = hashes.length === 2 ? matchVideos(hashes[0]!, hashes[1]!) : undefined;
      if (out.json)
        out.stdout(
          JSON.stringify({
            videos: positionals.map((file, i) => ({ file, ...hashes[i]! })),
            ...(comparison ? { comparison } : {}),
          }),
        );
      else {
        positionals.forEach((file, i) => {
          const h = hashes[i]!;
          out.stdout(`${shown(file)}: ${h.sampledFrames} frames sampled at ${h.fps}/s → ${h.segments.length} segments`);
          for (const s of h.segments)
            out.stdout(
              `  ${s.hex}  ${String(s.quality).padStart(3)}  ${s.start.toFixed(2)}–${s.end.toFixed(2)} s (${s.frames} frames)`,
            );
        });
        if (comparison) {
          out.stdout(
            `match: ${(comparison.aMatchedFraction * 100).toFixed(0)}% of the first and ${(comparison.bMatchedFraction * 100).toFixed(0)}% of the second are shared`,
          );
          for (const r of comparison.ranges)
            out.stdout(
              `  ${r.a[0].toFixed(2)}–${r.a[1].toFixed(2)} s  ↔  ${r.b[0].toFixed(2)}–${r.b[1].toFixed(2)} s  (PDQ distance ${r.distance})`,
            );
        }
      }
      return ExitCode.ok;
    }
    const algorithms =
      typeof values.algorithm === 'string' ? values.algorithm.split(',').map((a) => a.trim().toLowerCase()) : ['pdq'];
    // An unknown one is a usage error naming the known ones, before any file is read.
    for (const a of algorithms) optionChoice('algorithm', () => perceptualHashers.get(a));
    const results: unknown[] = [];
    let failed = 0;
    for (const file of positionals) {
      try {
        const pixels = await decodeImage(existingFile(file), file);
        const row: Record<string, unknown> = { file, width: pixels.width, height: pixels.height };
        for (const a of algorithms) {
          if (a === 'pdq') {
            const r = pdqHash(pixels, { referencePreResize: values['full-resolution'] !== true });
            row.pdq = { hex: bytesToHex(r.hash), quality: r.quality };
            if (!out.json) out.stdout(`${bytesToHex(r.hash)}  ${String(r.quality).padStart(3)}  pdq    ${shown(file)}`);
            if (values.dihedral) {
              const d = pdqDihedralHashes(pixels, { referencePreResize: values['full-resolution'] !== true });
              row.pdqDihedral = Object.fromEntries(PDQ_DIHEDRAL_ORDER.map((n) => [n, bytesToHex(d[n])]));
              if (!out.json)
                for (const n of PDQ_DIHEDRAL_ORDER.slice(1))
                  out.stdout(
                    `${bytesToHex(d[n])}  ${String(d.quality).padStart(3)}  pdq:${n.padEnd(10)} ${shown(file)}`,
                  );
            }
          } else {
            const h = perceptualHashers.get(a).hash(pixels);
            row[a] = { hex: bytesToHex(h.bits) };
            if (!out.json) out.stdout(`${bytesToHex(h.bits)}    -  ${a.padEnd(6)} ${shown(file)}`);
          }
        }
        results.push(row);
      } catch (err) {
        if (!isVestigeError(err)) throw err;
        failed++;
        out.stderr(`skipped ${shown(file)}: ${err.code} ${shown(err.message)}`);
        results.push({ file, error: err.toJSON() });
      }
    }
    if (out.json) out.stdout(JSON.stringify(results));
    return failed === positionals.length ? ExitCode.failed : failed ? ExitCode.partial : ExitCode.ok;
  },
};

/** A path named on the command line that is not there is "not found", never "cannot be decoded". */
function existingFile(file: string): string {
  const path = resolve(file);
  if (!existsSync(path))
    throw new VestigeError('E_INPUT_NOT_FOUND', `${file} does not exist`, { file, hint: 'Check the path.' });
  return path;
}
