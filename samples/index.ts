// Front door of @vestige/samples: the generators of the demo's sample data, one line per area. Each writes its
// files deterministically (seeded, or ffmpeg with fixed settings) into the folder it is given.
// Tests and benches may still reach a single fixture writer by its path (`@vestige/samples/scene/formats.ts`);
// package sources import only from here (tests/code/package-graph.test.ts).
export { generateSeizedSample, type SeizedSample } from './evidence/generate.ts';
export { generateSampleHashSet, type SampleHashSet } from './hashing/generate.ts';
export { generateImagingSample, type ImagingSample } from './imaging/generate.ts';
export { generateVideoSamples, DEMO_CLIP, type VideoSamples } from './video/generate.ts';
export { generateSceneSamples, type SceneSamples } from './scene/generate.ts';
export { generateFaceClip, VISION_FIXTURES, FACE_CLIP, type FaceClipTruth } from './vision/generate.ts';
export { writeRoomPhotos, writeRoomVideo, type RoomPhotos, type RoomVideo } from './reconstruct/room-views.ts';
