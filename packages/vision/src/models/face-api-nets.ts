import { createRequire } from 'node:module';
import type * as Tfjs from '@tensorflow/tfjs';
import { FACE_LANDMARKS_68, FACE_RECOGNITION, TINY_FACE_DETECTOR, type ModelManifestEntry } from './manifest.ts';
import { readVerifiedModelFiles } from './model-files.ts';
import { decodeWeightFiles } from './weight-files.ts';

/** A box as face-api takes and returns it. */
export interface FaceApiBox {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

interface FaceApiNet {
  loadFromWeightMap(weights: Tfjs.NamedTensorMap): void;
  dispose(): void;
}

interface Landmarks68 {
  readonly positions: ReadonlyArray<{ x: number; y: number }>;
  shiftBy(x: number, y: number): Landmarks68;
  align(detection: null, options: { useDlibAlignment: boolean }): FaceApiBox;
}

/**
 * The parts of face-api's node-wasm build Vestige uses (its bundled type declarations carry their own copy of tfjs's
 * types).
 */
interface FaceApi {
  TinyFaceDetector: new () => FaceApiNet & {
    locateFaces(input: Tfjs.Tensor3D, options: unknown): Promise<Array<{ score: number; box: FaceApiBox }>>;
  };
  TinyFaceDetectorOptions: new (options: { inputSize: number; scoreThreshold: number }) => unknown;
  FaceLandmark68Net: new () => FaceApiNet & { detectLandmarks(input: Tfjs.Tensor3D): Promise<Landmarks68> };
  FaceRecognitionNet: new () => FaceApiNet & { computeFaceDescriptor(input: Tfjs.Tensor3D): Promise<Float32Array> };
  Rect: new (x: number, y: number, width: number, height: number) => FaceApiBox;
  extractFaceTensors(image: Tfjs.Tensor3D, boxes: FaceApiBox[]): Promise<Tfjs.Tensor3D[]>;
}

const requireHere = createRequire(import.meta.url);

/**
 * face-api's node build that runs on the WebAssembly backend; it requires the same tfjs module as Vestige (see
 * pnpm-workspace.yaml).
 */
export function faceApi(): FaceApi {
  return requireHere('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
}

/** A face-api network whose weights come from verified bytes (face-api's own loaders would read the files again). */
export function loadFaceApiNet<N extends FaceApiNet>(entry: ModelManifestEntry, make: () => N, folder?: string): N {
  const net = make();
  net.loadFromWeightMap(decodeWeightFiles(readVerifiedModelFiles(entry, folder ? { folder } : {})));
  return net;
}

export interface FaceApiNets {
  readonly tiny: ReturnType<typeof loadTiny>;
  readonly landmarks: ReturnType<typeof loadLandmarks>;
  readonly recognition: ReturnType<typeof loadRecognition>;
}

const loadTiny = (api: FaceApi, folder?: string) =>
  loadFaceApiNet(TINY_FACE_DETECTOR, () => new api.TinyFaceDetector(), folder);
const loadLandmarks = (api: FaceApi, folder?: string) =>
  loadFaceApiNet(FACE_LANDMARKS_68, () => new api.FaceLandmark68Net(), folder);
const loadRecognition = (api: FaceApi, folder?: string) =>
  loadFaceApiNet(FACE_RECOGNITION, () => new api.FaceRecognitionNet(), folder);

export function loadFaceApiNets(folder?: string): FaceApiNets {
  const api = faceApi();
  return {
    tiny: loadTiny(api, folder),
    landmarks: loadLandmarks(api, folder),
    recognition: loadRecognition(api, folder),
  };
}
