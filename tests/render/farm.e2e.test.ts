/**
 * The render farm end to end, through real Chromium, ffmpeg and redis-server (AOF on, loopback, started
 * here): the 48-frame walk rendered on the embedded queue is the reference; the same render on Redis,
 * queued before the server is restarted and run by two `vestige worker` processes of which one is killed
 * (-9, browser and all) in the middle of a chunk, must give the same frame hashes and decoded video
 * frames, every frame once; bad jobs queued beside it fail with their reasons while the others finish.
 * Every wait is on an event (a worker's output line, a job finishing), never on a sleep.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BullMqQueue, JobRegistry, LocalQueue, capabilityQueueName, redisConnection } from '@vestige/jobs';
import { renderJobTypes, submitRender, type RenderNode, type RenderSummary, type StillResult } from '@vestige/render';
import { cliPath, makeTempDir, repoRoot } from '../support.ts';
import { startRedis, type RedisForTest } from '../support-redis.ts';
import { ensureViewerBuilt } from '../viewer/browser.ts';
import { WALK, testRenderNode, walkCase } from './render-fixture.ts';

const OPERATOR = 'PC 1234 Test';

/** BullMQ itself (a dependency of @vestige/jobs): to put in Redis what no Vestige client would queue. */
type RawQueue = { add(name: string, data: unknown): Promise<{ id?: string }>; close(): Promise<void> };
const { Queue } = createRequire(join(repoRoot, 'packages', 'jobs', 'package.json'))('bullmq') as {
  Queue: new (name: string, opts: unknown) => RawQueue;
};

function localQueue(node: RenderNode): LocalQueue {
  return new LocalQueue(new JobRegistry().register(...renderJobTypes(() => node)), { capabilities: ['render'] });
}

/** Renders one still in a browser launched for it alone. */
async function stillInFreshBrowser(
  caseDir: string,
  recipe: Awaited<ReturnType<typeof walkCase>>['recipe'],
): Promise<StillResult> {
  const node = testRenderNode();
  const queue = localQueue(node);
  try {
    const { cameraPath: _path, ...settings } = recipe;
    const k = WALK.keyframes[1]!;
    const id = await queue.enqueue('render.still', {
      caseDir,
      operator: OPERATOR,
      recipe: {
        ...settings,
        resolution: { width: 320, height: 200 },
        camera: { position: k.position, target: k.target, fov: k.fov },
      },
    });
    return (await queue.waitFor(id)) as StillResult;
  } finally {
    await queue.close();
    await node.close();
  }
}

/** A `vestige worker --capability render` process (its own process group: killing it kills its browser). */
class WorkerProcess {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  private readonly waiters: Array<{ re: RegExp; resolve(m: RegExpExecArray): void }> = [];
  name = '';

