import { exifExtractor, isAudioVisualType, type MetadataExtractor } from '@vestige/evidence';

/** Container and stream summary for audio/video evidence, from ffprobe. */
const mediaExtractor: MetadataExtractor = {
  id: 'media',
  accepts: isAudioVisualType,
  // Imported on first use: an ingest of photos never pays for loading the video package.
  extract: async (blobPath) => (await import('@vestige/video')).probeMediaSummary(blobPath),
};

/**
 * The metadata read at ingest. The CLI wires them so that @vestige/evidence needs neither exifr-for-video nor ffprobe.
 */
export const ingestExtractors: MetadataExtractor[] = [exifExtractor, mediaExtractor];
