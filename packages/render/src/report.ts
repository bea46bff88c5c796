/**
 * The render report (HTML, self-contained, no script): what was rendered, from what, how, on which
 * nodes, and the chain that ties the video to the scan by hash — scan inputs → tiles → frames → video —
 * with a plan view of the camera path over the scene and sample frames.
 */
import sharp from 'sharp';
import type { CaseStore, Digests } from '@vestige/evidence';
import { REPORT_CSS, code, dataUri, esc, table } from '@vestige/imaging';
import {
  CAMERA_PATH_DESCRIPTION,
  CameraPathSampler,
  cameraPathFrameCount,
  toDisplayed,
  type SceneManifest,
} from '@vestige/scene';
import type { EncodeOutput, EncodeSettings } from './encode.ts';
import type { FrameRecord } from './frames-job.ts';
import { planView } from './plan-view.ts';
import { describeFrames, framesByNode, tileHashesOf, type RenderFacts } from './provenance.ts';
import type { RenderIdentity } from './render-node.ts';

export interface ReportInput extends RenderFacts {
  store: CaseStore;
  renderId: string;
  jobId: string;
  operator: string;
  startedAt: Date;
  finishedAt: Date;
  provenanceId: string;
  encode: { settings: EncodeSettings; output: EncodeOutput; videoItemId: string; masterItemId: string | null } | null;
}

/** First, last, each keyframe's frame and evenly between: up to eight frames to show. */
export function sampleFrames(frames: readonly FrameRecord[], keyFrames: readonly number[]): FrameRecord[] {
  if (frames.length <= 8) return [...frames];
  const wanted = new Set<number>([0, frames.length - 1]);
  for (const k of keyFrames) {
    const i = frames.findIndex((f) => f.n === k);
    if (i >= 0 && wanted.size < 6) wanted.add(i);
  }
  for (let i = 1; wanted.size < 8; i++) wanted.add(Math.round((i * (frames.length - 1)) / 7) % frames.length);
  return [...wanted].sort((a, b) => a - b).map((i) => frames[i]!);
}

function hashRow(label: string, d: Pick<Digests, 'sha256'> & { size?: number }, note = ''): string {
  return `<tr><th>${esc(label)}</th><td>${code(d.sha256)}${d.size !== undefined ? ` <span class="ref">${d.size.toLocaleString('en-GB')} bytes</span>` : ''}${note ? ` <span class="ref">${esc(note)}</span>` : ''}</td></tr>`;
}

function chainSection(manifest: SceneManifest, r: ReportInput): string {
  const scan = manifest.inputs.map((i) => hashRow(`scan input ${i.name}`, i, i.itemId ? `item ${i.itemId}` : ''));
  const tiles = manifest.layers.flatMap((l) => {
    if (l.type !== 'pointcloud') return l.type === 'mesh' ? [hashRow(`mesh ${l.name}`, l.file)] : [];
    const th = tileHashesOf(l);
    return [
      hashRow(`${l.name}: metadata.json`, l.files.metadata),
      hashRow(`${l.name}: hierarchy.bin`, l.files.hierarchy),
      hashRow(`${l.name}: octree.bin`, l.files.octree),
      ...(th
        ? [
            hashRow(
              `${l.name}: tile hashes (root ${th.root.slice(0, 16)}…)`,
              th,
              'one SHA-256 per octree node, checked by the viewer as it loads each node',
            ),
          ]
        : []),
    ];
  });
  const frames = `<tr><th>frames</th><td>${r.frames.length} PNG frames, each under its SHA-256 (listed below, with the SHA-256 of its decoded pixels)</td></tr>`;
  const video = r.encode
    ? [
        hashRow(`video (H.264, item ${r.encode.videoItemId})`, r.encode.output.video),
        ...(r.encode.output.master
          ? [hashRow(`lossless master (FFV1, item ${r.encode.masterItemId})`, r.encode.output.master)]
          : []),
      ]
    : [];
  return (
    `<h2>Chain of hashes: scan → tiles → frames → video</h2><table class="kv">${scan.join('')}` +
    `<tr><th>scene manifest</th><td>${code(r.recipe.manifestSha256)} <span class="ref">scene ${esc(manifest.id)}, canonical JSON as the case holds it</span></td></tr>` +
    `${tiles.join('')}${frames}${video.join('')}</table>` +
    (scan.length === 0
      ? '<p class="note">The manifest names no scan input files (a generated or imported scene).</p>'
      : '')
  );
}

function nodesSection(nodes: readonly RenderIdentity[], frames: readonly FrameRecord[]): string {
  const byNode = framesByNode(frames);
  const rows = nodes.map((n) => {
    const drew = byNode
      .filter((b) => b.worker === n.worker)
      .map((b) => b.ranges)
      .join(', ');
    return `<tr><td>${esc(n.worker)}</td><td>${code(n.renderClass)}<br><span class="ref">canary ${esc(n.canarySha256.slice(0, 24))}…</span></td><td>${esc(n.engine)}<br><span class="ref">${esc(n.webglRenderer)}</span></td><td>${code(n.viewerBundle.slice(0, 24))}…</td><td>${esc(drew)}</td></tr>`;
  });
  const classes = new Set(frames.map((f) => f.renderClass));
  const note =
    classes.size === 1
      ? `<p class="ok">All frames come from one render class: the same scene, recipe, viewer bundle and class give identical frames.</p>`
      : `<p class="note">Frames come from ${classes.size} render classes. Frames of different classes may differ in pixels; each frame's class is listed.</p>`;
  return `<h2>Render nodes</h2>${note}<table><tr><th>worker</th><th>render class</th><th>engine and WebGL renderer</th><th>viewer bundle</th><th>frames drawn</th></tr>${rows.join('')}</table>`;
}

