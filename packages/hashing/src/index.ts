// Front door of @vestige/hashing. Other packages import only from here.
export { isHex, hexToBytes, bytesToHex, hammingDistance, hammingDistanceHex, popcount32 } from './hex.ts';
export type { RawPixels, PerceptualHash, PerceptualHasher } from './perceptual/hasher.ts';
export {
  pdqFromLuma,
  pdqDihedralFromLuma,
  pdqLuma,
  pdqHex,
  referencePreResize,
  PDQ_DIHEDRAL_ORDER,
  PDQ_MIN_DIMENSION,
  PDQ_REFERENCE_MAX_DIMENSION,
  type Hash256,
  type PdqResult,
  type PdqDihedralResult,
} from './perceptual/pdq.ts';
export { pdqHash, pdqDihedralHashes, pdqHasher, PDQ_VERSION, type PdqOptions } from './perceptual/pdq-hasher.ts';
export { pHash, pHasher } from './perceptual/phash.ts';
export { dHash, dHasher } from './perceptual/dhash.ts';
export { perceptualHashers, perceptualHasher } from './perceptual/registry.ts';
export { hashImage, hashPixels, type ImageHashes } from './perceptual/hash-image.ts';
export { decodeImage, type DecodedImage } from './image/decode.ts';
export type {
  HashSetEntry,
  HashSetMeta,
  HashSetRecord,
  HashSetFormat,
  ByteSource,
  AlternativeHash,
  VpdqFrameHash,
  VicsProfile,
} from './sets/types.ts';
export {
  vicsFormat,
  VICS_CONTEXT,
  vicsContext,
  vicsProfileOf,
  vicsMediaToEntry,
  entryToVicsMedia,
} from './sets/vics.ts';
export { VicsScanner, type VicsScanEvent } from './sets/vics-scanner.ts';
export { csvFormat, csvRecords, parseCsvRecord, MAX_RECORD_LINES, type CsvRecord } from './sets/csv.ts';
export { textLines, MAX_LINE_BYTES, type TextLine } from './sets/line-reader.ts';
export { utf8Bytes, textChunks, byteOrderMark, describeBinary } from './sets/text-source.ts';
export { hashdeepFormat, hashdeepColumns } from './sets/hashdeep.ts';
export { plainFormat } from './sets/plain.ts';
export { nsrlRds3Format, nsrlRds2Format, isNsrlRds3 } from './sets/nsrl.ts';
export { onlyForeignHashes } from './sets/entry-builder.ts';
export {
  hashSetFormats,
  hashSetFormat,
  detectHashSetFormat,
  readHashSetFile,
  loadHashSet,
  writeHashSetFile,
  hashSetIdentity,
  setVersionOf,
} from './sets/registry.ts';
export {
  UK_CATEGORIES,
  UK_CATEGORY_LABELS,
  VICS_CATEGORY_LABELS,
  isUkCategory,
  parseUkCategory,
  ukToVics,
  vicsToUk,
  ukToUkProfile,
  ukProfileToUk,
  type UkCategory,
} from './categorise/categories.ts';
export { parseVpdq, parseVpdqFrames, parseVpdqJson, formatVpdqFrames, formatVpdqJson } from './video/vpdq-format.ts';
export {
  hashVideoVpdq,
  matchVpdq,
  prepareVpdqFrames,
  VPDQ_DISTANCE,
  VPDQ_QUALITY,
  VPDQ_MATCH_PERCENT,
  type VpdqOptions,
  type VpdqMatchResult,
} from './video/vpdq-reference.ts';
export { VpdqVideoIndex, type VideoVpdqMatch } from './video/vpdq-video-index.ts';
export { PdqIndex, COMPACT_FROM, type PdqIndexLayout, type PdqIndexParts } from './match/pdq-index.ts';
export { BatchedPdqSearch } from './match/batched-search.ts';
export { sweepPlan, type SweepChunk, type SweepPlan } from './match/sweep-index.ts';
export {
  PdqHashArray,
  bruteForceSearch,
  hashWords,
  mergeShares,
  tauFor,
  PDQ_WORDS,
  type FlatHits,
  type IndexHit,
  type SearchShare,
} from './match/pdq-hashes.ts';
export {
  ANNOTATION,
  RECORDS,
  type PdqAnnotation,
  type SimpleHashAnnotation,
  type CategoryAnnotation,
  type MatchAnnotationEntry,
} from './case/annotations.ts';
export {
  hashCaseImages,
  hashCaseVideos,
  hashCaseVideoFrames,
  VPDQ_VERSION,
  VPDQ_FRAMES_VERSION,
  type HashCaseOptions,
  type HashCaseReport,
  type VpdqAnnotation,
  type VpdqFramesAnnotation,
} from './case/hash-items.ts';
export { perceptualHashJob, perceptualHashPayload } from './case/perceptual-job.ts';
export { CaseVideoMatcher } from './case/video-matching.ts';
export { matchCase, type MatchCaseOptions, type MatchCaseReport, type ItemMatch } from './case/match-case.ts';
export {
  nearDuplicateGroups,
  groupCaseNearDuplicates,
  caseGroup,
  type NearDuplicateGroup,
  type GroupingOptions,
} from './case/groups.ts';
export {
  categorise,
  categorisedEntries,
  categorisedItems,
  type CategoriseOptions,
  type CategoriseResult,
} from './case/categorise.ts';
export { exportCaseForReview, type CaseExportOptions, type CaseExportResult } from './case/case-export.ts';
export {
  writeContactSheet,
  thumbnail,
  THUMBNAIL_VIEWS,
  type ThumbnailView,
  type ContactSheetOptions,
} from './case/contact-sheet.ts';
export {
  hashVideo,
  matchVideos,
  type VideoHash,
  type VideoSegmentHash,
  type VideoHashOptions,
  type VideoMatch,
  type VideoMatchRange,
} from './video/vpdq.ts';
export { HashingWorkerPool } from './worker/pool.ts';
