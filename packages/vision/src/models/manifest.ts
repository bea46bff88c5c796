/**
 * The models Vestige runs, each pinned by the npm package that ships it and by the SHA-256 of every
 * file it reads. Nothing is fetched at run time: the files come from `node_modules`, are checked
 * against this list (package version, licence, sizes, hashes) and only then loaded.
 */
export interface ModelFile {
  /** Path inside the package (or folder). */
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
}

export interface ModelManifestEntry {
  /** Stable id recorded with every result, e.g. `nsfwjs-mobilenet-v2`. */
  readonly id: string;
  /** Changes whenever the files or the way Vestige runs them change (results are then recomputed). */
  readonly version: string;
  /**
   * Where the files come from: an npm package at an exact version, or a folder on disk (a model plugged in by a lab).
   */
  readonly location:
    | { readonly package: string; readonly version: string; readonly integrity: string }
    | { readonly folder: string };
  readonly files: Readonly<Record<string, ModelFile>>;
  /** SPDX licence of the package as published, checked against its package.json. */
  readonly licence: string;
  /** Upstream source of the weights and code. */
  readonly source: string;
  /** Plain words for a report: what the model is, what it was trained for, and its limits. */
  readonly description: string;
}

const NSFWJS = {
  package: 'nsfwjs',
  version: '4.4.0',
  integrity: 'sha512-krC1fgeTLXtZwgdpKJ0jm7hqv0gTSRQQRL+FhOaxaJ9Wj92t42BO3csO2odwgTAgZgf2RvkwPtp0R8Aa7dc+MA==',
} as const;
const FACE_API = {
  package: '@vladmandic/face-api',
  version: '1.7.15',
  integrity: 'sha512-WDMmK3CfNLo8jylWqMoQgf4nIst3M0fzx1dnac96wv/dvMTN4DxC/Pq1DGtduDk1lktCamQ3MIDXFnvrdHTXDw==',
} as const;
const FACE_API_SOURCE =
  'https://github.com/vladmandic/face-api (weights from https://github.com/justadudewhohacks/face-api.js)';

export const NSFW_MOBILENET_V2: ModelManifestEntry = {
  id: 'nsfwjs-mobilenet-v2',
  version: '4.4.0+vestige.1',
  location: NSFWJS,
  files: {
    topology: {
      path: 'dist/models/mobilenet_v2/model.min.js',
      sha256: 'c32f104fd562b08cdff5ed69dfe1209643afa47e792fb12751d2949aa61a397a',
      size: 106679,
    },
    weights: {
      path: 'dist/models/mobilenet_v2/group1-shard1of1.min.js',
      sha256: 'ef2e0a63f7d2c4960b37b024b669313f65d3c45cd59e9042636c55b39de53517',
      size: 3493394,
    },
  },
  licence: 'MIT',
  source: 'https://github.com/infinitered/nsfwjs',
  description:
    'NSFWJS MobileNetV2 (224×224): a generic adult-content classifier published by Infinite Red, scoring five classes (drawing, hentai, neutral, porn, sexy). ' +
    'It was not trained on, and does not detect, indecent images of children or any legal category; its scores only order images for a person to review. ' +
    'Its 1280-value pooled feature layer is used as the image embedding for similarity search.',
};

/** A face-api network: its weights manifest and its one weight file, under `model/` in the package. */
function faceApiModel(
  id: string,
  stem: string,
  manifest: readonly [string, number],
  weights: readonly [string, number],
  description: string,
): ModelManifestEntry {
  return {
    id,
    version: '1.7.15+vestige.1',
    location: FACE_API,
    files: {
      manifest: { path: `model/${stem}-weights_manifest.json`, sha256: manifest[0], size: manifest[1] },
      weights: { path: `model/${stem}.bin`, sha256: weights[0], size: weights[1] },
    },
    licence: 'MIT',
    source: FACE_API_SOURCE,
    description,
  };
}

export const SSD_MOBILENET_V1_FACES = faceApiModel(
  'face-api-ssd-mobilenet-v1',
  'ssd_mobilenetv1_model',
  ['888f744dffbc84f5f060d1f8427d9742341943a2dfaaf9205d10029b7e7a2955', 28233],
  ['2835640602d53718aa6ae9a42896327eaa21beefed056c218d32ca7d79e1e2f8', 5616957],
  'SSD MobileNet v1 face detector (512×512 input) from face-api, trained on the WIDER FACE data set. It proposes face boxes with a confidence; it does not identify anyone.',
);

export const TINY_FACE_DETECTOR = faceApiModel(
  'face-api-tiny-face-detector',
  'tiny_face_detector_model',
  ['5d1af4849ac48d5b985f4a9b16010c512353ddd6fcc63d50fd0bc9e9e64296e5', 3219],
  ['b7503ce7df31039b1c43316a9b865cab6a70dd748cc602d3fa28b551503c3871', 193321],
  'Tiny Face Detector (a small YOLO-style network) from face-api. Vestige uses it as a second, independent opinion: a face is grouped only when both detectors find it.',
);

export const FACE_LANDMARKS_68 = faceApiModel(
  'face-api-landmarks-68',
  'face_landmark_68_model',
  ['ca4886639f86e99b39fed0c155f81b63317225773bd9616716e887b0153389c9', 8485],
  ['4611ef65c87d836d03d684b30eec4d195d8b219fa1dd58fc58945831c6b9299b', 356840],
  '68-point face landmark network from face-api; the eyes and mouth it finds align each face before its descriptor is computed.',
);

export const FACE_RECOGNITION = faceApiModel(
  'face-api-recognition-resnet',
  'face_recognition_model',
  ['cbaffa501b0b9275a12b63357a6843e7e30c054e1c9151e1a5f879b26e32986b', 19615],
  ['b413e420d6840b2775fba32008db6f3cddb07d485967fb42cfcf379c16a8c589', 6444032],
  'Face descriptor network from face-api (a ResNet-34-like network after dlib’s face recognition model) that maps an aligned face to 128 numbers; ' +
    'faces whose descriptors are close are proposed as the same person. A proposal, never an identification: an officer confirms or splits every group.',
);

export const MODELS: readonly ModelManifestEntry[] = [
  NSFW_MOBILENET_V2,
  SSD_MOBILENET_V1_FACES,
  TINY_FACE_DETECTOR,
  FACE_LANDMARKS_68,
  FACE_RECOGNITION,
];
