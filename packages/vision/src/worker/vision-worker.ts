import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { VestigeError, isVestigeError } from '@vestige/evidence';
import { serveRequests } from '@vestige/evidence/worker-thread';
import { decodeForModel, reshapeInput } from '../image/decode.ts';
import { FaceAnalyser, type FaceThresholds } from '../models/face-analyser.ts';
import { KerasClassifier, type Classification, type ClassifierSpec } from '../models/keras-classifier.ts';
import { SSD_INPUT_SIZE, SsdFaceDetector, type ScoredBox } from '../models/ssd-face-detector.ts';
import { tfjs } from '../runtime/tfjs.ts';
import type {
  ClassifiedImage,
  ClassifyFilesReply,
  DetectFilesReply,
  WorkerMemory,
  FacesFilesReply,
  FacesInImage,
  FileFailure,
  FileTask,
  WorkerRequest,
} from './protocol.ts';

// One libvips thread per worker: the pool, not libvips, decides how many cores are busy.
sharp.concurrency(1);

/**
 * Images a classifier runs at once. Activations of a batch live in the backend's WebAssembly memory, which
 * never shrinks: at 32 a MobileNetV2 batch left each worker holding 466 MB; 8 keeps it near a quarter of that
 * (results do not depend on how images are batched; tests/vision checks a batch against single runs).
 */
const INFERENCE_BATCH = 8;

/** Pictures are analysed for faces at this size at most (longer side): enough for faces SSD can see at 512. */
const FACE_ANALYSIS_SIDE = 1280;

const classifiers = new Map<string, KerasClassifier>();
const analysers = new Map<string, FaceAnalyser>();
const detectors = new Map<number, SsdFaceDetector>();

async function classifier(spec: ClassifierSpec, folder?: string) {
  const key = `${spec.model.id}@${spec.model.version}`;
  let model = classifiers.get(key);
  if (!model) classifiers.set(key, (model = new KerasClassifier(spec, folder ? { folder } : {})));
  return { model, report: await model.load() };
}

async function analyser(thresholds: FaceThresholds, folder?: string) {
  const key = JSON.stringify(thresholds);
  let model = analysers.get(key);
  if (!model) analysers.set(key, (model = new FaceAnalyser(thresholds, folder)));
  return { model, report: await model.load() };
}

async function detector(minScore: number, folder?: string) {
  let model = detectors.get(minScore);
  if (!model) detectors.set(minScore, (model = new SsdFaceDetector({ minScore, ...(folder ? { folder } : {}) })));
  return { model, report: await model.load() };
}

/** Reads a stored file and checks it is still the bytes its address names, before anything is derived from it. */
async function readVerified(file: FileTask): Promise<Buffer> {
  const bytes = await readFile(file.path).catch((err: unknown) => {
    throw new VestigeError('E_BLOB_MISSING', `the stored copy of ${file.label} cannot be read`, {
      file: file.label,
      hint: "Run 'vestige verify' on the case.",
      cause: err,
    });
  });
  if (createHash('sha256').update(bytes).digest('hex') !== file.sha256) {
    throw new VestigeError('E_BLOB_CORRUPT', `the stored copy of ${file.label} does not match its SHA-256`, {
      file: file.label,
      hint: "Run 'vestige verify' on the case; restore it from its backup before analysing this item.",
    });
  }
  return bytes;
}

function failure(err: unknown, file: FileTask): FileFailure {
  if (!isVestigeError(err)) throw err;
  return {
    error: {
      code: err.code,
      message: err.message,
      file: err.file ?? file.label,
      ...(err.hint ? { hint: err.hint } : {}),
    },
  };
}

async function classifyFiles(spec: ClassifierSpec, files: FileTask[]): Promise<ClassifyFilesReply> {
  const { model } = await classifier(spec);
  const { width, height } = model.inputSize;
  const decoded = await Promise.all(
    files.map((f) =>
      readVerified(f)
        .then((b) => decodeForModel(b, { kind: 'fill', width, height }, f.label))
        .catch((err: unknown) => failure(err, f)),
    ),
  );
  const good = decoded.filter((d): d is Exclude<typeof d, FileFailure> => !('error' in d));
  const results: Classification[] = [];
  for (let i = 0; i < good.length; i += INFERENCE_BATCH)
    results.push(...(await model.run(good.slice(i, i + INFERENCE_BATCH).map((d) => d.pixels))));
  let k = 0;
  return decoded.map((d) => {
    if ('error' in d) return d;
    const r = results[k++]!;
    return {
      width: d.width,
      height: d.height,
      format: d.format,
      pixelsSha256: d.pixelsSha256,
      probabilities: r.probabilities,
      embedding: r.embedding,
    } satisfies ClassifiedImage;
  });
}

