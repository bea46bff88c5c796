/**
 * Scanner photos (E57 images2D) over the points: step to a photo's scan position and see the photo laid
 * over the scene, as Potree's oriented images and panoramas do.
 *
 * The photo is drawn on a sphere around its centre of projection, hung in the layer frame at the
 * photo's pose, so the sphere's own coordinates are the photo's frame. For each fragment the shader takes
 * the direction from the centre and maps it to a pixel by the photo's projection — the GLSL twin of the
 * scene core's `photoPixelOf` (core/photo-projection.ts). Standing at the centre, every screen pixel
 * thus shows the photo pixel its viewing ray meets, for pinhole, spherical and cylindrical photos alike,
 * with no resampling into a cube map. The sphere neither writes nor tests depth and is not pickable, so
 * measurement still snaps to points.
 *
 * A photo whose file states no usable projection (the libE57Format fixture's pinholes have focal length
 * and pixel size 0) is shown as a picture beside the view, never placed where it cannot be placed.
 */
import {
  BackSide,
  Matrix4,
  Mesh,
  Quaternion,
  ShaderMaterial,
  SphereGeometry,
  Texture,
  Vector3,
  type Group,
} from 'three';
import { unprojectableReason, type ScanPhotoRecord, type Vec3 } from '@vestige/scene/core';
import { IntegrityError, type Api } from './api.ts';
import type { NavigationControls } from './navigation.ts';

const KIND = { pinhole: 0, spherical: 1, cylindrical: 2 } as const;

const VERTEX = /* glsl */ `
varying vec3 vDir;
void main() {
  vDir = position;
  gl_Position = projectionMatrix * modelViewMatrix * vec4(position, 1.0);
}`;

// Pixel centres at integers, x right, y down (photo-projection.ts states the conventions).
const FRAGMENT = /* glsl */ `
precision highp float;
uniform sampler2D uImage;
uniform int uKind;
uniform vec2 uSize;
uniform vec2 uPixel;      // pinhole: metres; spherical: radians; cylindrical: radians across, metres down
uniform vec3 uLens;       // pinhole: focal length, cx, cy; cylindrical: radius, principal row
uniform float uOpacity;
varying vec3 vDir;
const float PI = 3.141592653589793;
void main() {
  vec3 d = normalize(vDir);
  vec2 px;
  if (uKind == 0) {
    if (d.z <= 0.0) discard;
    px = vec2(uLens.y + uLens.x / uPixel.x * d.x / d.z, uLens.z + uLens.x / uPixel.y * d.y / d.z);
  } else {
    float across = length(d.xy);
    float column = uSize.x * 0.5 - 0.5 - atan(d.y, d.x) / uPixel.x;
    if (uKind == 1) px = vec2(column, uSize.y * 0.5 - 0.5 - atan(d.z, across) / uPixel.y);
    else {
      if (across <= 0.0) discard;
      px = vec2(column, uLens.y - uLens.x * d.z / across / uPixel.y);
    }
  }
  if (px.x < -0.5 || px.y < -0.5 || px.x > uSize.x - 0.5 || px.y > uSize.y - 0.5) discard;
  vec4 c = texture2D(uImage, (px + 0.5) / uSize);
  gl_FragColor = vec4(c.rgb, uOpacity);
}`;

export interface ScanPhotoEntry {
  layer: string;
  photo: ScanPhotoRecord;
}

/** What the test hook and the panel read: the photo shown and how. */
export interface ScanPhotoState {
  id: string;
  name: string;
  /** `projected`: laid over the points; `picture`: shown beside the view (no usable projection). */
  mode: 'projected' | 'picture';
  drawn: boolean;
  note: string | null;
}

export class ScanPhotos {
  readonly entries: ScanPhotoEntry[];
  opacity = 0.8;
  state: ScanPhotoState | null = null;
  private mesh: Mesh<SphereGeometry, ShaderMaterial> | null = null;
  private pictureUrl: string | null = null;

  constructor(
    layers: readonly { type: string; id: string; photos?: readonly ScanPhotoRecord[] }[],
    private readonly deps: {
      api: Api;
      navigation: NavigationControls;
      transform: Matrix4;
      origin: readonly number[];
      frame: Group;
      toWorld(source: Vec3): Vec3;
      /** Radius of the photo sphere: large enough to stand inside while looking around. */
      radius(): number;
      picture: HTMLImageElement;
      container: HTMLElement;
      warn(message: string): void;
      changed(): void;
    },
  ) {
    this.entries = layers.flatMap((l) =>
      l.type === 'photos' && l.photos ? l.photos.map((photo) => ({ layer: l.id, photo })) : [],
    );
  }

  get active(): boolean {
    return this.state !== null;
  }

  /** The photo after (step 1) or before (step −1) the one shown, for stepping between scan positions. */
  neighbour(step: 1 | -1): ScanPhotoEntry | undefined {
    if (this.entries.length === 0) return undefined;
    const at = this.state ? this.entries.findIndex((e) => e.photo.id === this.state!.id) : -1;
    return this.entries[(at + step + this.entries.length) % this.entries.length];
  }

  async show(entry: ScanPhotoEntry): Promise<void> {
    this.leave();
    const { photo } = entry;
    const reason = unprojectableReason(photo.projection);
    const distortion =
      photo.projection.kind === 'pinhole' && photo.projection.distortion
        ? 'The file gives lens distortion coefficients; they are not applied, so the photo may be off near its edges.'
        : null;
    this.state = {
      id: photo.id,
      name: photo.name,
      mode: reason ? 'picture' : 'projected',
      drawn: false,
      note: reason ? `Shown beside the view, not over the points: ${reason}.` : distortion,
    };
    let bytes: ArrayBuffer;
    try {
      bytes = await this.deps.api.verifiedBlob(photo.image.sha256, `photo ${photo.name}`);
    } catch (err) {
      this.deps.warn(err instanceof IntegrityError ? err.message : `Photo ${photo.name}: ${(err as Error).message}`);
      return;
    }
    if (this.state?.id !== photo.id) return;
    if (reason) this.showPicture(bytes, photo);
    else await this.showProjected(bytes, photo);
    this.state.drawn = true;
    this.deps.changed();
  }

