import sharp from 'sharp';
import { serveRequests } from '@vestige/evidence/worker-thread';
import { bytesToHex } from '../hex.ts';
import { decodeImage } from '../image/decode.ts';
import { pdqHash } from '../perceptual/pdq-hasher.ts';
import { PdqIndex } from '../match/pdq-index.ts';
import { SweepIndex } from '../match/sweep-index.ts';
import type { HashingRequest, HashingResult } from './protocol.ts';

// One libvips thread per worker: the pool, not libvips, decides how many cores are busy.
sharp.concurrency(1);

let index: PdqIndex | undefined;

serveRequests<HashingRequest, HashingResult>(
  async (request) => {
    if (request.type === 'hash-file') {
      const pixels = await decodeImage(request.path);
      const r = pdqHash(pixels);
      return { hex: bytesToHex(r.hash), quality: r.quality, width: pixels.width, height: pixels.height };
    }
    if (request.type === 'load-index') {
      index = PdqIndex.fromParts(request.parts);
      // Compile the joins before the first real search (see warmUp): part of starting the pool.
      if (index.layout === 'sweep') SweepIndex.warmUp();
      return index.size;
    }
    if (!index) throw new Error('no index loaded in this worker');
    const found = index.searchMany(request.queries, request.from, request.to, request.radius, request.share);
    return { ...found, peakWorkingBytes: index.peakWorkingBytes() };
  },
  // Search answers are moved, not copied: at 100,000 clustered queries they are megabytes.
  (result) =>
    typeof result === 'object' && 'hits' in result
      ? [result.counts.buffer as ArrayBuffer, result.hits.buffer as ArrayBuffer]
      : [],
);
