import { exifExtractor, isAudioVisualType, type MetadataExtractor } from '@vestige/evidence';
import { probeMediaSummary } from '@vestige/video';

/** Container and stream summary for audio/video evidence, from ffprobe. */
const mediaExtractor: MetadataExtractor = {
  id: 'media',
  accepts: isAudioVisualType,
  extract: (blobPath) => probeMediaSummary(blobPath),
};

/** The metadata read at ingest. The CLI wires them so that @vestige/evidence needs neither exifr-for-video nor ffprobe. */
export const ingestExtractors: MetadataExtractor[] = [exifExtractor, mediaExtractor];
