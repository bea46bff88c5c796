/**
 * The camera-path editor (issue 16): an officer builds the fly-through a render farm turns into a video
 * from the current view and saved views — add, reorder, remove, time each keyframe, preview and scrub —
 * and keeps it in the case as a `camera-paths` scene record (the server checks it with the scene core's
 * schema and writes a custody event bound to the chain, as for views and markers).
 *
 * Preview and scrubbing sample the path with the scene core's `CameraPathSampler`, the one render mode
 * uses for each farm frame, and set that exact pose (navigation's `showPose`), so the frame scrubbed to
 * is the frame the farm renders (up to the canvas size). Export writes the scene core's `cameraPathFile`,
 * the bytes `vestige scene path export` writes; import takes such a file.
 */
import {
  CAMERA_PATH_SCHEMA,
  CAMERA_PATH_VERSION,
  CameraPathSampler,
  cameraPathDuration,
  cameraPathFile,
  cameraPathFrameCount,
  cameraPathProblems,
  keyframeFromView,
  type CameraKeyframe,
  type CameraPath,
  type CameraPose,
  type Vec3,
} from '@vestige/scene/core';
import { bare } from './persistence.ts';
import { newRecordId } from './tools/tool.ts';
import type { Viewer } from './viewer.ts';

/** Seconds between a new keyframe and the one before it. */
const DEFAULT_STEP_SECONDS = 2;

export class CameraPathEditor {
  /** The path being edited (a copy: the saved record changes only on Save). */
  draft: CameraPath;
  /** Seconds shown by the scrub slider. */
  time = 0;
  private playing: number | null = null;

  constructor(
    private readonly viewer: Viewer,
    private readonly changed: () => void,
  ) {
    this.draft = this.blank();
  }

  private blank(): CameraPath {
    return {
      id: newRecordId('path'),
      name: `Path ${this.viewer.records.cameraPaths.length + 1}`,
      fps: 24,
      keyframes: [],
    };
  }

  get duration(): number {
    return cameraPathDuration(this.draft);
  }

  get frameCount(): number {
    return cameraPathFrameCount(this.draft);
  }

  get problems(): string[] {
    return this.draft.keyframes.length === 0 ? [] : cameraPathProblems(this.draft);
  }

  /** True when this draft is a saved record (Save then changes it in place). */
  get isSaved(): boolean {
    return this.viewer.records.cameraPaths.some((p) => p.id === this.draft.id);
  }

  newPath(): void {
    this.stop();
    this.draft = this.blank();
    this.time = 0;
    this.changed();
  }

  open(id: string): void {
    const saved = this.viewer.records.cameraPaths.find((p) => p.id === id);
    if (!saved) return;
    this.stop();
    this.draft = structuredClone(bare(saved));
    this.time = 0;
    this.changed();
  }

  private nextTime(): number {
    const last = this.draft.keyframes.at(-1);
    return last ? last.time + DEFAULT_STEP_SECONDS : 0;
  }

  private push(k: CameraKeyframe): void {
    this.draft.keyframes.push(k);
    this.time = k.time;
    this.changed();
  }

  /** The camera as it is now (a perspective keyframe from the current position and orbit target). */
  addCurrentView(): void {
    const v = this.viewer;
    const nav = v.navigation;
    const n = this.draft.keyframes.length + 1;
    this.push({
      position: v.toSource(v.camera.position.toArray()),
      target: v.toSource(nav.target.toArray()),
      fov: nav.perspective.fov,
      time: this.nextTime(),
      name: `Keyframe ${n}`,
    });
  }

  addSavedView(viewId: string): void {
    const view = this.viewer.records.views.find((sv) => sv.id === viewId);
    if (view) this.push(keyframeFromView(view, this.nextTime()));
  }

  /**
   * Moves keyframe `i` one place up (-1) or down (+1). The times stay where they are in the list (the
   * path still runs 0, 2, 4 … s); what moves is the camera: position, target, field of view and name.
   */
  move(i: number, by: -1 | 1): void {
    const ks = this.draft.keyframes;
    const j = i + by;
    if (j < 0 || j >= ks.length) return;
    const a = ks[i]!;
    const b = ks[j]!;
    ks[i] = { ...b, time: a.time };
    ks[j] = { ...a, time: b.time };
    this.changed();
  }

