import { Worker } from 'node:worker_threads';
import type { NodeBox } from '../potree/kernel.mjs';
import type { RecordLayout } from '../core/potree/layout.ts';
import type { DistributeTask, LasDistributeResult, LasSliceResult, LasSliceTask } from './spill-format.mjs';

export interface ChunkTask {
  type: 'subtree';
  /** The chunk's files, in order (one per distribution slice that had points for it). */
  chunkPaths: string[];
  count: number;
  name: string;
  box: NodeBox;
  layout: RecordLayout;
  maxLeafPoints: number;
  minNodeSize: number;
  outPath: string;
}

export interface ChunkResult {
  root: { count: number; childMask: number; records: Uint8Array };
  nodes: { name: string; count: number; offset: number; size: number; childMask: number }[];
}

/** A fixed set of octree worker threads; tasks queue until one is free. */
export class OctreeWorkerPool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: { task: ChunkTask | (DistributeTask & { type: 'distribute' }) | (LasSliceTask & { type: 'las-count' }) | (LasSliceTask & DistributeTask & { type: 'las-distribute' }); resolve: (r: never) => void; reject: (e: Error) => void }[] = [];
  private readonly running = new Map<Worker, { id: number; resolve: (r: never) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private failure: Error | undefined;

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(new URL('./octree-worker.mjs', import.meta.url));
      worker.on('message', (msg: ChunkResult & { id: number; counts?: number[]; result?: LasSliceResult; error?: { message: string } }) => {
        const job = this.running.get(worker);
        this.running.delete(worker);
        this.idle.push(worker);
        if (job) {
          if (msg.error) job.reject(new Error(`octree worker: ${msg.error.message}`));
          else job.resolve((msg.result ?? msg.counts ?? { root: msg.root, nodes: msg.nodes }) as never);
        }
        this.pump();
      });
      worker.on('error', (err) => this.fail(err));
      worker.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`octree worker exited with code ${code}`));
      });
      this.all.push(worker);
      this.idle.push(worker);
    }
  }

  run(task: ChunkTask): Promise<ChunkResult> {
    return this.submit<ChunkResult>(task);
  }

  distribute(task: DistributeTask): Promise<number[]> {
    return this.submit<number[]>({ ...task, type: 'distribute' });
  }

  lasCount(task: LasSliceTask): Promise<LasSliceResult> {
    return this.submit<LasSliceResult>({ ...task, type: 'las-count' });
  }

  lasDistribute(task: LasSliceTask & Omit<DistributeTask, 'spillPath' | 'from' | 'to'>): Promise<LasDistributeResult> {
    return this.submit<LasDistributeResult>({ ...task, spillPath: '', from: 0, to: 0, type: 'las-distribute' });
  }

  private submit<T>(task: ChunkTask | (DistributeTask & { type: 'distribute' }) | (LasSliceTask & { type: 'las-count' }) | (LasSliceTask & DistributeTask & { type: 'las-distribute' })): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ task, resolve: resolve as (r: never) => void, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop()!;
      const job = this.queue.shift()!;
      const id = this.nextId++;
      this.running.set(worker, { id, resolve: job.resolve, reject: job.reject });
      worker.postMessage({ id, ...job.task });
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const job of this.running.values()) job.reject(err);
    this.running.clear();
    for (const job of this.queue.splice(0)) job.reject(err);
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
  }
}
