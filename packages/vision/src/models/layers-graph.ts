import type * as Tfjs from '@tensorflow/tfjs';
import { tfjs } from '../runtime/tfjs.ts';

/**
 * One layer of a Keras functional model as tfjs-layers saves it (`model.json` →
 * `modelTopology.model_config.config.layers`).
 */
export interface KerasLayer {
  readonly name: string;
  readonly class_name: string;
  readonly config: Record<string, unknown>;
  readonly inbound_nodes: ReadonlyArray<ReadonlyArray<readonly [string, number, number, unknown]>>;
}

export type Activation = 'linear' | 'relu' | 'relu6';
export type Shape = readonly [number, number, number];
export type Padding = 'valid' | 'same' | [[number, number], [number, number], [number, number], [number, number]];

export type Step =
  | {
      kind: 'conv';
      depthwise: boolean;
      filter: Tfjs.Tensor4D;
      bias: Tfjs.Tensor1D | null;
      strides: [number, number];
      pad: Padding;
      activation: Activation;
    }
  | { kind: 'pad'; padding: [[number, number], [number, number]] }
  | { kind: 'batch-norm'; scale: Tfjs.Tensor1D; offset: Tfjs.Tensor1D }
  | { kind: 'activation'; activation: Activation | 'softmax' | 'sigmoid' }
  | { kind: 'add' }
  | { kind: 'average-pool'; size: [number, number]; strides: [number, number]; pad: 'valid' | 'same' }
  | { kind: 'global-average-pool' }
  | { kind: 'flatten' }
  | {
      kind: 'dense';
      kernel: Tfjs.Tensor2D;
      bias: Tfjs.Tensor1D | null;
      activation: Activation | 'softmax' | 'sigmoid';
    };

export interface Node {
  readonly output: string;
  readonly inputs: readonly string[];
  readonly step: Step;
}

/**
 * Runs a Keras layers model (the format tfjs-layers and NSFWJS save) as a short list of fused
 * operations. Each convolution absorbs the batch normalisation and ReLU that follow it (the scale is
 * folded into the kernel, the shift into a bias) and a zero-padding layer before it, so one XNNPACK
 * call does what the layer-by-layer model does in four passes over memory. On NSFWJS MobileNetV2
 * that removes over half the work: tfjs-layers spent 533 of 1,610 ms in batch normalisation and
 * 232 ms in padding (profile of 16 images).
 *
 * Only the layer kinds such models use are accepted; anything else is `E_INPUT_UNSUPPORTED` naming
 * the layer, never a silent approximation.
 */
export class LayersGraph {
  /** Multiply-adds for one image, counted from the layer shapes. */
  readonly multiplyAdds: number;

  /** Made by `compileLayersGraph`. */
  constructor(
    private readonly input: string,
    private readonly inputShape: Shape,
    private readonly nodes: readonly Node[],
    private readonly outputs: readonly string[],
    multiplyAdds: number,
  ) {
    this.multiplyAdds = multiplyAdds;
  }

  get inputSize(): Shape {
    return this.inputShape;
  }

  /** Runs a batch `[n, h, w, c]`; returns one tensor per requested output (the caller disposes them). */
  run(batch: Tfjs.Tensor4D): Tfjs.Tensor[] {
    const tf = tfjs();
    const values = new Map<string, Tfjs.Tensor>([[this.input, batch]]);
    const uses = new Map<string, number>();
    for (const n of this.nodes) for (const i of n.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);
    for (const o of this.outputs) uses.set(o, (uses.get(o) ?? 0) + 1);
    for (const node of this.nodes) {
      const args = node.inputs.map((i) => values.get(i)!);
      values.set(node.output, apply(tf, node.step, args));
      for (const i of node.inputs) {
        const left = uses.get(i)! - 1;
        uses.set(i, left);
        // Intermediate activations of a batch run to tens of megabytes: free each as soon as its last reader has run.
        if (left === 0 && i !== this.input) values.get(i)!.dispose();
      }
    }
    return this.outputs.map((o) => values.get(o)!);
  }

  dispose(): void {
    for (const n of this.nodes) {
      const s = n.step;
      if (s.kind === 'conv') tfjs().dispose([s.filter, ...(s.bias ? [s.bias] : [])]);
      else if (s.kind === 'dense') tfjs().dispose([s.kernel, ...(s.bias ? [s.bias] : [])]);
      else if (s.kind === 'batch-norm') tfjs().dispose([s.scale, s.offset]);
    }
  }
}

function apply(tf: ReturnType<typeof tfjs>, step: Step, args: Tfjs.Tensor[]): Tfjs.Tensor {
  const x = args[0]! as Tfjs.Tensor4D;
  switch (step.kind) {
    case 'conv':
      return step.depthwise
        ? tf.fused.depthwiseConv2d({
            x,
            filter: step.filter,
            strides: step.strides,
            pad: step.pad as 'valid' | 'same',
            ...(step.bias ? { bias: step.bias } : {}),
            activation: step.activation,
          })
        : tf.fused.conv2d({
            x,
            filter: step.filter,
            strides: step.strides,
            pad: step.pad,
            ...(step.bias ? { bias: step.bias } : {}),
            activation: step.activation,
          });
    case 'pad':
      return tf.pad(x, [[0, 0], step.padding[0], step.padding[1], [0, 0]]);
    case 'batch-norm':
      return tf.tidy(() => tf.add(tf.mul(x, step.scale), step.offset));
    case 'activation':
      return activate(tf, x, step.activation);
    case 'add':
      return args.length === 2 ? tf.add(args[0]!, args[1]!) : tf.addN(args);
    case 'average-pool':
      return tf.avgPool(x, step.size, step.strides, step.pad);
    case 'global-average-pool':
      return tf.mean(x, [1, 2]);
    case 'flatten':
      return tf.reshape(x, [x.shape[0], -1]);
    case 'dense': {
      const fusable = step.activation === 'linear' || step.activation === 'relu' || step.activation === 'relu6';
      const out = tf.fused.matMul({
        a: x as unknown as Tfjs.Tensor2D,
        b: step.kernel,
        ...(step.bias ? { bias: step.bias } : {}),
        ...(fusable ? { activation: step.activation as Activation } : {}),
      });
      if (fusable) return out;
      const activated = activate(tf, out, step.activation);
      out.dispose();
      return activated;
    }
  }
}

function activate(
  tf: ReturnType<typeof tfjs>,
  x: Tfjs.Tensor,
  activation: Activation | 'softmax' | 'sigmoid',
): Tfjs.Tensor {
  switch (activation) {
    case 'linear':
      return tf.clone(x);
    case 'relu':
      return tf.relu(x);
    case 'relu6':
      return tf.relu6(x);
    case 'softmax':
      return tf.softmax(x);
    case 'sigmoid':
      return tf.sigmoid(x);
  }
}
