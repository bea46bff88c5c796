/** Batch normalisation y = γ(x − μ)/√(σ² + ε) + β, written as y = scale·x + shift per channel. */
export function batchNormTerms(
  mean: ArrayLike<number>,
  variance: ArrayLike<number>,
  gamma: ArrayLike<number> | null,
  beta: ArrayLike<number> | null,
  epsilon: number,
): { scale: Float64Array; shift: Float64Array } {
  const scale = new Float64Array(mean.length);
  const shift = new Float64Array(mean.length);
  for (let i = 0; i < mean.length; i++) {
    scale[i] = (gamma ? gamma[i]! : 1) / Math.sqrt(variance[i]! + epsilon);
    shift[i] = (beta ? beta[i]! : 0) - mean[i]! * scale[i]!;
  }
  return { scale, shift };
}

/**
 * Folds a batch normalisation into the convolution before it: kernel (output channel on its last
 * axis, as in tfjs's HWIO and depthwise HWC1 layouts) and bias are scaled per output channel, then
 * shifted. Done in double precision and rounded once, so the folded weights are the same on every run.
 */
export function foldIntoConvolution(
  kernel: ArrayLike<number>,
  bias: ArrayLike<number> | null,
  channels: number,
  terms: { scale: Float64Array; shift: Float64Array },
): { kernel: Float32Array; bias: Float32Array } {
  const k = new Float32Array(kernel.length);
  for (let i = 0; i < kernel.length; i++) k[i] = kernel[i]! * terms.scale[i % channels]!;
  const b = new Float32Array(channels);
  for (let c = 0; c < channels; c++) b[c] = (bias ? bias[c]! : 0) * terms.scale[c]! + terms.shift[c]!;
  return { kernel: k, bias: b };
}