  private showPicture(bytes: ArrayBuffer, photo: ScanPhotoRecord): void {
    this.pictureUrl = URL.createObjectURL(new Blob([bytes], { type: photo.image.mediaType }));
    const el = this.deps.picture;
    el.src = this.pictureUrl;
    // A picture with no geometry: a fixed box in the corner, at its own aspect, over the view.
    const size = Math.min(240, this.deps.container.clientWidth / 3);
    const aspect =
      photo.projection.width > 0 && photo.projection.height > 0 ? photo.projection.width / photo.projection.height : 1;
    Object.assign(el.style, {
      width: `${size}px`,
      height: `${size / aspect}px`,
      left: '10px',
      top: 'auto',
      bottom: '10px',
      opacity: '1',
    });
    el.dataset.photo = photo.id;
    el.hidden = false;
  }

  private async showProjected(bytes: ArrayBuffer, photo: ScanPhotoRecord): Promise<void> {
    const p = photo.projection;
    if (p.kind === 'reference') return;
    const bitmap = await this.decode(bytes, photo);
    const texture = new Texture(bitmap);
    texture.flipY = false;
    texture.needsUpdate = true;
    const lens =
      p.kind === 'pinhole'
        ? new Vector3(p.focalLength, p.principalPointX, p.principalPointY)
        : p.kind === 'cylindrical'
          ? new Vector3(p.radius, p.principalPointY, 0)
          : new Vector3();
    const material = new ShaderMaterial({
      vertexShader: VERTEX,
      fragmentShader: FRAGMENT,
      uniforms: {
        uImage: { value: texture },
        uKind: { value: KIND[p.kind] },
        uSize: { value: [p.width, p.height] },
        uPixel: { value: [p.pixelWidth, p.pixelHeight] },
        uLens: { value: lens },
        uOpacity: { value: this.opacity },
      },
      side: BackSide,
      transparent: true,
      depthTest: false,
      depthWrite: false,
    });
    const mesh = new Mesh(new SphereGeometry(this.deps.radius(), 96, 48), material);
    const [tx, ty, tz] = photo.pose.translation;
    const o = this.deps.origin;
    mesh.position.set(tx - o[0]!, ty - o[1]!, tz - o[2]!);
    const [w, x, y, z] = photo.pose.rotation;
    mesh.quaternion.set(x, y, z, w);
    mesh.renderOrder = 10;
    mesh.frustumCulled = false;
    mesh.name = `scan-photo:${photo.id}`;
    this.deps.frame.add(mesh);
    this.mesh = mesh;
    this.stepInto(photo);
  }

  /** Large panoramas are scaled to what the GPU takes as one texture (the shader works in file pixels). */
  private async decode(bytes: ArrayBuffer, photo: ScanPhotoRecord): Promise<ImageBitmap> {
    const blob = new Blob([bytes], { type: photo.image.mediaType });
    const max = 8192;
    const { width, height } = photo.projection;
    if (width <= max && height <= max) return createImageBitmap(blob);
    const s = max / Math.max(width, height);
    return createImageBitmap(blob, {
      resizeWidth: Math.floor(width * s),
      resizeHeight: Math.floor(height * s),
      resizeQuality: 'high',
    });
  }

  /** The camera at the photo's centre: looking along its optical axis (pinhole) or its azimuth 0, level. */
  private stepInto(photo: ScanPhotoRecord): void {
    const [w, x, y, z] = photo.pose.rotation;
    const q = new Quaternion(x, y, z, w).premultiply(
      new Quaternion().setFromRotationMatrix(new Matrix4().extractRotation(this.deps.transform)),
    );
    const p = photo.projection;
    const pinhole = p.kind === 'pinhole';
    const forward = (pinhole ? new Vector3(0, 0, 1) : new Vector3(1, 0, 0)).applyQuaternion(q);
    const up = (pinhole ? new Vector3(0, -1, 0) : new Vector3(0, 0, 1)).applyQuaternion(q);
    const fovY = pinhole ? (2 * Math.atan(p.height / 2 / (p.focalLength / p.pixelHeight)) * 180) / Math.PI : 60;
    this.deps.navigation.lookFrom(this.deps.toWorld(photo.pose.translation), forward, up, fovY);
  }

  setOpacity(value: number): void {
    this.opacity = value;
    if (this.mesh) this.mesh.material.uniforms['uOpacity']!.value = value;
    if (this.pictureUrl) this.deps.picture.style.opacity = String(value);
  }

  /** Back to the viewer's own camera; returns false when no photo was shown. */
  leave(): boolean {
    if (!this.state) return false;
    this.state = null;
    if (this.mesh) {
      this.deps.frame.remove(this.mesh);
      this.mesh.geometry.dispose();
      (this.mesh.material.uniforms['uImage']!.value as Texture).dispose();
      this.mesh.material.dispose();
      this.mesh = null;
      this.deps.navigation.resetLens();
    }
    if (this.pictureUrl) {
      URL.revokeObjectURL(this.pictureUrl);
      this.pictureUrl = null;
      this.deps.picture.hidden = true;
      delete this.deps.picture.dataset.photo;
    }
    return true;
  }
}
