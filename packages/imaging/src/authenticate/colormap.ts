/** A perceptually ordered black → purple → red → yellow → white ramp for heat maps (0…1 in, RGB out). */
const STOPS: Array<[number, number, number, number]> = [
  [0, 0, 0, 4],
  [0.25, 87, 16, 110],
  [0.5, 188, 55, 84],
  [0.75, 249, 142, 9],
  [1, 252, 255, 164],
];

export function heat(v: number, out: Uint8Array, at: number): void {
  const x = v <= 0 ? 0 : v >= 1 ? 1 : v;
  let k = 0;
  while (k < STOPS.length - 2 && x > STOPS[k + 1]![0]) k++;
  const [x0, r0, g0, b0] = STOPS[k]!;
  const [x1, r1, g1, b1] = STOPS[k + 1]!;
  const t = (x - x0) / (x1 - x0);
  out[at] = Math.round(r0 + (r1 - r0) * t);
  out[at + 1] = Math.round(g0 + (g1 - g0) * t);
  out[at + 2] = Math.round(b0 + (b1 - b0) * t);
}
