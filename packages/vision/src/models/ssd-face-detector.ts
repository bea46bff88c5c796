import { VestigeError } from '@vestige/evidence';
import type * as Tfjs from '@tensorflow/tfjs';
import { selectBackend } from '../runtime/backend.ts';
import { tfjs } from '../runtime/tfjs.ts';
import { batchNormTerms, foldIntoConvolution } from './batch-norm.ts';
import { SSD_MOBILENET_V1_FACES } from './manifest.ts';
import { readVerifiedModelFiles } from './model-files.ts';
import type { ModelLoadReport, RgbImage, VisionModel } from './vision-model.ts';
import { decodeWeightFiles } from './weight-files.ts';

/** The network's square input: images are scaled to fit, top-left aligned, the rest black. */
export const SSD_INPUT_SIZE = 512;

/** A box in the image's own pixels (x, y of the top-left corner), with the detector's confidence. */
export interface ScoredBox {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly score: number;
}

export interface SsdInput {
  /** The image scaled into a 512×512 square, top-left aligned (see `letterbox` in image/decode). */
  readonly pixels: RgbImage;
  /** The image's own size; boxes come back in these pixels. */
  readonly width: number;
  readonly height: number;
}

interface Conv {
  filter: Tfjs.Tensor4D;
  bias: Tfjs.Tensor1D;
  strides: number;
  depthwise: boolean;
  relu6: boolean;
}

/** Strides of MobileNet v1's 13 depthwise layers. */
const DEPTHWISE_STRIDES = [1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1];
const NMS_IOU = 0.5;

/**
 * face-api's SSD MobileNet v1 face detector, run as fused convolutions: each depthwise layer's batch
 * normalisation is folded into its kernel, and bias plus ReLU6 ride along in the same XNNPACK call.
 * face-api runs them as separate operations, which took a quarter of the time (profile at 640 px:
 * 650 ms convolutions, 161 ms batch normalisation, 90 ms bias adds and clipping). The anchors
 * decoding, sigmoid and non-maximum suppression (IoU 0.5) run in plain JavaScript on the downloaded
 * outputs. Results agree with face-api's own pipeline (see tests/vision).
 */
export class SsdFaceDetector implements VisionModel<SsdInput, ScoredBox[]> {
  readonly id = SSD_MOBILENET_V1_FACES.id;
  readonly version = SSD_MOBILENET_V1_FACES.version;
  private backbone: Conv[] = [];
  private extras: Conv[] = [];
  private predictors: Array<{ box: Conv; cls: Conv }> = [];
  private anchors: Float32Array | undefined;
  private macs = 0;

  constructor(private readonly options: { minScore: number; maxResults?: number; folder?: string }) {
    if (!(options.minScore > 0 && options.minScore < 1))
      throw new VestigeError(
        'E_PARAM_INVALID',
        `a face score threshold must be between 0 and 1, not ${options.minScore}`,
      );
  }

  async load(): Promise<ModelLoadReport> {
    const backend = await selectBackend();
    if (!this.anchors) {
      this.build(
        decodeWeightFiles(
          readVerifiedModelFiles(SSD_MOBILENET_V1_FACES, this.options.folder ? { folder: this.options.folder } : {}),
        ),
      );
      // The first run sets up the backend's kernels: do it now, not on the first evidence.
      await this.run([
        {
          pixels: {
            width: SSD_INPUT_SIZE,
            height: SSD_INPUT_SIZE,
            data: new Uint8Array(SSD_INPUT_SIZE * SSD_INPUT_SIZE * 3),
          },
          width: SSD_INPUT_SIZE,
          height: SSD_INPUT_SIZE,
        },
      ]);
    }
    return { backend, multiplyAdds: this.macs };
  }

