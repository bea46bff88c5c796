/**
 * Eye-dome lighting: shades each pixel by how much nearer its neighbours are (in log depth), so the
 * shape of a point cloud without colour reads like a lit surface, with no normals needed
 * (Boucheny, "Interactive scientific visualization of large datasets", 2009).
 */
import {
  Camera,
  Color,
  DepthTexture,
  LinearSRGBColorSpace,
  Mesh,
  OrthographicCamera,
  PlaneGeometry,
  Scene,
  ShaderMaterial,
  UnsignedIntType,
  Vector2,
  WebGLRenderTarget,
  type WebGLRenderer,
} from 'three';

/** The viewer's background, #14181d. */
export const BACKGROUND = 0x14181d;

/**
 * `hex` as the numbers the shader must write. `new Color(hex)` converts an sRGB hex to linear values
 * (three.js colour management), and this shader writes its uniform to the canvas unconverted, so the
 * background came out nearly black ((1, 2, 3) instead of (20, 24, 29)) whenever EDL was on.
 */
function displayValues(hex: number): Color {
  return new Color().setRGB(
    ((hex >> 16) & 255) / 255,
    ((hex >> 8) & 255) / 255,
    (hex & 255) / 255,
    LinearSRGBColorSpace,
  );
}

export class EyeDomeLighting {
  private target: WebGLRenderTarget;
  private readonly quadScene = new Scene();
  private readonly quadCamera = new OrthographicCamera(-1, 1, 1, -1, 0, 1);
  private readonly material: ShaderMaterial;
  strength = 1.0;
  radius = 1.4;

  constructor(width: number, height: number) {
    this.target = this.makeTarget(width, height);
    this.material = new ShaderMaterial({
      // The background is given in display (sRGB) values: the render target holds the clear colour in linear space.
      uniforms: {
        tColor: { value: null },
        tDepth: { value: null },
        uSize: { value: new Vector2(width, height) },
        uNear: { value: 0.1 },
        uFar: { value: 1000 },
        uOrtho: { value: false },
        uStrength: { value: 1 },
        uRadius: { value: 1.4 },
        uBackground: { value: displayValues(BACKGROUND) },
      },
      vertexShader: /* glsl */ `varying vec2 vUv; void main() { vUv = uv; gl_Position = vec4(position.xy, 0.0, 1.0); }`,
      fragmentShader: /* glsl */ `
        uniform sampler2D tColor; uniform sampler2D tDepth; uniform vec2 uSize;
        uniform float uNear; uniform float uFar; uniform bool uOrtho; uniform float uStrength; uniform float uRadius; uniform vec3 uBackground;
        varying vec2 vUv;
        float linearDepth(vec2 uv) {
          float d = texture2D(tDepth, uv).x;
          if (d >= 1.0) return -1.0;
          if (uOrtho) return uNear + d * (uFar - uNear);
          float z = d * 2.0 - 1.0;
          return (2.0 * uNear * uFar) / (uFar + uNear - z * (uFar - uNear));
        }
        void main() {
          vec4 color = texture2D(tColor, vUv);
          float depth = linearDepth(vUv);
          if (depth < 0.0) { gl_FragColor = vec4(uBackground, 1.0); return; }
          float l = log2(depth);
          float response = 0.0;
          vec2 px = uRadius / uSize;
          vec2 dirs[8];
          dirs[0] = vec2(1.0, 0.0); dirs[1] = vec2(-1.0, 0.0); dirs[2] = vec2(0.0, 1.0); dirs[3] = vec2(0.0, -1.0);
          dirs[4] = vec2(0.707, 0.707); dirs[5] = vec2(-0.707, 0.707); dirs[6] = vec2(0.707, -0.707); dirs[7] = vec2(-0.707, -0.707);
          for (int i = 0; i < 8; i++) {
            float n = linearDepth(vUv + dirs[i] * px);
            response += n < 0.0 ? 0.3 : max(0.0, l - log2(n));
          }
          float shade = exp(-response / 8.0 * 60.0 * uStrength);
          gl_FragColor = vec4(color.rgb * shade, color.a);
        }`,
      depthTest: false,
      depthWrite: false,
    });
    this.quadScene.add(new Mesh(new PlaneGeometry(2, 2), this.material));
  }

  private makeTarget(width: number, height: number): WebGLRenderTarget {
    const depthTexture = new DepthTexture(width, height, UnsignedIntType);
    return new WebGLRenderTarget(width, height, { depthTexture, depthBuffer: true });
  }

  setSize(width: number, height: number): void {
    this.target.dispose();
    this.target = this.makeTarget(width, height);
    (this.material.uniforms.uSize!.value as Vector2).set(width, height);
  }

  render(renderer: WebGLRenderer, scene: Scene, camera: Camera & { near: number; far: number }): void {
    renderer.setRenderTarget(this.target);
    renderer.clear();
    renderer.render(scene, camera);
    renderer.setRenderTarget(null);
    const u = this.material.uniforms;
    u.tColor!.value = this.target.texture;
    u.tDepth!.value = this.target.depthTexture;
    u.uNear!.value = camera.near;
    u.uFar!.value = camera.far;
    u.uOrtho!.value = (camera as unknown as OrthographicCamera).isOrthographicCamera === true;
    u.uStrength!.value = this.strength;
    u.uRadius!.value = this.radius;
    renderer.render(this.quadScene, this.quadCamera);
  }
}
