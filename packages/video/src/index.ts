// Front door of @vestige/video. Other packages import only from here.
// The ffmpeg resolution lives in @vestige/ffmpeg (video hashing needs it too); re-exported for video's users.
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
} from '@vestige/ffmpeg';
export { probeMediaSummary, summariseProbe, type MediaSummary, type StreamSummary } from './probe/summary.ts';
export { ffprobeFile, type FfprobeResult, type FfprobeStream, type FfprobeFormat } from './probe/ffprobe.ts';
export {
  probeVideo,
  duplicateRuns,
  type VideoProbe,
  type VideoStreamReport,
  type FrameRow,
  type DuplicateRun,
  type ProbeOptions,
} from './probe/probe.ts';
export { analyseRate, scanPackets, type RateAnalysis, type PacketScan } from './probe/packets.ts';
export {
  decodeFrames,
  PNG_ENCODER_ARGS,
  type DecodeRequest,
  type DecodeResult,
  type DecodeOutput,
  type DecodeStream,
} from './decode/session.ts';
export type { FrameInfo, PictType, DecodeProblem } from './decode/log.ts';
export {
  extractFrames,
  describeDamage,
  EXTRACT_ACTIVITY,
  type ExtractFramesOptions,
  type ExtractFramesReport,
  type ExtractedFrame,
} from './extract/extract-frames.ts';
export { videoFramesJob, videoFramesPayload } from './extract/frames-job.ts';
export { openVideoSource, pngPixelFormat, type VideoSource } from './extract/source.ts';
export {
  frameSelector,
  frameSelectorRegistry,
  frameSelectors,
  registerFrameSelector,
  validateSelection,
} from './select/registry.ts';
export {
  indexExpression,
  type FrameSelector,
  type SelectionPlan,
  type SelectorContext,
  type SelectorStream,
} from './select/selector.ts';
export { laplacianVariance } from './select/sharpest.ts';
export { chooseKeyframes, type KeyframeParams, type FrameMotion } from './select/keyframes.ts';
export {
  rational,
  ptsToRational,
  rationalToString,
  parseTimeSpec,
  parseTimeRational,
  ticksCeil,
  ticksFloor,
  formatClock,
  type Rational,
} from './time.ts';
export { exportClip, CLIP_ACTIVITY, type ExportClipOptions, type ExportClipReport } from './export/clip.ts';
export {
  contactSheet,
  SHEET_ACTIVITY,
  type ContactSheetOptions,
  type ContactSheetReport,
} from './export/contact-sheet.ts';
export {
  setClockCorrection,
  getClockCorrection,
  frameClock,
  localToUtcMs,
  formatInZone,
  validateTimeZone,
  clockCorrectionSchema,
  CLOCK_COLLECTION,
  type ClockCorrection,
  type FrameClock,
} from './time/clock.ts';
export {
  enhanceVideo,
  parseVideoRecipe,
  VIDEO_ENHANCE_ACTIVITY,
  type VideoRecipe,
  type EnhanceVideoOptions,
  type EnhanceVideoReport,
} from './recipe/enhance-video.ts';
export { videoSteps, videoStep, videoStepRegistry, type VideoStep } from './recipe/video-steps.ts';
