/**
 * A synthetic crime-scene-like room as points: floor, four walls, a table and a body-sized box, with
 * colour, intensity and classification. Deterministic (seeded), any size, generated chunk by chunk so a
 * 10-million-point cloud never sits in memory at once.
 */
import { seededRandom as rng } from '@vestige/evidence';

/** Same shape as `PointChunk` of @vestige/scene (samples depend on no package they do not need). */
export interface RoomChunk {
  kind: 'points';
  count: number;
  positions: Float64Array;
  rgb: Uint16Array;
  intensity: Uint16Array;
  classification: Uint8Array;
}

export interface RoomOptions {
  points: number;
  seed?: number;
  chunkPoints?: number;
  /** Added to every coordinate (scanner frames are large, e.g. UTM). */
  origin?: [number, number, number];
}

export function* syntheticRoom(options: RoomOptions): Generator<RoomChunk> {
  const rnd = rng(options.seed ?? 42);
  const per = options.chunkPoints ?? 262_144;
  const [ox, oy, oz] = options.origin ?? [0, 0, 0];
  const W = 6,
    D = 5,
    H = 2.6;
  for (let done = 0; done < options.points; ) {
    const n = Math.min(per, options.points - done);
    const positions = new Float64Array(n * 3);
    const rgb = new Uint16Array(n * 3);
    const intensity = new Uint16Array(n);
    const classification = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const s = rnd();
      let x: number, y: number, z: number, r: number, g: number, b: number, c: number;
      const noise = (rnd() - 0.5) * 0.004;
      if (s < 0.4) {
        // floor
        x = rnd() * W;
        y = rnd() * D;
        z = noise;
        r = 150;
        g = 120;
        b = 90;
        c = 2;
      } else if (s < 0.8) {
        // walls
        const w = Math.floor(rnd() * 4);
        const t = rnd();
        z = rnd() * H;
        if (w === 0) {
          x = t * W;
          y = noise;
        } else if (w === 1) {
          x = t * W;
          y = D + noise;
        } else if (w === 2) {
          x = noise;
          y = t * D;
        } else {
          x = W + noise;
          y = t * D;
        }
        r = 220;
        g = 220;
        b = 210;
        c = 6;
      } else if (s < 0.9) {
        // table top at 0.75 m
        x = 1 + rnd() * 1.6;
        y = 1 + rnd() * 0.9;
        z = 0.75 + noise;
        r = 110;
        g = 70;
        b = 40;
        c = 20;
      } else {
        // a body-sized box on the floor
        x = 3.5 + rnd() * 1.8;
        y = 2.5 + rnd() * 0.5;
        z = rnd() * 0.3;
        r = 40;
        g = 60;
        b = 140;
        c = 21;
      }
      positions[i * 3] = ox + x;
      positions[i * 3 + 1] = oy + y;
      positions[i * 3 + 2] = oz + z;
      const shade = 0.85 + rnd() * 0.15;
      rgb[i * 3] = Math.round(r * shade) * 257;
      rgb[i * 3 + 1] = Math.round(g * shade) * 257;
      rgb[i * 3 + 2] = Math.round(b * shade) * 257;
      intensity[i] = Math.round(shade * 40000);
      classification[i] = c;
    }
    yield { kind: 'points', count: n, positions, rgb, intensity, classification };
    done += n;
  }
}
