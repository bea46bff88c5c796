import { VestigeError } from '@vestige/evidence';
import type * as Tfjs from '@tensorflow/tfjs';
import { tfjs } from '../runtime/tfjs.ts';
import { batchNormTerms, foldIntoConvolution } from './batch-norm.ts';
import {
  LayersGraph,
  type Activation,
  type KerasLayer,
  type Node,
  type Padding,
  type Shape,
  type Step,
} from './layers-graph.ts';

/**
 * Compiles a Keras layers model into a `LayersGraph` of fused steps that computes the named layers'
 * outputs. The decoded weights are consumed (folded copies are kept, the originals disposed).
 */
export function compileLayersGraph(
  layers: readonly KerasLayer[],
  weights: Tfjs.NamedTensorMap,
  outputs: readonly string[],
  label: string,
): LayersGraph {
  return new LayersCompiler(layers, weights, label).compile(outputs);
}

/**
 * Turns the layer list into fused steps, inferring shapes (for padding decisions and the multiply-add count) as it
 * goes.
 */
class LayersCompiler {
  private readonly byName = new Map<string, KerasLayer>();
  private readonly consumers = new Map<string, string[]>();
  private readonly shapes = new Map<string, Shape>();
  /** Layer name → the node output that now stands for it (absorbed and identity layers). */
  private readonly alias = new Map<string, string>();
  private readonly absorbed = new Set<string>();
  /** Zero padding a convolution takes over from the ZeroPadding2D layer before it. */
  private readonly pendingPad = new Map<string, [[number, number], [number, number]]>();
  private readonly nodes: Node[] = [];
  private multiplyAdds = 0;

  constructor(
    private readonly layers: readonly KerasLayer[],
    private readonly weights: Tfjs.NamedTensorMap,
    private readonly label: string,
  ) {
    for (const l of layers) {
      this.byName.set(l.name, l);
      for (const i of inboundNames(l)) this.consumers.set(i, [...(this.consumers.get(i) ?? []), l.name]);
    }
  }

  compile(outputs: readonly string[]): LayersGraph {
    const inputLayer = this.layers.find((l) => l.class_name === 'InputLayer');
    const declared = inputLayer?.config.batch_input_shape as Array<number | null> | undefined;
    if (!inputLayer || !declared || declared.length !== 4 || declared.slice(1).some((d) => typeof d !== 'number')) {
      throw this.unsupported('its input is not a fixed-size image batch [n, h, w, c]');
    }
    const inputShape = declared.slice(1) as unknown as Shape;
    this.shapes.set(inputLayer.name, inputShape);
    for (const layer of this.layers) {
      if (layer === inputLayer || this.absorbed.has(layer.name)) continue;
      this.compileLayer(layer);
    }
    const resolved = outputs.map((o) => {
      if (!this.byName.has(o)) throw this.unsupported(`it has no layer named ${o}`);
      return this.resolve(o);
    });
    const graph = new LayersGraph(inputLayer.name, inputShape, this.nodes, resolved, this.multiplyAdds);
    // Weights that were folded were copied; the decoded originals are no longer needed.
    tfjs().dispose(Object.values(this.weights));
    return graph;
  }

  private resolve(name: string): string {
    let n = name;
    while (this.alias.has(n)) n = this.alias.get(n)!;
    return n;
  }

  private soleConsumer(name: string, className: string): KerasLayer | undefined {
    const c = this.consumers.get(name) ?? [];
    const layer = c.length === 1 ? this.byName.get(c[0]!) : undefined;
    return layer?.class_name === className ? layer : undefined;
  }

  private emit(output: string, inputs: string[], step: Step, shape: Shape): void {
    this.nodes.push({ output, inputs: inputs.map((i) => this.resolve(i)), step });
    this.shapes.set(output, shape);
  }

  private shapeOf(name: string): Shape {
    return this.shapes.get(this.resolve(name)) ?? this.shapes.get(name)!;
  }