async function facesInFile(model: FaceAnalyser, file: FileTask): Promise<FacesInImage | FileFailure> {
  try {
    const d = await decodeForModel(await readVerified(file), { kind: 'within', side: FACE_ANALYSIS_SIDE }, file.label);
    const ssd = await reshapeInput(d.pixels, { kind: 'letterbox', side: SSD_INPUT_SIZE });
    const [found] = await model.run([{ image: d.pixels, ssd: ssd.pixels }]);
    const sx = d.width / d.pixels.width;
    const sy = d.height / d.pixels.height;
    return {
      width: d.width,
      height: d.height,
      format: d.format,
      pixelsSha256: d.pixelsSha256,
      analysedWidth: d.pixels.width,
      analysedHeight: d.pixels.height,
      faces: found!.map((f) => ({
        box: [f.box.x * sx, f.box.y * sy, f.box.width * sx, f.box.height * sy] as const,
        score: f.score,
        confirmation: f.confirmation,
        groupable: f.groupable,
        landmarks: f.landmarks ? f.landmarks.map(([x, y]) => [x * sx, y * sy] as const) : null,
        descriptor: f.descriptor,
      })),
    };
  } catch (err) {
    return failure(err, file);
  }
}

async function handle(msg: WorkerRequest): Promise<unknown> {
  switch (msg.type) {
    case 'load-classifier':
      return (await classifier(msg.spec, msg.folder)).report;
    case 'load-faces':
      return (await analyser(msg.thresholds, msg.folder)).report;
    case 'load-detector':
      return (await detector(msg.minScore, msg.folder)).report;
    case 'classify-files':
      return classifyFiles(msg.spec, msg.files);
    case 'classify-pixels': {
      const { model } = await classifier(msg.spec);
      const out: Classification[] = [];
      for (let i = 0; i < msg.images.length; i += INFERENCE_BATCH)
        out.push(...(await model.run(msg.images.slice(i, i + INFERENCE_BATCH))));
      return out;
    }
    case 'faces-files': {
      const { model } = await analyser(msg.thresholds);
      const out: FacesFilesReply = [];
      for (const f of msg.files) out.push(await facesInFile(model, f));
      return out;
    }
    case 'detect-frames': {
      const { model } = await detector(msg.minScore);
      return model.run(msg.frames);
    }
    case 'memory': {
      const tf = tfjs();
      const backend =
        tf.getBackend() === 'wasm' ? (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }) : null;
      const m = process.memoryUsage();
      return {
        heapUsedBytes: m.heapUsed,
        externalBytes: m.external,
        wasmMemoryBytes: backend?.wasm?.HEAPU8?.byteLength ?? 0,
        tensorBytes: tf.memory().numBytes,
      } satisfies WorkerMemory;
    }
    case 'detect-files': {
      const { model } = await detector(msg.minScore);
      const decoded = await Promise.all(
        msg.files.map((f) =>
          readVerified(f)
            .then((b) => decodeForModel(b, { kind: 'letterbox', side: SSD_INPUT_SIZE }, f.label))
            .catch((err: unknown) => failure(err, f)),
        ),
      );
      const good = decoded.filter((d): d is Exclude<typeof d, FileFailure> => !('error' in d));
      // One picture per run: at 512×512, batches of 4 measured no faster (244–314 ms against 233–279 ms CPU a picture).
      const boxes: ScoredBox[][] = [];
      for (const d of good) boxes.push(...(await model.run([{ pixels: d.pixels, width: d.width, height: d.height }])));
      let k = 0;
      return decoded.map((d) =>
        'error' in d
          ? d
          : { width: d.width, height: d.height, format: d.format, pixelsSha256: d.pixelsSha256, boxes: boxes[k++]! },
      ) satisfies DetectFilesReply;
    }
  }
}

serveRequests<WorkerRequest, unknown>(handle);
