// Front door of @vestige/ffmpeg: which ffmpeg and ffprobe to run, what they can do, and one way to run them.
// Its own package so that everything that spawns ffmpeg (video, video hashing, render encoding) finds the same
// binaries without depending on each other.
export {
  resolveFfmpeg,
  resolveFfprobe,
  clearFfmpegCache,
  ffmpegFeatures,
  inspectCandidates,
  passthroughArgs,
  videoTimingArgs,
  DRAWTEXT_FONT,
  type BinarySource,
  type ResolvedBinary,
  type RejectedCandidate,
  type FfmpegFeatures,
} from './resolve.ts';
export { runTool, stderrTail, type ToolResult, type RunToolOptions } from './run.ts';