  constructor(url: string, queueName: string) {
    this.child = spawn(
      process.execPath,
      [cliPath, 'worker', '--redis', url, '--queue', queueName, '--capability', 'render', '--lock-seconds', '4'],
      { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    createInterface({ input: this.child.stderr! }).on('line', (line) => {
      this.lines.push(line);
      for (const w of [...this.waiters]) {
        const m = w.re.exec(line);
        if (m) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    });
  }

  /** The first line (seen or to come) matching `re`. */
  line(re: RegExp): Promise<RegExpExecArray> {
    for (const l of this.lines) {
      const m = re.exec(l);
      if (m) return Promise.resolve(m);
    }
    return new Promise((resolve) => this.waiters.push({ re, resolve }));
  }

  async ready(): Promise<this> {
    this.name = (await this.line(/^worker ready \((\S+)\)/))[1]!;
    return this;
  }

  /** kill -9 of the worker and its browser. */
  killHard(): void {
    process.kill(-this.child.pid!, 'SIGKILL');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exit = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await exit;
    try {
      process.kill(-this.child.pid!, 'SIGKILL');
    } catch {
      // the group is gone already
    }
  }
}

let reference: RenderSummary;
let redis: RedisForTest | undefined;
const workers: WorkerProcess[] = [];

beforeAll(() => ensureViewerBuilt());
afterAll(async () => {
  for (const w of workers) await w.stop().catch(() => undefined);
  await redis?.stop();
});

describe('render farm', () => {
  it('renders the 48-frame walk on the embedded queue, and a still twice in separate browser launches to the same bytes', async () => {
    const { dir, recipe } = await walkCase(makeTempDir('vestige-render-local-'));
    const node = testRenderNode();
    const queue = localQueue(node);
    try {
      const { jobId } = await submitRender(queue, {
        caseDir: dir,
        operator: OPERATOR,
        recipe,
        chunkSize: 12,
        video: { preset: 'ultrafast', master: true },
      });
      reference = (await queue.waitFor(jobId)) as RenderSummary;
    } finally {
      await queue.close();
      await node.close();
    }
    expect(reference.frames).toBe(48);
    expect(reference.frameHashes).toHaveLength(48);
    expect(new Set(reference.frameHashes).size).toBeGreaterThan(40);
    expect(reference.framePixels).toHaveLength(48);
    expect(reference.renderClasses).toHaveLength(1);
    // The lossless master is checked inside the encode job to decode to the frames' own pixels.
    expect(reference.master?.sha256).toMatch(/^[0-9a-f]{64}$/);

    const a = await stillInFreshBrowser(dir, recipe);
    const b = await stillInFreshBrowser(dir, recipe);
    expect(b.sha256).toBe(a.sha256);
    expect(b.renderClass).toBe(a.renderClass);
  }, 600_000);

  it('renders it on Redis with two worker processes: queued jobs survive a restart (AOF), a worker killed mid-chunk is taken over, bad jobs fail with their reasons and the rest go on', async () => {
    expect(reference, 'the embedded-queue render ran first').toBeDefined();
    redis = await startRedis();
    const { dir, recipe } = await walkCase(makeTempDir('vestige-render-redis-'));
    const name = `render-${process.pid}`;
    const registry = new JobRegistry().register(
      ...renderJobTypes(() => {
        throw new Error('the test process only queues');
      }),
    );
    let queue = new BullMqQueue(registry, redisConnection(redis.url), name);
    const base = { caseDir: dir, operator: OPERATOR };
    // What another client (or another version) could put in Redis: payloads the schema refuses.
    const raw = new Queue(capabilityQueueName(name, undefined), { connection: redisConnection(redis.url) });
    const notARecipe = (await raw.add('render.video', { ...base, recipe: 'walk.json' })).id!;
    const noKeyframes = (
      await raw.add('render.video', { ...base, recipe: { ...recipe, cameraPath: { ...WALK, keyframes: [] } } })
    ).id!;
    await raw.close();
    const wrongManifest = await queue.enqueue('render.video', {
      ...base,
      recipe: { ...recipe, manifestSha256: '0'.repeat(64) },
    });
    const noScene = await queue.enqueue('render.video', { ...base, recipe: { ...recipe, sceneId: 'scene-404' } });
    const { cameraPath: _p, ...settings } = recipe;
    const camera = { position: WALK.keyframes[0]!.position, target: WALK.keyframes[0]!.target };
    const otherClass = await queue.enqueue('render.still', {
      ...base,
      recipe: { ...settings, camera, renderClass: 'rc-000000000000' },
    });
    const { jobId: video } = await submitRender(queue, {
      ...base,
      recipe,
      chunkSize: 16,
      video: { preset: 'ultrafast' },
    });
    const queued = [notARecipe, noKeyframes, wrongManifest, noScene, otherClass, video];

    await queue.close();
    await redis.restart();
    queue = new BullMqQueue(registry, redisConnection(redis.url), name);
    try {
      for (const id of queued) expect((await queue.get(id))?.state, `job ${id} after the restart`).toBe('waiting');

      const [a, b] = [new WorkerProcess(redis.url, name), new WorkerProcess(redis.url, name)];
      workers.push(a, b);
      await Promise.all([a.ready(), b.ready()]);
      // The first frame of a chunk on either node: kill that node (its browser too) before the chunk ends.
      const firstFrame = /^job (\S+\.frames\.\d+): \d+% frame \d+ rendered \(1\/16\)$/;
      const victim = await Promise.race([a.line(firstFrame).then(() => a), b.line(firstFrame).then(() => b)]);
      victim.killHard();
      const survivor = victim === a ? b : a;

      const summary = (await queue.waitFor(video)) as RenderSummary;
      expect(summary.frames).toBe(48);
      expect(summary.frameHashes).toEqual(reference.frameHashes);
      expect(summary.framePixels).toEqual(reference.framePixels);
      expect(summary.renderClasses).toEqual(reference.renderClasses);

      const chunks = (await queue.list({ limit: 1000 })).filter(
        (j) => j.parentId === video && j.type === 'render.frames',
      );
      expect(chunks).toHaveLength(3);
      const logs = (await Promise.all(chunks.map((c) => queue.logs(c.id)))).flat();
      expect(logs.some((l) => l.includes(`worker ${survivor.name} takes over from worker ${victim.name}`))).toBe(true);
      const drawn = logs.map((l) => /^frame (\d+) sha256 ([0-9a-f]{64})/.exec(l)).filter((m) => m !== null);
      for (const m of drawn) expect(m[2]).toBe(reference.frameHashes[Number(m[1])]);

      const failure = async (id: string) => (await queue.get(id))?.error;
      await expect(queue.waitFor(notARecipe)).rejects.toMatchObject({ code: 'E_PARAM_INVALID' });
      expect((await failure(notARecipe))?.message).toMatch(/recipe/);
      await expect(queue.waitFor(noKeyframes)).rejects.toMatchObject({
        code: expect.stringMatching(/^E_(RECIPE|PARAM)_INVALID$/),
      });
      expect((await failure(noKeyframes))?.message).toMatch(/keyframe/);
      await expect(queue.waitFor(wrongManifest)).rejects.toMatchObject({
        code: 'E_INPUT_CHANGED',
        message: expect.stringMatching(/manifest SHA-256/),
      });
      await expect(queue.waitFor(noScene)).rejects.toMatchObject({
        code: 'E_INPUT_MISSING',
        message: expect.stringMatching(/scene-404/),
      });
      await expect(queue.waitFor(otherClass)).rejects.toMatchObject({
        code: expect.stringMatching(/^E_(RENDER_CLASS_MISMATCH|WORKERS_EXHAUSTED)$/),
        message: expect.stringMatching(/rc-000000000000/),
      });
    } finally {
      await queue.close();
    }
  }, 600_000);
});
