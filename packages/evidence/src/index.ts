export {
  VestigeError,
  isVestigeError,
  schemaProblems,
  type ErrorCode,
  type VestigeErrorOptions,
  type SchemaIssue,
} from './errors.ts';
export { registry, registryKinds, type Registry } from './registry.ts';
export type {
  Digests,
  Item,
  ItemKind,
  Source,
  SoftwareVersions,
  ProvenanceInput,
  ProvenanceOutput,
  ProvenanceStep,
  ProvenanceRecord,
  CustodyEvent,
} from './types.ts';
export { canonicalJson } from './canonical-json.ts';
export { MultiHasher, digestBuffer, sha256Hex, isSha256Hex, SHA256_HEX } from './digests.ts';
export { softwareVersions, vestigeVersionString } from './versions.ts';
export { BlobStore, displayPath, decodePathBytes } from './blob-store.ts';
export { StreamedBlobSink, type StreamedBlob } from './streamed-blobs.ts';
export {
  CustodyLog,
  custodyEventHash,
  rawEventHash,
  verifyEventChain,
  parseHead,
  ChainWalk,
  GENESIS_PREV,
  type CustodyHead,
  type ChainProblem,
  type NewCustodyEvent,
  type RawEvent,
  type AnchorRead,
} from './custody-log.ts';
export { BOUND_TABLES, jsonBlobRefs, type BoundTable } from './bound-tables.ts';
export { type RowBinding } from './row-binding.ts';
export {
  writeCaseSummary,
  readCaseSummaries,
  readHeadNote,
  SUMMARY_DIR,
  type CaseSummary,
  type SummaryItem,
} from './case-summaries.ts';
export {
  CaseStore,
  CASE_MARKER,
  asCaseError,
  type CaseInfo,
  type OpenOptions,
  type InitOptions,
  type DerivationInput,
  type DerivationOutput,
} from './case-store.ts';
export { CaseLock } from './case-lock.ts';
export {
  ingest,
  type IngestOptions,
  type IngestReport,
  type IngestProgress,
  type IngestProblem,
  type IngestedFile,
  type MetadataExtractor,
} from './ingest.ts';
export { exifExtractor } from './exif-extractor.ts';
export { verifyCase, type VerifyReport, type VerifyProblem, type VerifyOptions, type AnchorCheck } from './verify.ts';
export { exportBundle, type BundleManifest, type BundleItem, type ExportReport } from './export-bundle.ts';
export { verifyBundle, type BundleVerifyReport } from './verify-bundle.ts';
export {
  createSigningKey,
  loadSigningKey,
  loadPublicKey,
  signBundle,
  checkBundleSignature,
  caseContaining,
  keyIdOf,
  SIGNATURE_FILE,
  type BundleSignature,
  type SignatureStatus,
} from './bundle-signing.ts';
export { sniffMediaType, isImageType, isAudioVisualType } from './media-type.ts';
export { FileWorkerPool } from './file-worker-pool.ts';
export { seededRandom, seededUint32 } from './seeded-random.ts';
export { migrateCase, type MigrationReport } from './case-migration.ts';
export { CASE_SCHEMA_VERSION } from './schema.ts';
export { verifyDamagedCase } from './damaged-case.ts';
export { pngMetadataInput, isPng, PNG_METADATA_CHUNK_LIMIT, type PngMetadataInput } from './png-metadata.ts';
export { defineJobType, type JobType, type JobContext, type ChildJob } from './job-type.ts';
export { verifyCaseJob, ingestJob } from './evidence-jobs.ts';
export { inJobCase, payloadItems, verifiedItemPath } from './job-case.ts';
