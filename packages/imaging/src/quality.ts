/** Peak signal-to-noise ratio in dB between two sample arrays of the same length, peak = `max`. */
export function psnr(a: ArrayLike<number>, b: ArrayLike<number>, max = 255): number {
  if (a.length !== b.length) throw new Error('psnr: arrays differ in length');
  let se = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    se += d * d;
  }
  const mse = se / a.length;
  return mse === 0 ? Infinity : 10 * Math.log10((max * max) / mse);
}
