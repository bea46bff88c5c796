import { z } from 'zod';
import { defineOperation } from '../operation.ts';
import { wienerDeconvolve } from '../kernels/deconvolve.ts';
import { buildPsf, describePsf, psfSchema } from '../kernels/psf.ts';
import { fromPlanes, planes } from '../raster.ts';
import { fmt } from './params.ts';

export const deblurWiener = defineOperation({
  id: 'deblur-wiener',
  version: '1',
  title: 'Wiener deconvolution (undo a known blur)',
  schema: z.strictObject({
    psf: psfSchema,
    /** Noise-to-signal power ratio: larger is smoother and safer, smaller is sharper and noisier. */
    nsr: z.number().min(1e-6).max(1).default(0.01),
  }),
  describe: (p) =>
    `Wiener deconvolution assuming the image was blurred by ${describePsf(p.psf)}, with noise-to-signal ratio ${fmt(p.nsr)}. The filter inverts the blur where the signal is strong and holds back where noise would dominate. It recovers detail only if the assumed blur matches the real one; a wrong blur model produces ringing and false edges, so the result must be compared with the original.`,
  reference:
    'N. Wiener, Extrapolation, Interpolation, and Smoothing of Stationary Time Series, 1949; Gonzalez & Woods, Digital Image Processing (4th ed.), §5.8.',
  apply(img, p) {
    const psf = buildPsf(p.psf);
    const out = planes(img).map((pl) => Float32Array.from(wienerDeconvolve(pl, img.width, img.height, psf, p.nsr)));
    return fromPlanes(out, img.width, img.height, img.pxPerMm);
  },
});