  remove(i: number): void {
    this.draft.keyframes.splice(i, 1);
    this.time = Math.min(this.time, this.duration);
    this.changed();
  }

  setTime(i: number, seconds: number): void {
    const k = this.draft.keyframes[i];
    if (k && Number.isFinite(seconds)) k.time = seconds;
    this.changed();
  }

  setFps(fps: number): void {
    if (Number.isFinite(fps)) this.draft.fps = fps;
    this.changed();
  }

  /** Blank: the path ends at its last keyframe. */
  setDuration(seconds: number | null): void {
    if (seconds === null || !Number.isFinite(seconds)) delete this.draft.duration;
    else this.draft.duration = seconds;
    this.changed();
  }

  setName(name: string): void {
    this.draft.name = name;
    this.changed();
  }

  /** The scene core's pose at `time` seconds, in the displayed frame; null while the path cannot be drawn. */
  poseAt(time: number): CameraPose | null {
    if (this.draft.keyframes.length === 0 || cameraPathProblems(this.draft).length > 0) return null;
    return new CameraPathSampler(this.draft, (p: Vec3) => this.viewer.toWorld(p)).at(time);
  }

  /** Shows the path's camera at `time` seconds (the scrub slider). */
  scrub(time: number): CameraPose | null {
    this.time = Math.max(0, Math.min(time, this.duration));
    const pose = this.poseAt(this.time);
    if (pose) {
      this.viewer.leavePhoto();
      this.viewer.navigation.showPose(pose.position, pose.quaternion, pose.fov, pose.focusDistance);
      this.viewer.invalidate();
    }
    return pose;
  }

  get isPlaying(): boolean {
    return this.playing !== null;
  }

  /** Plays the path in real time from the slider's place (from the start when at the end). */
  play(onFrame: () => void): void {
    this.stop();
    if (!this.poseAt(0)) return;
    const from = this.time >= this.duration ? 0 : this.time;
    const started = performance.now();
    const step = (now: number) => {
      const t = from + (now - started) / 1000;
      this.scrub(t);
      onFrame();
      if (t < this.duration) this.playing = requestAnimationFrame(step);
      else {
        this.playing = null;
        this.changed();
      }
    };
    this.playing = requestAnimationFrame(step);
    this.changed();
  }

  stop(): void {
    if (this.playing !== null) cancelAnimationFrame(this.playing);
    this.playing = null;
  }

  /** Keeps the path in the case (a `camera-paths` record and its custody event on the server). */
  async save(): Promise<void> {
    const records = this.viewer.records;
    const record = structuredClone(this.draft);
    if (this.isSaved) {
      const held = records.cameraPaths.find((p) => p.id === record.id)!;
      Object.assign(held, record);
      if (record.duration === undefined) delete held.duration;
      await records.update('camera-paths', held);
    } else await records.add('camera-paths', record);
  }

  /** The file `vestige scene path export` writes for this path (scene core's `cameraPathFile`). */
  exportText(): string {
    const m = this.viewer.manifest;
    return JSON.stringify(cameraPathFile(this.draft, { sceneId: m.id, units: m.units }), null, 2) + '\n';
  }

  /**
   * Takes a camera path file (as exported here or by the CLI) as the draft; Save keeps it. The full
   * schema check is the server's on Save (the viewer's bundle carries no schema library); this refuses
   * what is plainly another kind of file.
   */
  importText(text: string, fileName: string): void {
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new Error(`${fileName} is not readable JSON: ${(err as Error).message}`);
    }
    if (json?.schema !== CAMERA_PATH_SCHEMA || json.version !== CAMERA_PATH_VERSION || !Array.isArray(json.keyframes)) {
      throw new Error(
        `${fileName} is not a Vestige camera path (schema ${CAMERA_PATH_SCHEMA}, version ${CAMERA_PATH_VERSION}). Export one from the viewer or with \`vestige scene path export\`.`,
      );
    }
    const { schema: _s, version: _v, sceneId: _i, frame: _f, units: _u, interpolation: _n, ...path } = json;
    this.stop();
    this.draft = path as unknown as CameraPath;
    this.time = 0;
    this.changed();
  }
}
