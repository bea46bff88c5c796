import { runInNewContext } from 'node:vm';
import { dirname, join, relative } from 'node:path';
import { VestigeError } from '@vestige/evidence';
import type * as Tfjs from '@tensorflow/tfjs';
import { selectBackend } from '../runtime/backend.ts';
import { tfjs } from '../runtime/tfjs.ts';
import { compileLayersGraph } from './layers-compiler.ts';
import type { KerasLayer, LayersGraph } from './layers-graph.ts';
import type { ModelManifestEntry } from './manifest.ts';
import { readVerifiedModelFiles } from './model-files.ts';
import type { ModelLoadReport, RgbImage, VisionModel } from './vision-model.ts';

/**
 * How to run and read an image classifier: its files, the order of its classes, which classes
 * raise an image's review priority, and which layer is its embedding. A lab can plug in its own
 * (restricted) classifier from disk by writing one of these with a folder manifest.
 */
export interface ClassifierSpec {
  readonly model: ModelManifestEntry;
  /**
   * `tfjs-layers`: a `model.json` (role `model`) plus its weight files; `nsfwjs-bundle`: NSFWJS's JavaScript-wrapped
   * files (roles `topology`, `weights`).
   */
  readonly format: 'tfjs-layers' | 'nsfwjs-bundle';
  readonly classes: readonly string[];
  /** Classes whose probabilities add up to the review priority. */
  readonly reviewClasses: readonly string[];
  /** Pixel values are multiplied by this before the network (1/255 maps 0–255 to 0–1). */
  readonly inputScale: number;
  readonly outputLayer: string;
  readonly embeddingLayer: string;
}

export interface Classification {
  /** Probability per class, in the spec's class order. */
  readonly probabilities: Float32Array;
  readonly embedding: Float32Array;
}

/** A Keras image classifier run through the fused layers runner, returning class probabilities and an embedding. */
export class KerasClassifier implements VisionModel<RgbImage, Classification> {
  readonly id: string;
  readonly version: string;
  private graph: LayersGraph | undefined;

  constructor(
    readonly spec: ClassifierSpec,
    private readonly options: { folder?: string } = {},
  ) {
    this.id = spec.model.id;
    this.version = spec.model.version;
  }

  get inputSize(): { width: number; height: number } {
    const [h, w] = this.requireGraph().inputSize;
    return { width: w, height: h };
  }

  async load(): Promise<ModelLoadReport> {
    const backend = await selectBackend();
    if (!this.graph) {
      const files = readVerifiedModelFiles(this.spec.model, this.options);
      const { layers, weights } =
        this.spec.format === 'nsfwjs-bundle'
          ? unwrapBundle(files.bytes)
          : readLayersModel(files.folder, this.spec.model, files.bytes);
      this.graph = compileLayersGraph(
        layers,
        weights,
        [this.spec.outputLayer, this.spec.embeddingLayer],
        this.spec.model.id,
      );
      // The first run sets up the backend's kernels (seconds on a busy machine): do it now, not on the first evidence.
      const [h, w, c] = this.graph.inputSize;
      await this.run([{ width: w, height: h, data: new Uint8Array(h * w * c) }]);
    }
    return { backend, multiplyAdds: this.graph.multiplyAdds };
  }

  async run(batch: readonly RgbImage[]): Promise<Classification[]> {
    const graph = this.requireGraph();
    const [h, w, c] = graph.inputSize;
    const tf = tfjs();
    const pixels = new Float32Array(batch.length * h * w * c);
    batch.forEach((image, i) => {
      if (image.width !== w || image.height !== h || image.data.length !== h * w * c) {
        throw new VestigeError(
          'E_PARAM_INVALID',
          `model ${this.id} takes ${w}×${h} RGB images, not ${image.width}×${image.height}`,
        );
      }
      const base = i * h * w * c;
      for (let k = 0; k < image.data.length; k++) pixels[base + k] = image.data[k]! * this.spec.inputScale;
    });
    const input = tf.tensor4d(pixels, [batch.length, h, w, c]);
    const [probs, embed] = graph.run(input);
    input.dispose();
    const p = (await probs!.data()) as Float32Array;
    const e = (await embed!.data()) as Float32Array;
    tf.dispose([probs!, embed!]);
    const classes = this.spec.classes.length;
    const dims = e.length / batch.length;
    return batch.map((_, i) => ({
      probabilities: p.slice(i * classes, (i + 1) * classes),
      embedding: e.slice(i * dims, (i + 1) * dims),
    }));
  }

