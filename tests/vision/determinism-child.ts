// Runs face analysis and classification on the fixture photographs in this process's worker pool and
// prints boxes, scores, descriptors and class probabilities as canonical JSON.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson, sha256Hex } from '@vestige/evidence';
import { DEFAULT_FACE_THRESHOLDS, NSFW_CLASSIFIER, closeSharedVisionPool, sharedVisionPool } from '@vestige/vision';
import { readFileSync } from 'node:fs';

const dir = process.argv[2]!;
const files = readdirSync(dir)
  .filter((f) => /\.(jpg|png)$/.test(f))
  .sort();
const tasks = files.map((f) => {
  const path = join(dir, f);
  return { path, sha256: sha256Hex(readFileSync(path)), label: f };
});
const pool = sharedVisionPool();
const [faces, scores] = await Promise.all([
  pool.facesInFiles(DEFAULT_FACE_THRESHOLDS, tasks),
  pool.classifyFiles(NSFW_CLASSIFIER, tasks),
]);
const out = files.map((f, i) => {
  const fa = faces[i]!;
  const sc = scores[i]!;
  if ('error' in fa || 'error' in sc) throw new Error(`${f} failed`);
  return {
    file: f,
    faces: fa.faces.map((x) => ({
      box: x.box,
      score: x.score,
      confirmation: x.confirmation,
      landmarks: x.landmarks,
      descriptor: x.descriptor ? Array.from(x.descriptor) : null,
    })),
    probabilities: Array.from(sc.probabilities),
    embedding: Array.from(sc.embedding),
  };
});
process.stdout.write(canonicalJson(out));
await closeSharedVisionPool();
