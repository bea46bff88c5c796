import type * as Tfjs from '@tensorflow/tfjs';
import { selectBackend } from '../runtime/backend.ts';
import { tfjs } from '../runtime/tfjs.ts';
import { faceApi, loadFaceApiNets, type FaceApiBox, type FaceApiNets } from './face-api-nets.ts';
import { FACE_LANDMARKS_68, FACE_RECOGNITION, SSD_MOBILENET_V1_FACES, TINY_FACE_DETECTOR } from './manifest.ts';
import { modelIdentity } from './model-files.ts';
import { SsdFaceDetector, iou, type ScoredBox } from './ssd-face-detector.ts';
import type { ModelLoadReport, RgbImage, VisionModel } from './vision-model.ts';

export interface FaceThresholds {
  /** SSD confidence above which a face is proposed (for redaction: a missed face is worse than an extra box). */
  readonly propose: number;
  /** SSD confidence above which a face is considered for grouping. */
  readonly group: number;
  /** Tiny Face Detector confidence for its second opinion. */
  readonly confirm: number;
  /** Overlap (IoU) a Tiny box needs with the SSD box to count as the same face. */
  readonly confirmOverlap: number;
}

export const DEFAULT_FACE_THRESHOLDS: FaceThresholds = { propose: 0.3, group: 0.5, confirm: 0.5, confirmOverlap: 0.3 };
/** Tiny Face Detector input size: face-api's recommended middle setting. */
const TINY_INPUT_SIZE = 416;

export interface FaceAnalysisInput {
  /** The picture (scaled down to at most 1280 px on its longer side), for crops. */
  readonly image: RgbImage;
  /** The same picture in the SSD's 512×512 square. */
  readonly ssd: RgbImage;
}

export interface FaceFinding {
  /** In the analysed picture's pixels. */
  readonly box: FaceApiBox;
  readonly score: number;
  /** Tiny Face Detector's score for the same face, or null when it found none there. */
  readonly confirmation: number | null;
  /** True when the face is grouped: SSD score ≥ `group` and Tiny confirms it. */
  readonly groupable: boolean;
  /** Eye centres, nose tip, mouth corners (from the 68 landmarks), for groupable faces. */
  readonly landmarks: ReadonlyArray<readonly [number, number]> | null;
  /** 128 numbers, for groupable faces. */
  readonly descriptor: Float32Array | null;
}

/**
 * Finds and describes faces in one picture: SSD proposes boxes; the Tiny Face Detector, a different
 * network trained separately, gives a second opinion; faces both agree on get 68 landmarks, are
 * aligned by their eyes and mouth (dlib's alignment), and get a 128-number descriptor. The second
 * opinion is there because SSD alone is sure of faces that are not human: on scikit-image's
 * "chelsea" it scores the cat's face 0.92, and the Tiny detector finds nothing there.
 */
export class FaceAnalyser implements VisionModel<FaceAnalysisInput, FaceFinding[]> {
  readonly id = 'faces';
  readonly version = [SSD_MOBILENET_V1_FACES, TINY_FACE_DETECTOR, FACE_LANDMARKS_68, FACE_RECOGNITION]
    .map((m) => `${m.id}@${m.version}`)
    .join('+');
  private readonly ssd: SsdFaceDetector;
  private nets: FaceApiNets | undefined;

  constructor(
    readonly thresholds: FaceThresholds = DEFAULT_FACE_THRESHOLDS,
    private readonly folder?: string,
  ) {
    this.ssd = new SsdFaceDetector({ minScore: thresholds.propose, ...(folder ? { folder } : {}) });
  }

  static models() {
    return [SSD_MOBILENET_V1_FACES, TINY_FACE_DETECTOR, FACE_LANDMARKS_68, FACE_RECOGNITION].map(modelIdentity);
  }

  async load(): Promise<ModelLoadReport> {
    await selectBackend();
    const report = await this.ssd.load();
    this.nets ??= loadFaceApiNets(this.folder);
    return report;
  }

