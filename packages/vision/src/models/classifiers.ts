import type { ClassifierSpec } from './keras-classifier.ts';
import { NSFW_MOBILENET_V2 } from './manifest.ts';

/** The default review-priority model: NSFWJS MobileNetV2 (see its manifest entry for what it is and is not). */
export const NSFW_CLASSIFIER: ClassifierSpec = {
  model: NSFW_MOBILENET_V2,
  format: 'nsfwjs-bundle',
  classes: ['drawing', 'hentai', 'neutral', 'porn', 'sexy'],
  reviewClasses: ['hentai', 'porn', 'sexy'],
  inputScale: 1 / 255,
  outputLayer: 'dense_3',
  embeddingLayer: 'flatten_1',
};
