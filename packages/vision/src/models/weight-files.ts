import { basename } from 'node:path';
import { VestigeError } from '@vestige/evidence';
import type * as Tfjs from '@tensorflow/tfjs';
import { tfjs } from '../runtime/tfjs.ts';
import type { VerifiedModelFiles } from './model-files.ts';

/**
 * Decodes a tfjs weights manifest (role `manifest`) and its one weight file (role `weights`), both
 * already checked against the model manifest, into named tensors (quantised weights are expanded).
 */
export function decodeWeightFiles(files: VerifiedModelFiles): Tfjs.NamedTensorMap {
  const manifestFile = files.entry.files.manifest!;
  const groups = JSON.parse(files.bytes.get('manifest')!.toString('utf8')) as Array<{
    paths: string[];
    weights: Tfjs.io.WeightsManifestEntry[];
  }>;
  const expected = basename(files.entry.files.weights!.path);
  const named = groups.flatMap((g) => g.paths);
  if (named.length !== 1 || named[0] !== expected) {
    throw new VestigeError(
      'E_MODEL_ALTERED',
      `model ${files.entry.id}: ${manifestFile.path} names the weight files ${named.join(', ')}, not ${expected}`,
      { file: manifestFile.path },
    );
  }
  const data = files.bytes.get('weights')!;
  return tfjs().io.decodeWeights(
    data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer,
    groups.flatMap((g) => g.weights),
  );
}