  async run(batch: readonly FaceAnalysisInput[]): Promise<FaceFinding[][]> {
    const proposals = await this.ssd.run(
      batch.map((b) => ({ pixels: b.ssd, width: b.image.width, height: b.image.height })),
    );
    const out: FaceFinding[][] = [];
    for (const [i, input] of batch.entries()) out.push(await this.describe(input.image, proposals[i]!));
    return out;
  }

  dispose(): void {
    this.ssd.dispose();
    if (this.nets) for (const n of [this.nets.tiny, this.nets.landmarks, this.nets.recognition]) n.dispose();
    this.nets = undefined;
  }

  private async describe(image: RgbImage, proposals: ScoredBox[]): Promise<FaceFinding[]> {
    if (proposals.length === 0) return [];
    const tf = tfjs();
    const api = faceApi();
    const nets = this.nets!;
    const pixels = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32') as Tfjs.Tensor3D;
    try {
      const second = proposals.some((p) => p.score >= this.thresholds.group)
        ? await nets.tiny.locateFaces(
            pixels,
            new api.TinyFaceDetectorOptions({ inputSize: TINY_INPUT_SIZE, scoreThreshold: this.thresholds.confirm }),
          )
        : [];
      const findings: FaceFinding[] = [];
      for (const p of proposals) {
        const match = second
          .filter((s) => iou(s.box, p) >= this.thresholds.confirmOverlap)
          .sort((a, b) => b.score - a.score)[0];
        const confirmation = match ? match.score : null;
        const groupable = p.score >= this.thresholds.group && confirmation !== null;
        const box = { x: p.x, y: p.y, width: p.width, height: p.height };
        if (!groupable) {
          findings.push({ box, score: p.score, confirmation, groupable, landmarks: null, descriptor: null });
          continue;
        }
        const described = await this.landmarksAndDescriptor(pixels, box, image);
        findings.push({ box, score: p.score, confirmation, groupable, ...described });
      }
      return findings;
    } finally {
      pixels.dispose();
    }
  }

  private async landmarksAndDescriptor(pixels: Tfjs.Tensor3D, box: FaceApiBox, image: RgbImage) {
    const api = faceApi();
    const nets = this.nets!;
    const crop = pixelRect(api, box, image);
    const [face] = await api.extractFaceTensors(pixels, [crop]);
    const landmarks = (await nets.landmarks.detectLandmarks(face!)).shiftBy(crop.x, crop.y);
    face!.dispose();
    const aligned = pixelRect(api, landmarks.align(null, { useDlibAlignment: true }), image);
    const [alignedFace] = await api.extractFaceTensors(pixels, [aligned]);
    const descriptor = await nets.recognition.computeFaceDescriptor(alignedFace!);
    alignedFace!.dispose();
    const p = landmarks.positions;
    const mean = (idx: number[]) =>
      [idx.reduce((s, k) => s + p[k]!.x, 0) / idx.length, idx.reduce((s, k) => s + p[k]!.y, 0) / idx.length] as const;
    // iBUG 68-point numbering: 36–41 right eye, 42–47 left eye, 30 nose tip, 48 and 54 mouth corners.
    const five = [mean([36, 37, 38, 39, 40, 41]), mean([42, 43, 44, 45, 46, 47]), mean([30]), mean([48]), mean([54])];
    return { landmarks: five, descriptor: Float32Array.from(descriptor) };
  }
}

/** A whole-pixel rectangle inside the image (tensor slices need integer bounds). */
function pixelRect(api: ReturnType<typeof faceApi>, box: FaceApiBox, image: RgbImage): FaceApiBox {
  const x0 = Math.max(0, Math.floor(box.x));
  const y0 = Math.max(0, Math.floor(box.y));
  const x1 = Math.min(image.width, Math.ceil(box.x + box.width));
  const y1 = Math.min(image.height, Math.ceil(box.y + box.height));
  return new api.Rect(x0, y0, Math.max(1, x1 - x0), Math.max(1, y1 - y0));
}
