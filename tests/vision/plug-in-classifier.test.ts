/**
 * A lab's own classifier, plugged in from disk through the same contract: pinned by hash, run by the same fused runner.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  KerasClassifier,
  loadClassifierSpec,
  selectBackend,
  tfjs,
  type ClassifierSpec,
  type Tfjs,
} from '@vestige/vision';
import { makeTempDir } from '../support.ts';

const tmp = makeTempDir('vestige-plugin-');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const tf = tfjs();
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * A small Keras-style network (padding, convolution, batch normalisation, ReLU6, pooling, dense) with seeded weights,
 * saved as tfjs-layers files.
 */
async function saveModel(folder: string): Promise<Tfjs.LayersModel> {
  const input = tf.input({ shape: [32, 32, 3], name: 'pixels' });
  let x = tf.layers
    .zeroPadding2d({
      padding: [
        [0, 1],
        [0, 1],
      ],
      name: 'pad',
    })
    .apply(input) as Tfjs.SymbolicTensor;
  x = tf.layers
    .conv2d({
      filters: 8,
      kernelSize: 3,
      strides: 2,
      useBias: false,
      name: 'conv',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }),
    })
    .apply(x) as Tfjs.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'bn' }).apply(x) as Tfjs.SymbolicTensor;
  x = tf.layers.reLU({ maxValue: 6, name: 'relu' }).apply(x) as Tfjs.SymbolicTensor;
  x = tf.layers
    .depthwiseConv2d({
      kernelSize: 3,
      padding: 'same',
      useBias: false,
      name: 'dw',
      depthwiseInitializer: tf.initializers.glorotUniform({ seed: 8 }),
    })
    .apply(x) as Tfjs.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'dw_bn' }).apply(x) as Tfjs.SymbolicTensor;
  x = tf.layers.reLU({ maxValue: 6, name: 'dw_relu' }).apply(x) as Tfjs.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as Tfjs.SymbolicTensor;
  const out = tf.layers
    .dense({
      units: 3,
      activation: 'softmax',
      name: 'classes',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 9 }),
    })
    .apply(pooled) as Tfjs.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  // Batch-normalisation statistics that are not the identity, so folding them is really tested.
  for (const name of ['bn', 'dw_bn']) {
    const layer = model.getLayer(name);
    layer.setWeights(
      layer
        .getWeights()
        .map((w, i) => tf.add(w, tf.mul(tf.randomUniform(w.shape, 0.1, 0.9, 'float32', 3 + i), i === 3 ? 1 : 0.5))),
    );
  }
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      fs.writeFileSync(
        join(folder, 'model.json'),
        JSON.stringify({
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
        }),
      );
      fs.writeFileSync(join(folder, 'weights.bin'), Buffer.from(artifacts.weightData as ArrayBuffer));
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    }),
  );
  return model;
}

describe('a classifier plugged in from disk', () => {
  it('loads from a spec file naming its folder and file hashes, and scores like tfjs-layers itself (BN folded, padding fused)', async () => {
    await selectBackend();
    const folder = join(tmp, 'lab-model');
    fs.mkdirSync(folder);
    const reference = await saveModel(folder);
    const file = (name: string) => ({
      path: name,
      sha256: sha256(fs.readFileSync(join(folder, name))),
      size: fs.statSync(join(folder, name)).size,
    });
    const spec: ClassifierSpec = {
      model: {
        id: 'lab-test-classifier',
        version: '1',
        location: { folder },
        files: { model: file('model.json'), weights: file('weights.bin') },
        licence: 'proprietary',
        source: 'test',
        description: 'A test classifier.',
      },
      format: 'tfjs-layers',
      classes: ['a', 'b', 'c'],
      reviewClasses: ['c'],
      inputScale: 1 / 255,
      outputLayer: 'classes',
      embeddingLayer: 'pool',
    };
    const specPath = join(tmp, 'spec.json');
    fs.writeFileSync(specPath, JSON.stringify(spec));
    const classifier = new KerasClassifier(loadClassifierSpec(specPath));
    const loaded = await classifier.load();
    expect(classifier.inputSize).toEqual({ width: 32, height: 32 });
    expect(loaded.multiplyAdds).toBe(16 * 16 * 9 * 3 * 8 + 16 * 16 * 9 * 8 + 8 * 3);
    const images = [1, 2].map((seed) => ({
      width: 32,
      height: 32,
      data: Uint8Array.from({ length: 32 * 32 * 3 }, (_, i) => (i * 37 * seed + seed * 11) % 256),
    }));
    const ours = await classifier.run(images);
    const x = tf.tensor4d(
      Float32Array.from(
        images.flatMap((i) => [...i.data]),
        (v) => v / 255,
      ),
      [2, 32, 32, 3],
    );
    const expected = (reference.predict(x) as Tfjs.Tensor).arraySync() as number[][];
    ours.forEach((r, i) => r.probabilities.forEach((p, k) => expect(p).toBeCloseTo(expected[i]![k]!, 5)));
    expect(ours[0]!.embedding).toHaveLength(8);
    // A changed weight file is refused before anything runs.
    fs.appendFileSync(join(folder, 'weights.bin'), Buffer.from([0]));
    await expect(new KerasClassifier(spec).load()).rejects.toMatchObject({
      code: 'E_MODEL_ALTERED',
      file: join(folder, 'weights.bin'),
    });
  });
});
