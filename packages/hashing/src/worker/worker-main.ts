import { parentPort } from 'node:worker_threads';
import sharp from 'sharp';
import { isVestigeError } from '@vestige/evidence';
import { bytesToHex } from '../hex.ts';
import { decodeImage } from '../image/decode.ts';
import { pdqHash } from '../perceptual/pdq-hasher.ts';
import { PdqIndex, type PdqIndexParts } from '../match/pdq-index.ts';
import type { WorkerRequest, WorkerResponse } from './protocol.ts';

// One libvips thread per worker: the pool, not libvips, decides how many cores are busy.
sharp.concurrency(1);

let index: PdqIndex | undefined;

parentPort!.on('message', async (msg: WorkerRequest) => {
  let reply: WorkerResponse;
  try {
    if (msg.type === 'hash-file') {
      const pixels = await decodeImage(msg.path);
      const r = pdqHash(pixels);
      reply = { id: msg.id, ok: true, value: { hex: bytesToHex(r.hash), quality: r.quality, width: pixels.width, height: pixels.height } };
    } else if (msg.type === 'load-index') {
      index = PdqIndex.fromParts(msg.parts);
      reply = { id: msg.id, ok: true, value: index.size };
    } else {
      if (!index) throw new Error('no index loaded in this worker');
      // Results come back flat: for each query its hit count, then (index, distance) pairs.
      reply = { id: msg.id, ok: true, value: index.searchMany(msg.queries, msg.from, msg.to, msg.radius) };
    }
  } catch (err) {
    reply = { id: msg.id, ok: false, error: { code: isVestigeError(err) ? err.code : 'E_WORKER', message: (err as Error).message } };
  }
  parentPort!.postMessage(reply);
});
