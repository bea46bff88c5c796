import sharp from 'sharp';
import { z } from 'zod';
import { VestigeError } from '@vestige/evidence';
import { defineOperation } from '../operation.ts';
import { from8, to8, type Raster } from '../raster.ts';
import { fmt, point } from './params.ts';

const colour = z
  .string()
  .regex(/^#[0-9a-fA-F]{6}$/, 'colour must be #rrggbb')
  .default('#ffd400');

const mark = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('arrow'),
    from: point,
    to: point,
    colour,
    width: z.number().min(1).max(50).default(4),
  }),
  z.strictObject({
    type: z.literal('text'),
    at: point,
    text: z.string().min(1).max(200),
    size: z.number().min(6).max(400).default(24),
    colour,
    background: z.boolean().default(true),
  }),
  z.strictObject({
    type: z.literal('inset'),
    region: z.strictObject({
      left: z.number().int().min(0),
      top: z.number().int().min(0),
      width: z.number().int().min(1),
      height: z.number().int().min(1),
    }),
    at: point,
    scale: z.number().min(1).max(16),
    interpolation: z.enum(['nearest', 'lanczos3']).default('nearest'),
    colour,
  }),
  z.strictObject({
    type: z.literal('scale-bar'),
    at: point,
    lengthMm: z.number().positive().max(100_000),
    pxPerMm: z.number().positive().optional(),
    colour,
    label: z.boolean().default(true),
  }),
]);
type Mark = z.infer<typeof mark>;

function markWords(m: Mark): string {
  switch (m.type) {
    case 'arrow':
      return `an arrow from (${fmt(m.from[0])}, ${fmt(m.from[1])}) to (${fmt(m.to[0])}, ${fmt(m.to[1])})`;
    case 'text':
      return `the text "${m.text}" at (${fmt(m.at[0])}, ${fmt(m.at[1])})`;
    case 'inset':
      return `a ${fmt(m.scale)}× magnified inset (${m.interpolation} interpolation) of the region ${m.region.width} × ${m.region.height} px at (${m.region.left}, ${m.region.top}), placed at (${fmt(m.at[0])}, ${fmt(m.at[1])})`;
    case 'scale-bar':
      return `a ${fmt(m.lengthMm)} mm scale bar at (${fmt(m.at[0])}, ${fmt(m.at[1])})${m.pxPerMm ? ` (${fmt(m.pxPerMm)} px/mm as given)` : " (from the image's recorded px/mm)"}`;
  }
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

export const annotate = defineOperation({
  id: 'annotate',
  version: '1',
  title: 'Mark up for presentation: arrows, text, magnified insets, scale bar',
  annotation: true,
  schema: z.strictObject({ marks: z.array(mark).min(1).max(100) }),
  describe: (p) =>
    `Annotation for presentation only (not an enhancement): drew ${p.marks.map(markWords).join('; ')}. Text is set in DejaVu Sans. The pixels under the marks are covered; the un-annotated image is kept as a separate output.`,
  reference: 'Presentation mark-up; SVG rendered by librsvg and composited by libvips.',
  async apply(img, p) {
    const w = img.width;
    const h = img.height;
    const svg: string[] = [];
    const composites: sharp.OverlayOptions[] = [];
    for (const m of p.marks) {
      if (m.type === 'arrow') {
        const [x0, y0] = m.from;
        const [x1, y1] = m.to;
        const a = Math.atan2(y1 - y0, x1 - x0);
        const head = m.width * 4;
        const hx = x1 - head * Math.cos(a);
        const hy = y1 - head * Math.sin(a);
        const l = [hx + (head / 2) * Math.sin(a), hy - (head / 2) * Math.cos(a)];
        const r = [hx - (head / 2) * Math.sin(a), hy + (head / 2) * Math.cos(a)];
        svg.push(
          `<line x1="${x0}" y1="${y0}" x2="${hx}" y2="${hy}" stroke="${m.colour}" stroke-width="${m.width}" stroke-linecap="round"/>`,
        );
        svg.push(`<polygon points="${x1},${y1} ${l[0]},${l[1]} ${r[0]},${r[1]}" fill="${m.colour}"/>`);
      } else if (m.type === 'text') {
        const [x, y] = m.at;
        if (m.background) {
          const approxW = m.text.length * m.size * 0.62;
          svg.push(
            `<rect x="${x - m.size * 0.2}" y="${y - m.size}" width="${approxW + m.size * 0.4}" height="${m.size * 1.3}" fill="#000000" fill-opacity="0.6"/>`,
          );
        }
        svg.push(
          `<text x="${x}" y="${y}" font-family="DejaVu Sans" font-size="${m.size}" fill="${m.colour}">${esc(m.text)}</text>`,
        );
      } else if (m.type === 'inset') {
        const r = m.region;
        if (r.left + r.width > w || r.top + r.height > h)
          throw new VestigeError(
            'E_PARAM_INVALID',
            `inset region ${r.width}×${r.height} at (${r.left}, ${r.top}) is outside the ${w}×${h} image`,
          );
        const iw = Math.round(r.width * m.scale);
        const ih = Math.round(r.height * m.scale);
        const left = Math.round(m.at[0]);
        const top = Math.round(m.at[1]);
        if (left < 0 || top < 0 || left + iw > w || top + ih > h)
          throw new VestigeError(
            'E_PARAM_INVALID',
            `the ${iw}×${ih} inset placed at (${left}, ${top}) does not fit in the ${w}×${h} image`,
          );
        const patch = await sharp(to8(img), { raw: { width: w, height: h, channels: img.channels } })
          .extract({ left: r.left, top: r.top, width: r.width, height: r.height })
          .resize({ width: iw, height: ih, fit: 'fill', kernel: m.interpolation })
          .toColourspace('srgb')
          .png()
          .toBuffer();
        composites.push({ input: patch, left, top });
        svg.push(
          `<rect x="${r.left}" y="${r.top}" width="${r.width}" height="${r.height}" fill="none" stroke="${m.colour}" stroke-width="2"/>`,
        );
        svg.push(
          `<rect x="${left}" y="${top}" width="${iw}" height="${ih}" fill="none" stroke="${m.colour}" stroke-width="3"/>`,
        );
      } else {
        const ppm = m.pxPerMm ?? img.pxPerMm;
        if (!ppm)
          throw new VestigeError(
            'E_PARAM_INVALID',
            'scale bar: the image has no known scale; rectify it first or give pxPerMm',
            { hint: 'Add a perspective step (which records px/mm) or set pxPerMm on the scale-bar mark.' },
          );
        const len = m.lengthMm * ppm;
        const [x, y] = m.at;
        svg.push(
          `<rect x="${x}" y="${y}" width="${len}" height="${Math.max(4, len / 40)}" fill="${m.colour}" stroke="#000000" stroke-width="1"/>`,
        );
        if (m.label)
          svg.push(
            `<text x="${x}" y="${y - 6}" font-family="DejaVu Sans" font-size="${Math.max(12, Math.min(48, len / 4))}" fill="${m.colour}">${fmt(m.lengthMm)} mm</text>`,
          );
      }
    }
    const overlay = Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">${svg.join('')}</svg>`,
    );
    composites.push({ input: overlay, left: 0, top: 0 });
    const { data, info } = await sharp(to8(img), { raw: { width: w, height: h, channels: img.channels } })
      .toColourspace('srgb')
      .composite(composites)
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const out: Raster = from8(data, info.width, info.height, 3);
    return { ...out, pxPerMm: img.pxPerMm };
  },
});
