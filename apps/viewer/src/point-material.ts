import { ShaderMaterial, Vector2, Vector3, type IUniform } from 'three';

export type ColorMode = 'rgb' | 'intensity' | 'height' | 'uniform';
export const COLOR_MODES: readonly ColorMode[] = ['rgb', 'intensity', 'height', 'uniform'];

/** Uniforms every point node shares; a node's own material adds only its spacing. */
export interface SharedPointUniforms {
  [name: string]: IUniform;
  uColorMode: IUniform<number>;
  uHeightRange: IUniform<Vector2>;
  uIntensityRange: IUniform<Vector2>;
  uMinSize: IUniform<number>;
  uSizeFactor: IUniform<number>;
  uScreenScale: IUniform<number>;
  uOrtho: IUniform<boolean>;
  uClip: IUniform<boolean>;
  uClipMin: IUniform<Vector3>;
  uClipMax: IUniform<Vector3>;
  /** Round points (a disc) or square ones (the whole point sprite): a render recipe's point shape. */
  uRound: IUniform<boolean>;
}

export function sharedPointUniforms(): SharedPointUniforms {
  return {
    uColorMode: { value: 0 },
    uHeightRange: { value: new Vector2(0, 1) },
    uIntensityRange: { value: new Vector2(0, 65535) },
    uMinSize: { value: 2 },
    uSizeFactor: { value: 1.2 },
    uScreenScale: { value: 1000 },
    uOrtho: { value: false },
    uClip: { value: false },
    uClipMin: { value: new Vector3(-1e9, -1e9, -1e9) },
    uClipMax: { value: new Vector3(1e9, 1e9, 1e9) },
    uRound: { value: true },
  };
}

const vertexShader = /* glsl */ `
attribute vec3 rgb;
attribute float intensity;
uniform int uColorMode;
uniform vec2 uHeightRange;
uniform vec2 uIntensityRange;
uniform float uMinSize;
uniform float uSizeFactor;
uniform float uScreenScale;
uniform float uSpacing;
uniform bool uOrtho;
uniform bool uClip;
uniform vec3 uClipMin;
uniform vec3 uClipMax;
varying vec3 vColor;
varying float vClipped;

vec3 ramp(float t) {
  t = clamp(t, 0.0, 1.0);
  // Blue → cyan → green → yellow → red: readable on dark and light backgrounds.
  vec3 a = vec3(0.15, 0.25, 0.9), b = vec3(0.1, 0.8, 0.9), c = vec3(0.2, 0.85, 0.25), d = vec3(0.95, 0.9, 0.2), e = vec3(0.9, 0.2, 0.15);
  if (t < 0.25) return mix(a, b, t * 4.0);
  if (t < 0.5) return mix(b, c, (t - 0.25) * 4.0);
  if (t < 0.75) return mix(c, d, (t - 0.5) * 4.0);
  return mix(d, e, (t - 0.75) * 4.0);
}

void main() {
  vec4 world = modelMatrix * vec4(position, 1.0);
  vec4 mv = viewMatrix * world;
  gl_Position = projectionMatrix * mv;
  // Spacing is in the layer's frame; a scaled scene (scale adjustment) scales it too.
  float spacing = uSpacing * length(modelMatrix[0].xyz);
  float px = uOrtho ? spacing * uScreenScale : spacing * uScreenScale / max(-mv.z, 1e-6);
  gl_PointSize = clamp(px * uSizeFactor, uMinSize, 48.0);
  vClipped = (uClip && (any(lessThan(world.xyz, uClipMin)) || any(greaterThan(world.xyz, uClipMax)))) ? 1.0 : 0.0;
  if (uColorMode == 0) vColor = rgb;
  else if (uColorMode == 1) { float t = (intensity - uIntensityRange.x) / max(uIntensityRange.y - uIntensityRange.x, 1.0); vColor = vec3(clamp(t, 0.0, 1.0)); }
  else if (uColorMode == 2) vColor = ramp((world.z - uHeightRange.x) / max(uHeightRange.y - uHeightRange.x, 1e-6));
  else vColor = vec3(0.92);
}
`;

const fragmentShader = /* glsl */ `
uniform bool uRound;
varying vec3 vColor;
varying float vClipped;
void main() {
  if (vClipped > 0.5) discard;
  vec2 c = gl_PointCoord - 0.5;
  if (uRound && dot(c, c) > 0.25) discard;
  gl_FragColor = vec4(vColor, 1.0);
}
`;

export function pointMaterial(shared: SharedPointUniforms, spacing: number): ShaderMaterial {
  return new ShaderMaterial({ uniforms: { ...shared, uSpacing: { value: spacing } }, vertexShader, fragmentShader });
}