  dispose(): void {
    this.graph?.dispose();
    this.graph = undefined;
  }

  private requireGraph(): LayersGraph {
    if (!this.graph) throw new Error(`model ${this.id} is not loaded`);
    return this.graph;
  }
}

interface ModelJson {
  modelTopology: { model_config?: { config: { layers: KerasLayer[] } }; config?: { layers: KerasLayer[] } };
  weightsManifest: Array<{ paths: string[]; weights: Tfjs.io.WeightsManifestEntry[] }>;
}

function layersOf(json: ModelJson, label: string): KerasLayer[] {
  const layers = json.modelTopology.model_config?.config.layers ?? json.modelTopology.config?.layers;
  if (!Array.isArray(layers))
    throw new VestigeError('E_INPUT_UNSUPPORTED', `model ${label}: its topology is not a Keras functional model`, {
      file: label,
    });
  return layers;
}

/**
 * NSFWJS ships its model as browserified JavaScript modules (a topology object; the weights as one
 * base64 string). They are evaluated only after their hashes matched the manifest, in an empty
 * context with nothing but `module` to assign to, and copied out as plain data.
 */
function unwrapBundle(bytes: ReadonlyMap<string, Buffer>): { layers: KerasLayer[]; weights: Tfjs.NamedTensorMap } {
  const evaluate = (source: Buffer): unknown => {
    const module = { exports: {} as unknown };
    runInNewContext(source.toString('utf8'), { module, exports: module.exports }, { timeout: 10_000 });
    return JSON.parse(JSON.stringify(module.exports)) as unknown;
  };
  const json = evaluate(bytes.get('topology')!) as ModelJson;
  const data = Buffer.from(evaluate(bytes.get('weights')!) as string, 'base64');
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const weights = tfjs().io.decodeWeights(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength), specs);
  return { layers: layersOf(json, 'nsfwjs'), weights };
}

/** A standard tfjs-layers model: `model.json` and the weight files it lists, all of them among the verified files. */
function readLayersModel(
  folder: string,
  entry: ModelManifestEntry,
  bytes: ReadonlyMap<string, Buffer>,
): { layers: KerasLayer[]; weights: Tfjs.NamedTensorMap } {
  const modelFile = entry.files.model;
  if (!modelFile)
    throw new VestigeError(
      'E_PARAM_INVALID',
      `model ${entry.id}: a tfjs-layers manifest needs a file with the role "model" (model.json)`,
    );
  const json = JSON.parse(bytes.get('model')!.toString('utf8')) as ModelJson;
  const byPath = new Map(Object.entries(entry.files).map(([role, f]) => [f.path, bytes.get(role)!]));
  const base = dirname(join(folder, modelFile.path));
  const shards: Buffer[] = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) {
      const path = relative(folder, join(base, p));
      const shard = byPath.get(path);
      if (!shard)
        throw new VestigeError(
          'E_MODEL_MISSING',
          `model ${entry.id}: model.json names the weight file ${path}, which its manifest does not list`,
          { file: join(folder, path), hint: 'List every weight file, with its SHA-256, in the model manifest.' },
        );
      shards.push(shard);
    }
  }
  const data = Buffer.concat(shards);
  const weights = tfjs().io.decodeWeights(
    data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
    json.weightsManifest.flatMap((g) => g.weights),
  );
  return { layers: layersOf(json, entry.id), weights };
}
