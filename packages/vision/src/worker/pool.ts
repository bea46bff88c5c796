import { availableParallelism } from 'node:os';
import { WorkerPool } from '@vestige/evidence/worker-pool';
import type { FaceThresholds } from '../models/face-analyser.ts';
import type { ClassifierSpec } from '../models/keras-classifier.ts';
import type { RgbImage } from '../models/vision-model.ts';
import type {
  ClassifyFilesReply,
  ClassifyPixelsReply,
  DetectFilesReply,
  DetectFramesReply,
  FacesFilesReply,
  FileTask,
  FrameForDetection,
  LoadReply,
  WorkerMemory,
  WorkerRequest,
} from './protocol.ts';

/**
 * One worker thread per core (vision-worker.ts on the one WorkerPool), each with its own tfjs engine and
 * WebAssembly backend (tfjs runs WebAssembly single-threaded in Node, so cores are used by running
 * several engines). Pixels are copied once into buffers of their own and transferred (buffers from sharp
 * or a reused read buffer cannot be detached). Models are loaded on every worker and kept: a worker that
 * crashes is replaced and loads them again. Idle workers do not keep the process alive.
 */
export class VisionWorkerPool {
  private readonly pool: WorkerPool<WorkerRequest, unknown>;

  constructor(size = availableParallelism()) {
    this.pool = new WorkerPool(new URL('./vision-worker.ts', import.meta.url), {
      name: 'vision',
      size: Math.max(1, size),
    });
  }

  get size(): number {
    return this.pool.size;
  }

  private submit<T>(request: WorkerRequest, transfer: ArrayBuffer[] = []): Promise<T> {
    return this.pool.run(request, { transfer }) as Promise<T>;
  }

  /** Loads (and checks) a model on every worker, and on any replacement; resolves with the first worker's report. */
  private async loadEverywhere(key: string, request: WorkerRequest): Promise<LoadReply> {
    const reports = (await this.pool.everyWorker(request, { keep: key })) as LoadReply[];
    return reports[0]!;
  }

  loadClassifier(spec: ClassifierSpec, folder?: string): Promise<LoadReply> {
    return this.loadEverywhere(`classifier ${spec.model.id}@${spec.model.version}`, {
      type: 'load-classifier',
      spec,
      ...(folder ? { folder } : {}),
    });
  }

  loadFaces(thresholds: FaceThresholds, folder?: string): Promise<LoadReply> {
    return this.loadEverywhere(`faces ${JSON.stringify(thresholds)}`, {
      type: 'load-faces',
      thresholds,
      ...(folder ? { folder } : {}),
    });
  }

  loadDetector(minScore: number, folder?: string): Promise<LoadReply> {
    return this.loadEverywhere(`detector ${minScore}`, {
      type: 'load-detector',
      minScore,
      ...(folder ? { folder } : {}),
    });
  }

  classifyFiles(spec: ClassifierSpec, files: FileTask[]): Promise<ClassifyFilesReply> {
    return this.submit({ type: 'classify-files', spec, files });
  }

  classifyPixels(spec: ClassifierSpec, images: RgbImage[]): Promise<ClassifyPixelsReply> {
    const owned = images.map((i) => ({ width: i.width, height: i.height, data: new Uint8Array(i.data) }));
    return this.submit(
      { type: 'classify-pixels', spec, images: owned },
      owned.map((i) => i.data.buffer),
    );
  }

  facesInFiles(thresholds: FaceThresholds, files: FileTask[]): Promise<FacesFilesReply> {
    return this.submit({ type: 'faces-files', thresholds, files });
  }

  detectFrames(minScore: number, frames: FrameForDetection[]): Promise<DetectFramesReply> {
    const owned = frames.map((f) => ({ ...f, pixels: { ...f.pixels, data: new Uint8Array(f.pixels.data) } }));
    return this.submit(
      { type: 'detect-frames', minScore, frames: owned },
      owned.map((f) => f.pixels.data.buffer),
    );
  }

  /** SSD face proposals on stored images (upright, in their own pixels). */
  detectFiles(minScore: number, files: FileTask[]): Promise<DetectFilesReply> {
    return this.submit({ type: 'detect-files', minScore, files });
  }

  /** Each worker's memory (one request per worker). */
  memory(): Promise<WorkerMemory[]> {
    return this.pool.everyWorker({ type: 'memory' }) as Promise<WorkerMemory[]>;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

let shared: VisionWorkerPool | undefined;

/** The process's pool, started on first use (jobs on the local queue and on `vestige worker` share it). */
export function sharedVisionPool(): VisionWorkerPool {
  shared ??= new VisionWorkerPool(Number(process.env.VESTIGE_VISION_WORKERS) || availableParallelism());
  return shared;
}

export async function closeSharedVisionPool(): Promise<void> {
  const pool = shared;
  shared = undefined;
  await pool?.close();
}
