import { existsSync } from 'node:fs';
import { VestigeError } from '@vestige/evidence/errors';
import type { RejectedCandidate, ResolvedBinary } from '@vestige/video';
import { ExitCode, type CliCommand } from '../command.ts';

interface ToolReport {
  tool: 'ffmpeg' | 'ffprobe';
  chosen: ResolvedBinary | null;
  error: string | null;
  rejected: RejectedCandidate[];
  alternatives: ResolvedBinary[];
}

async function inspect(tool: 'ffmpeg' | 'ffprobe'): Promise<ToolReport> {
  const { inspectCandidates } = await import('@vestige/video');
  try {
    const { chosen, rejected, alternatives } = inspectCandidates(tool, { all: true });
    return { tool, chosen, rejected, alternatives, error: chosen ? null : `no working ${tool} found` };
  } catch (err) {
    if (err instanceof VestigeError) return { tool, chosen: null, rejected: [], alternatives: [], error: err.message };
    throw err;
  }
}

export const command: CliCommand = {
  name: 'doctor',
  summary: 'Check the tools Vestige runs (ffmpeg, ffprobe, COLMAP): which binary, its version and what it supports',
  usage: `vestige doctor [--json]

Shows which ffmpeg and ffprobe Vestige will use and why (FFMPEG_PATH/FFPROBE_PATH, ffmpeg-static, PATH,
@ffmpeg-installer), every candidate that was passed over, and the features video work needs: frame-rate
passthrough, the decoders and encoders used, deinterlacing, stabilisation, burned-in text and its font;
and COLMAP for photogrammetry: present or not, its version, and whether it can do dense stereo (CUDA).
Also the backend machine-learning models run on (WebAssembly with SIMD, or tfjs-node when its native
addon loads) and whether every model file matches its pinned SHA-256.
Exit code 1 when something required is missing.`,
  options: {},
  async run(_args, out) {
    const tools = [await inspect('ffmpeg'), await inspect('ffprobe')];
    const ffmpeg = tools[0]!.chosen;
    const { DRAWTEXT_FONT, ffmpegFeatures } = await import('@vestige/video');
    const features = ffmpeg ? ffmpegFeatures(ffmpeg) : null;
    const checks: Array<{ name: string; ok: boolean; required: boolean; detail: string }> = [];
    if (features) {
      const has = (set: ReadonlySet<string>, name: string) => set.has(name);
      checks.push(
        {
          name: 'frame-rate passthrough',
          ok: true,
          required: true,
          detail: features.fpsMode ? '-fps_mode passthrough' : '-vsync passthrough (older ffmpeg)',
        },
        {
          name: 'per-frame info (showinfo)',
          ok: has(features.filters, 'showinfo'),
          required: true,
          detail: features.showinfoChecksumOption ? 'showinfo, checksums off' : 'showinfo',
        },
        { name: 'frame selection (select)', ok: has(features.filters, 'select'), required: true, detail: 'select' },
        { name: 'PNG encoder', ok: has(features.encoders, 'png'), required: true, detail: 'png' },
        { name: 'H.264 decoder', ok: has(features.decoders, 'h264'), required: false, detail: 'h264' },
        { name: 'HEVC decoder', ok: has(features.decoders, 'hevc'), required: false, detail: 'hevc' },
        { name: 'lossless video (FFV1)', ok: has(features.encoders, 'ffv1'), required: false, detail: 'ffv1' },
        { name: 'H.264 encoder', ok: has(features.encoders, 'libx264'), required: false, detail: 'libx264' },
        {
          name: 'deinterlace',
          ok: has(features.filters, 'bwdif') || has(features.filters, 'yadif'),
          required: false,
          detail: ['bwdif', 'yadif'].filter((f) => has(features.filters, f)).join(', ') || 'none',
        },
        {
          name: 'stabilisation',
          ok: features.vidstab || has(features.filters, 'deshake'),
          required: false,
          detail: features.vidstab ? 'vidstab (two-pass)' : has(features.filters, 'deshake') ? 'deshake only' : 'none',
        },
        {
          name: 'temporal denoise',
          ok: has(features.filters, 'hqdn3d') || has(features.filters, 'atadenoise'),
          required: false,
          detail: ['hqdn3d', 'atadenoise', 'tmedian'].filter((f) => has(features.filters, f)).join(', '),
        },
        { name: 'frame averaging', ok: has(features.filters, 'tmix'), required: false, detail: 'tmix' },
        {
          name: 'burned-in text',
          ok: features.drawtext && existsSync(DRAWTEXT_FONT),
          required: false,
          detail: features.drawtext
            ? existsSync(DRAWTEXT_FONT)
              ? `drawtext with ${DRAWTEXT_FONT}`
              : `drawtext, but font ${DRAWTEXT_FONT} is missing (apt-get install fonts-dejavu-core)`
            : 'drawtext not built in',
        },
        {
          name: 'level-tagged log',
          ok: features.levelPrefix,
          required: false,
          detail: features.levelPrefix ? '-loglevel level+info' : 'not supported: damage is found by message text',
        },
      );
    }
    // Photogrammetry: COLMAP is optional (only `vestige reconstruct` needs it); dense stereo needs a CUDA build.
    const { colmapEngine } = await import('@vestige/reconstruct');
    const colmap = colmapEngine.probe();
    checks.push(
      {
        name: 'COLMAP (photogrammetry)',
        ok: colmap.available,
        required: false,
        detail: colmap.identity ? `${colmap.identity.version} ${colmap.identity.path}` : (colmap.note ?? 'not found'),
      },
      {
        name: 'dense stereo (COLMAP CUDA)',
        ok: colmap.dense,
        required: false,
        detail: colmap.dense ? 'this COLMAP has CUDA: reconstruct.dense runs here' : (colmap.note ?? 'no COLMAP'),
      },
    );
    const { checkVision } = await import('@vestige/vision');
    const vision = await checkVision();
    const failed = tools.some((t) => !t.chosen) || checks.some((c) => c.required && !c.ok) || !vision.ok;
    if (out.json) {
      out.stdout(JSON.stringify({ ok: !failed, tools, checks, colmap, vision }));
    } else {
      for (const t of tools) {
        if (t.chosen)
          out.stdout(`${t.tool.padEnd(8)} ${t.chosen.version}  ${t.chosen.path}  (from ${t.chosen.source})`);
        else out.stdout(`${t.tool.padEnd(8)} MISSING: ${t.error}`);
        for (const a of t.alternatives) out.stdout(`           also usable ${a.source}: ${a.path} (${a.version})`);
        for (const r of t.rejected) out.stdout(`           not usable  ${r.source}: ${r.path ?? '—'} (${r.reason})`);
      }
      for (const c of checks)
        out.stdout(`  ${c.ok ? 'ok  ' : c.required ? 'FAIL' : 'no  '}  ${c.name.padEnd(28)} ${c.detail}`);
      out.stdout(
        vision.backend
          ? `vision   backend ${vision.label}  (${vision.backend.binary ? `${vision.backend.binary.name} sha256 ${vision.backend.binary.sha256.slice(0, 16)}…` : 'native libtensorflow'}; tfjs-node: ${vision.backend.nodeBackendUnavailable ?? 'in use'})`
          : `vision   FAIL  no backend: ${vision.error}`,
      );
      for (const m of vision.models)
        out.stdout(
          `  ${m.ok ? 'ok  ' : 'FAIL'}  model ${m.id.padEnd(28)} ${m.ok ? `${m.version}, files match the manifest` : m.problem}`,
        );
      out.stdout(
        failed
          ? '\nSomething required is missing: install ffmpeg (apt-get install ffmpeg) or set FFMPEG_PATH/FFPROBE_PATH; reinstall model packages with pnpm install.'
          : '\nVideo tools and vision models are ready.',
      );
    }
    return failed ? ExitCode.failed : ExitCode.ok;
  },
};