  async run(batch: readonly SsdInput[]): Promise<ScoredBox[][]> {
    if (!this.anchors) throw new Error('the SSD face detector is not loaded');
    const tf = tfjs();
    const n = batch.length;
    const side = SSD_INPUT_SIZE;
    const pixels = new Float32Array(n * side * side * 3);
    batch.forEach((input, i) => {
      if (input.pixels.width !== side || input.pixels.height !== side)
        throw new VestigeError('E_PARAM_INVALID', `the SSD face detector takes ${side}×${side} inputs`);
      const base = i * side * side * 3;
      const d = input.pixels.data;
      for (let k = 0; k < d.length; k++) pixels[base + k] = d[k]! / 127.5 - 1;
    });
    const [boxes, logits] = tf.tidy(() => {
      let x = tf.tensor4d(pixels, [n, side, side, 3]) as Tfjs.Tensor4D;
      let conv11: Tfjs.Tensor4D | undefined;
      this.backbone.forEach((conv, i) => {
        x = applyConv(tf, x, conv);
        // Layer 11's pointwise output (index 2·11) feeds the first box predictor.
        if (i === 22) conv11 = x;
      });
      const features: Tfjs.Tensor4D[] = [conv11!, x];
      let y = x;
      this.extras.forEach((conv, i) => {
        y = applyConv(tf, y, conv);
        if (i % 2 === 1) features.push(y);
      });
      const boxParts = features.map((f, i) => tf.reshape(applyConv(tf, f, this.predictors[i]!.box), [n, -1, 4]));
      const clsParts = features.map((f, i) => tf.reshape(applyConv(tf, f, this.predictors[i]!.cls), [n, -1, 3]));
      return [tf.concat(boxParts, 1), tf.concat(clsParts, 1)];
    });
    const encodings = (await boxes.data()) as Float32Array;
    const classes = (await logits.data()) as Float32Array;
    tf.dispose([boxes, logits]);
    const perImage = this.anchors.length / 4;
    return batch.map((input, i) =>
      this.decode(
        encodings.subarray(i * perImage * 4, (i + 1) * perImage * 4),
        classes.subarray(i * perImage * 3, (i + 1) * perImage * 3),
        input,
      ),
    );
  }

  dispose(): void {
    tfjs().dispose(
      [...this.backbone, ...this.extras, ...this.predictors.flatMap((p) => [p.box, p.cls])].flatMap((c) => [
        c.filter,
        c.bias,
      ]),
    );
    this.backbone = [];
    this.extras = [];
    this.predictors = [];
    this.anchors = undefined;
  }

  /**
   * Box encodings (ty, tx, th, tw; variances 10, 10, 5, 5) against the anchors, then sigmoid scores and greedy NMS, in
   * the image's pixels.
   */
  private decode(enc: Float32Array, cls: Float32Array, input: SsdInput): ScoredBox[] {
    const a = this.anchors!;
    const count = a.length / 4;
    const candidates: Array<{ i: number; score: number }> = [];
    for (let i = 0; i < count; i++) {
      const score = 1 / (1 + Math.exp(-cls[i * 3 + 1]!));
      if (score > this.options.minScore) candidates.push({ i, score });
    }
    candidates.sort((p, q) => q.score - p.score || p.i - q.i);
    // Normalised coordinates are fractions of the 512 square, whose side stands for the image's longer side.
    const long = Math.max(input.width, input.height);
    const kept: ScoredBox[] = [];
    for (const c of candidates) {
      if (kept.length >= (this.options.maxResults ?? 100)) break;
      const [ay0, ax0, ay1, ax1] = [a[c.i * 4]!, a[c.i * 4 + 1]!, a[c.i * 4 + 2]!, a[c.i * 4 + 3]!];
      const ah = ay1 - ay0;
      const aw = ax1 - ax0;
      const cy = (enc[c.i * 4]! / 10) * ah + ay0 + ah / 2;
      const cx = (enc[c.i * 4 + 1]! / 10) * aw + ax0 + aw / 2;
      const h = Math.exp(enc[c.i * 4 + 2]! / 5) * ah;
      const w = Math.exp(enc[c.i * 4 + 3]! / 5) * aw;
      const x0 = Math.max(0, (cx - w / 2) * long);
      const y0 = Math.max(0, (cy - h / 2) * long);
      const x1 = Math.min(input.width, (cx + w / 2) * long);
      const y1 = Math.min(input.height, (cy + h / 2) * long);
      if (x1 <= x0 || y1 <= y0) continue;
      const box = { x: x0, y: y0, width: x1 - x0, height: y1 - y0, score: c.score };
      if (kept.every((k) => iou(k, box) <= NMS_IOU)) kept.push(box);
    }
    return kept;
  }