  private compileLayer(layer: KerasLayer): void {
    const inputs = inboundNames(layer);
    const c = layer.config;
    switch (layer.class_name) {
      case 'Dropout':
        this.alias.set(layer.name, inputs[0]!);
        return;
      case 'ZeroPadding2D': {
        const padding = c.padding as [[number, number], [number, number]];
        const [h, w, ch] = this.shapeOf(inputs[0]!);
        const next = this.byName.get(this.consumers.get(layer.name)?.[0] ?? '');
        const padded: Shape = [h + padding[0][0] + padding[0][1], w + padding[1][0] + padding[1][1], ch];
        if (
          this.consumers.get(layer.name)?.length === 1 &&
          next &&
          (next.class_name === 'Conv2D' || next.class_name === 'DepthwiseConv2D') &&
          next.config.padding === 'valid'
        ) {
          // The convolution takes the padding itself (see compileConv).
          this.alias.set(layer.name, inputs[0]!);
          this.shapes.set(layer.name, padded);
          this.pendingPad.set(next.name, padding);
          return;
        }
        this.emit(layer.name, inputs, { kind: 'pad', padding }, padded);
        return;
      }
      case 'Conv2D':
      case 'DepthwiseConv2D':
        this.compileConv(layer, inputs[0]!);
        return;
      case 'BatchNormalization': {
        const { scale, shift } = this.batchNormTerms(layer);
        const tf = tfjs();
        this.emit(
          layer.name,
          inputs,
          {
            kind: 'batch-norm',
            scale: tf.tensor1d(Float32Array.from(scale)),
            offset: tf.tensor1d(Float32Array.from(shift)),
          },
          this.shapeOf(inputs[0]!),
        );
        return;
      }
      case 'ReLU':
      case 'Activation':
        this.emit(
          layer.name,
          inputs,
          { kind: 'activation', activation: this.activationOf(layer) },
          this.shapeOf(inputs[0]!),
        );
        return;
      case 'Add':
        this.emit(layer.name, inputs, { kind: 'add' }, this.shapeOf(inputs[0]!));
        return;
      case 'AveragePooling2D': {
        const size = c.pool_size as [number, number];
        const strides = (c.strides as [number, number] | null) ?? size;
        const pad = c.padding as 'valid' | 'same';
        const [h, w, ch] = this.shapeOf(inputs[0]!);
        const out = (n: number, k: number, s: number) =>
          pad === 'same' ? Math.ceil(n / s) : Math.floor((n - k) / s) + 1;
        this.emit(layer.name, inputs, { kind: 'average-pool', size, strides, pad }, [
          out(h, size[0], strides[0]),
          out(w, size[1], strides[1]),
          ch,
        ]);
        return;
      }
      case 'GlobalAveragePooling2D':
        this.emit(layer.name, inputs, { kind: 'global-average-pool' }, [1, 1, this.shapeOf(inputs[0]!)[2]]);
        return;
      case 'Flatten': {
        const [h, w, ch] = this.shapeOf(inputs[0]!);
        this.emit(layer.name, inputs, { kind: 'flatten' }, [1, 1, h * w * ch]);
        return;
      }
      case 'Dense': {
        const kernel = this.weight(`${layer.name}/kernel`) as Tfjs.Tensor2D;
        const bias = c.use_bias ? (this.weight(`${layer.name}/bias`) as Tfjs.Tensor1D) : null;
        const activation = this.activationOf(layer);
        this.multiplyAdds += kernel.shape[0] * kernel.shape[1];
        this.emit(
          layer.name,
          inputs,
          { kind: 'dense', kernel: tfjs().clone(kernel), bias: bias ? tfjs().clone(bias) : null, activation },
          [1, 1, kernel.shape[1]],
        );
        return;
      }
      default:
        throw this.unsupported(
          `layer ${layer.name} is a ${layer.class_name}, which the fused runner does not implement`,
        );
    }
  }

