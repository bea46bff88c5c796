import { availableParallelism } from 'node:os';
import { Worker, type Transferable } from 'node:worker_threads';
import { VestigeError, type ErrorCode } from '@vestige/evidence';
import type { FaceThresholds } from '../models/face-analyser.ts';
import type { ClassifierSpec } from '../models/keras-classifier.ts';
import type { RgbImage } from '../models/vision-model.ts';
import type { ClassifyFilesReply, ClassifyPixelsReply, DetectFilesReply, DetectFramesReply, FacesFilesReply, FileTask, FrameForDetection, LoadReply, WorkerMemory, WorkerReply, WorkerRequest } from './protocol.ts';

type Request = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

interface Task {
  readonly request: Request;
  readonly transfer: Transferable[];
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/**
 * One worker thread per core, each with its own tfjs engine and WebAssembly backend (tfjs runs
 * WebAssembly single-threaded in Node, so cores are used by running several engines). Tasks queue
 * and go to the next idle worker; pixels are copied once into buffers of their own and transferred
 * (buffers from sharp or a reused read buffer cannot be detached). Idle workers do not keep the
 * process alive.
 */
export class VisionWorkerPool {
  readonly size: number;
  private readonly idle: Worker[] = [];
  private readonly queue: Task[] = [];
  private readonly running = new Map<Worker, { id: number; task: Task }>();
  private nextId = 1;
  private broken: Error | undefined;

  constructor(size = availableParallelism()) {
    this.size = Math.max(1, size);
    for (let i = 0; i < this.size; i++) this.idle.push(this.spawn());
  }

  private spawn(): Worker {
    const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url));
    worker.unref();
    worker.on('message', (reply: WorkerReply) => {
      const current = this.running.get(worker);
      if (!current || current.id !== reply.id) return;
      this.running.delete(worker);
      worker.unref();
      if (reply.ok) current.task.resolve(reply.value);
      else current.task.reject(new VestigeError(reply.error.code as ErrorCode, reply.error.message, { ...(reply.error.file ? { file: reply.error.file } : {}), ...(reply.error.hint ? { hint: reply.error.hint } : {}) }));
      this.idle.push(worker);
      this.pump();
    });
    worker.on('error', (err) => {
      this.broken = err;
      this.running.get(worker)?.task.reject(new VestigeError('E_VISION_WORKER', `a vision worker stopped: ${err.message}`, { cause: err }));
      this.running.delete(worker);
    });
    return worker;
  }

  private submit<T>(request: Request, transfer: Transferable[] = []): Promise<T> {
    if (this.broken) return Promise.reject(new VestigeError('E_VISION_WORKER', `the vision workers stopped: ${this.broken.message}`));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ request, transfer, resolve: resolve as (v: unknown) => void, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.shift()!;
      const task = this.queue.shift()!;
      const id = this.nextId++;
      this.running.set(worker, { id, task });
      // A busy worker keeps the process alive until its answer arrives.
      worker.ref();
      worker.postMessage({ ...task.request, id }, task.transfer);
    }
  }

  /** Loads (and checks) a model on every worker; resolves with the backend and model report of the first. */
  private async loadEverywhere(request: Request): Promise<LoadReply> {
    const reports = await Promise.all(Array.from({ length: this.size }, () => this.submit<LoadReply>(request)));
    return reports[0]!;
  }

  loadClassifier(spec: ClassifierSpec, folder?: string): Promise<LoadReply> {
    return this.loadEverywhere({ type: 'load-classifier', spec, ...(folder ? { folder } : {}) });
  }

  loadFaces(thresholds: FaceThresholds, folder?: string): Promise<LoadReply> {
    return this.loadEverywhere({ type: 'load-faces', thresholds, ...(folder ? { folder } : {}) });
  }

  loadDetector(minScore: number, folder?: string): Promise<LoadReply> {
    return this.loadEverywhere({ type: 'load-detector', minScore, ...(folder ? { folder } : {}) });
  }

  classifyFiles(spec: ClassifierSpec, files: FileTask[]): Promise<ClassifyFilesReply> {
    return this.submit({ type: 'classify-files', spec, files });
  }

  classifyPixels(spec: ClassifierSpec, images: RgbImage[]): Promise<ClassifyPixelsReply> {
    const owned = images.map((i) => ({ width: i.width, height: i.height, data: new Uint8Array(i.data) }));
    return this.submit({ type: 'classify-pixels', spec, images: owned }, owned.map((i) => i.data.buffer));
  }

  facesInFiles(thresholds: FaceThresholds, files: FileTask[]): Promise<FacesFilesReply> {
    return this.submit({ type: 'faces-files', thresholds, files });
  }

  detectFrames(minScore: number, frames: FrameForDetection[]): Promise<DetectFramesReply> {
    const owned = frames.map((f) => ({ ...f, pixels: { ...f.pixels, data: new Uint8Array(f.pixels.data) } }));
    return this.submit({ type: 'detect-frames', minScore, frames: owned }, owned.map((f) => f.pixels.data.buffer));
  }

  /** SSD face proposals on stored images (upright, in their own pixels). */
  detectFiles(minScore: number, files: FileTask[]): Promise<DetectFilesReply> {
    return this.submit({ type: 'detect-files', minScore, files });
  }

  /** Each worker's memory (one request per worker, answered in turn). */
  memory(): Promise<WorkerMemory[]> {
    return Promise.all(Array.from({ length: this.size }, () => this.submit<WorkerMemory>({ type: 'memory' })));
  }

  async close(): Promise<void> {
    const all = [...this.idle, ...this.running.keys()];
    this.idle.length = 0;
    await Promise.all(all.map((w) => w.terminate()));
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