  private build(weights: Tfjs.NamedTensorMap): void {
    const tf = tfjs();
    const get = (name: string) => {
      const t = weights[name];
      if (!t)
        throw new VestigeError('E_MODEL_ALTERED', `the SSD face model has no weight ${name}`, {
          file: SSD_MOBILENET_V1_FACES.files.manifest!.path,
        });
      return t;
    };
    const pointwise = (prefix: string, strides: number): Conv => {
      const filter = get(`${prefix}/weights`) as Tfjs.Tensor4D;
      return {
        filter: tf.clone(filter),
        bias: tf.clone(get(`${prefix}/convolution_bn_offset`)) as Tfjs.Tensor1D,
        strides,
        depthwise: false,
        relu6: true,
      };
    };
    const plain = (prefix: string): Conv => ({
      filter: tf.clone(get(`${prefix}/weights`)) as Tfjs.Tensor4D,
      bias: tf.clone(get(`${prefix}/biases`)) as Tfjs.Tensor1D,
      strides: 1,
      depthwise: false,
      relu6: false,
    });
    this.backbone = [pointwise('MobilenetV1/Conv2d_0_pointwise', 2)];
    DEPTHWISE_STRIDES.forEach((strides, k) => {
      const p = `MobilenetV1/Conv2d_${k + 1}_depthwise`;
      const kernel = get(`${p}/depthwise_weights`) as Tfjs.Tensor4D;
      const channels = kernel.shape[2];
      const terms = batchNormTerms(
        get(`${p}/BatchNorm/moving_mean`).dataSync(),
        get(`${p}/BatchNorm/moving_variance`).dataSync(),
        get(`${p}/BatchNorm/gamma`).dataSync(),
        get(`${p}/BatchNorm/beta`).dataSync(),
        0.0010000000474974513,
      );
      const folded = foldIntoConvolution(kernel.dataSync(), null, channels, terms);
      this.backbone.push({
        filter: tf.tensor4d(folded.kernel, kernel.shape),
        bias: tf.tensor1d(folded.bias),
        strides,
        depthwise: true,
        relu6: true,
      });
      this.backbone.push(pointwise(`MobilenetV1/Conv2d_${k + 1}_pointwise`, 1));
    });
    this.extras = Array.from({ length: 8 }, (_, k) =>
      pointwise(`Prediction/Conv2d_${k}_pointwise`, k % 2 === 1 ? 2 : 1),
    );
    this.predictors = Array.from({ length: 6 }, (_, k) => ({
      box: plain(`Prediction/BoxPredictor_${k}/BoxEncodingPredictor`),
      cls: plain(`Prediction/BoxPredictor_${k}/ClassPredictor`),
    }));
    this.anchors = Float32Array.from(get('Output/extra_dim').dataSync());
    this.macs = countMacs([...this.backbone, ...this.extras], this.predictors);
    tf.dispose(Object.values(weights));
  }
}

function applyConv(tf: ReturnType<typeof tfjs>, x: Tfjs.Tensor4D, c: Conv): Tfjs.Tensor4D {
  const args = {
    x,
    filter: c.filter,
    strides: c.strides,
    pad: 'same' as const,
    bias: c.bias,
    activation: c.relu6 ? ('relu6' as const) : ('linear' as const),
  };
  return c.depthwise ? tf.fused.depthwiseConv2d(args) : tf.fused.conv2d(args);
}

/** Multiply-adds at 512×512, walking the layer sizes ('same' padding: each stride halves the side, rounding up). */
function countMacs(chain: Conv[], predictors: Array<{ box: Conv; cls: Conv }>): number {
  let side = SSD_INPUT_SIZE;
  let macs = 0;
  const sides: number[] = [];
  chain.forEach((c, i) => {
    side = Math.ceil(side / c.strides);
    const [kh, kw, cin, cout] = c.filter.shape;
    macs += side * side * kh * kw * (c.depthwise ? cin : cin * cout);
    if (i === 22 || i === 26 || i === 28 || i === 30 || i === 32 || i === 34) sides.push(side);
  });
  predictors.forEach((p, i) => {
    for (const c of [p.box, p.cls]) macs += sides[i]! * sides[i]! * c.filter.shape[2] * c.filter.shape[3];
  });
  return macs;
}

export function iou(
  a: { x: number; y: number; width: number; height: number },
  b: { x: number; y: number; width: number; height: number },
): number {
  const ix = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const inter = ix * iy;
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}