  private compileConv(layer: KerasLayer, input: string): void {
    const tf = tfjs();
    const c = layer.config;
    const depthwise = layer.class_name === 'DepthwiseConv2D';
    if ((c.dilation_rate as number[] | undefined)?.some((d) => d !== 1) || (depthwise && c.depth_multiplier !== 1)) {
      throw this.unsupported(`layer ${layer.name} uses dilation or a depth multiplier`);
    }
    const kernelTensor = this.weight(`${layer.name}/${depthwise ? 'depthwise_kernel' : 'kernel'}`) as Tfjs.Tensor4D;
    const [kh, kw, cin, cout] = kernelTensor.shape;
    const outChannels = depthwise ? cin : cout;
    let kernel: ArrayLike<number> = kernelTensor.dataSync();
    let bias: ArrayLike<number> | null = c.use_bias ? this.weight(`${layer.name}/bias`).dataSync() : null;
    let activation = this.activationOf(layer) as Activation;
    let output = layer.name;
    const bn = activation === 'linear' ? this.soleConsumer(layer.name, 'BatchNormalization') : undefined;
    if (bn) {
      ({ kernel, bias } = foldIntoConvolution(kernel, bias, outChannels, this.batchNormTerms(bn)));
      this.absorbed.add(bn.name);
      this.alias.set(layer.name, bn.name);
      output = bn.name;
      const relu = this.soleConsumer(bn.name, 'ReLU') ?? this.soleConsumer(bn.name, 'Activation');
      const fused = relu ? this.activationOf(relu) : undefined;
      if (relu && (fused === 'relu' || fused === 'relu6')) {
        activation = fused;
        this.absorbed.add(relu.name);
        this.alias.set(bn.name, relu.name);
        output = relu.name;
      }
    }
    const strides = c.strides as [number, number];
    const [h, w] = this.shapeOf(input);
    const pre = this.pendingPad.get(layer.name);
    const padded = pre ? [h + pre[0][0] + pre[0][1], w + pre[1][0] + pre[1][1]] : [h, w];
    let pad: Padding = c.padding as 'valid' | 'same';
    if (pre) {
      // Depthwise fused convolutions take only 'same'/'valid'; use 'same' when it pads exactly the same way.
      const same = [h, w].map((n, a) => sameSplit(n, a === 0 ? kh : kw, strides[a]!));
      const equalsSame = same.every((s, a) => s[0] === pre[a]![0] && s[1] === pre[a]![1]);
      if (equalsSame) pad = 'same';
      else if (!depthwise) pad = [[0, 0], pre[0], pre[1], [0, 0]];
      else this.emit(`${layer.name}__pad`, [input], { kind: 'pad', padding: pre }, [padded[0]!, padded[1]!, cin]);
    }
    const source = pre && depthwise && pad !== 'same' ? `${layer.name}__pad` : input;
    const outH = pad === 'same' ? Math.ceil(h / strides[0]) : Math.floor((padded[0]! - kh) / strides[0]) + 1;
    const outW = pad === 'same' ? Math.ceil(w / strides[1]) : Math.floor((padded[1]! - kw) / strides[1]) + 1;
    this.multiplyAdds += outH * outW * kh * kw * (depthwise ? cin : cin * cout);
    const step: Step = {
      kind: 'conv',
      depthwise,
      filter: tf.tensor4d(Float32Array.from(kernel), [kh, kw, cin, cout]),
      bias: bias ? tf.tensor1d(Float32Array.from(bias)) : null,
      strides,
      pad,
      activation,
    };
    this.nodes.push({ output, inputs: [this.resolve(source)], step });
    this.shapes.set(output, [outH, outW, outChannels]);
  }

  private batchNormTerms(layer: KerasLayer): { scale: Float64Array; shift: Float64Array } {
    const w = (n: string) => this.weight(`${layer.name}/${n}`).dataSync();
    return batchNormTerms(
      w('moving_mean'),
      w('moving_variance'),
      layer.config.scale === false ? null : w('gamma'),
      layer.config.center === false ? null : w('beta'),
      (layer.config.epsilon as number | undefined) ?? 1e-3,
    );
  }

  private activationOf(layer: KerasLayer): Activation | 'softmax' | 'sigmoid' {
    if (layer.class_name === 'ReLU') {
      const {
        max_value: max,
        negative_slope: slope,
        threshold,
      } = layer.config as { max_value?: number | null; negative_slope?: number; threshold?: number };
      if ((slope ?? 0) !== 0 || (threshold ?? 0) !== 0 || (max != null && max !== 6))
        throw this.unsupported(`layer ${layer.name} is a ReLU with a slope, threshold or cap other than 6`);
      return max === 6 ? 'relu6' : 'relu';
    }
    const a = (layer.config.activation as string | undefined) ?? 'linear';
    if (a === 'linear' || a === 'relu' || a === 'relu6' || a === 'softmax' || a === 'sigmoid') return a;
    throw this.unsupported(`layer ${layer.name} uses the ${a} activation`);
  }

  private weight(name: string): Tfjs.Tensor {
    const t = this.weights[name];
    if (!t) throw this.unsupported(`its weights have no tensor ${name}`);
    return t;
  }

  private unsupported(why: string): VestigeError {
    return new VestigeError('E_INPUT_UNSUPPORTED', `model ${this.label} cannot be run: ${why}`, {
      file: this.label,
      hint: 'Vestige runs Keras layers models built from convolutions, batch normalisation, ReLU, pooling and dense layers (MobileNet-style classifiers).',
    });
  }
}

/** How TensorFlow's 'same' padding splits the total between before and after. */
function sameSplit(n: number, k: number, s: number): [number, number] {
  const total = Math.max((Math.ceil(n / s) - 1) * s + k - n, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

function inboundNames(layer: KerasLayer): string[] {
  return (layer.inbound_nodes[0] ?? []).map((n) => n[0]);
}