async function samplesSection(store: CaseStore, picks: readonly FrameRecord[], fps: number): Promise<string> {
  const figures: string[] = [];
  for (const f of picks) {
    const thumb = await sharp(await store.blobs.read(f.sha256))
      .resize({ width: 320, withoutEnlargement: true })
      .png()
      .toBuffer();
    figures.push(
      `<figure><img src="${dataUri('image/png', thumb)}" alt="frame ${f.n + 1}"><figcaption>frame ${f.n + 1} (t = ${(f.n / fps).toFixed(3)} s)<br>${code(f.sha256.slice(0, 32))}…</figcaption></figure>`,
    );
  }
  return `<h2>Sample frames</h2><div class="thumbs">${figures.join('')}</div>`;
}

function framesAppendix(frames: readonly FrameRecord[], pixels: readonly string[] | null, fps: number): string {
  const rows = frames.map(
    (f, i) =>
      `<tr><td>${f.n + 1}</td><td>${(f.n / fps).toFixed(3)}</td><td>${code(f.sha256)}</td><td>${pixels ? code(pixels[i]!) : ''}</td><td>${esc(f.renderClass)}</td><td>${esc(f.worker)}</td><td>${f.nodes} / ${f.points.toLocaleString('en-GB')}</td></tr>`,
  );
  return `<h2>Every frame</h2><table><tr><th>frame</th><th>t (s)</th><th>PNG SHA-256</th><th>pixels SHA-256 (RGB)</th><th>class</th><th>worker</th><th>nodes / points drawn</th></tr>${rows.join('')}</table>`;
}

export async function renderReport(r: ReportInput): Promise<string> {
  const { manifest, recipe } = r;
  const path = recipe.cameraPath;
  const sampler = new CameraPathSampler(path, (p) => toDisplayed(manifest, p));
  const keyFrames = path.keyframes.map((k) => Math.round(k.time * path.fps));
  const picks = sampleFrames(r.frames, keyFrames);
  const from = r.frames[0]!.n;
  const to = r.frames.at(-1)!.n;
  const fps = path.fps;
  const keys = path.keyframes.map(
    (k, i) =>
      `<tr><td>K${i + 1}${k.name ? ` ${esc(k.name)}` : ''}</td><td>${k.time.toFixed(3)}</td><td>${k.position.map((v) => v.toFixed(3)).join(', ')}</td><td>${k.target.map((v) => v.toFixed(3)).join(', ')}</td><td>${k.fov}</td></tr>`,
  );
  const info = r.store.info;
  const summary = table([
    ['case', esc(`${info.reference || info.name} (${info.name})`)],
    ['scene', esc(`${manifest.name} (${manifest.id})`)],
    ['render', `${esc(r.renderId)}, job ${esc(r.jobId)}, provenance ${esc(r.provenanceId)}`],
    [
      'frames',
      `${r.frames.length} (frames ${from + 1}–${to + 1} of ${cameraPathFrameCount(path)}), ${recipe.resolution.width} × ${recipe.resolution.height}, ${fps} fps, ${(r.frames.length / fps).toFixed(2)} s`,
    ],
    ['operator', esc(r.operator)],
    ['rendered', `${esc(r.startedAt.toISOString())} – ${esc(r.finishedAt.toISOString())}`],
  ]);
  const encode = r.encode
    ? `<h2>Encoding</h2><p>${esc(`ffmpeg ${r.encode.output.ffmpeg.version}, libx264 CRF ${r.encode.settings.crf}, preset ${r.encode.settings.preset}, yuv420p BT.709, +faststart${r.encode.output.master ? '; lossless FFV1 RGB master' : ''}.`)}</p><pre class="params">ffmpeg ${esc(r.encode.output.ffmpeg.args.join(' '))}</pre>`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Render report ${esc(r.renderId)}</title><style>${REPORT_CSS}</style></head><body>
<h1>Render report: ${esc(manifest.name)}</h1><p class="sub">Vestige render farm · ${esc(path.name || path.id)} · ${esc(info.reference || info.name)}</p>
${summary}
<h2>What was done</h2><p>${esc(describeFrames(r))}</p>
${chainSection(manifest, r)}
<h2>Camera path over the scene (plan view)</h2><p class="ref">From above, in the displayed frame (+X right, +Y up). Squares: keyframes; red arrows: the sample frames below and where the camera looks.</p>
${await planView(
  r.store,
  manifest,
  path,
  { from, to },
  picks.map((f) => f.n),
)}
<h3>Keyframes (source frame, ${esc(manifest.units)})</h3><table><tr><th>key</th><th>time (s)</th><th>position</th><th>target</th><th>fov (°)</th></tr>${keys.join('')}</table>
<p class="ref">${esc(CAMERA_PATH_DESCRIPTION)} Frame ${from + 1} is at ${sampler
    .frame(from)
    .position.map((v) => v.toFixed(3))
    .join(', ')} (displayed frame).</p>
${await samplesSection(r.store, picks, fps)}
${nodesSection(r.nodes, r.frames)}
<h2>Recipe</h2><pre class="params">${esc(JSON.stringify(recipe, null, 2))}</pre>
${encode}
${framesAppendix(r.frames, r.encode?.output.framePixels ?? null, fps)}
<footer>Made by Vestige from provenance ${esc(r.provenanceId)}. Every hash above can be checked: \`vestige verify --case …\` re-hashes every blob, and the frames re-render to the same bytes on a node of the same render class.</footer>
</body></html>
`;
}
