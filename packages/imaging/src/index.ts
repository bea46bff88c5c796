export type { Raster } from './raster.ts';
export { createRaster, from8, to8, planes, fromPlanes, luma16, MAX16 } from './raster.ts';
export type { ImageOperation, OperationContext } from './operation.ts';
export { defineOperation } from './operation.ts';
export { getOperation, imageOperations, listOperations, registerOperation } from './registry.ts';
export {
  decodeImage,
  encodePng,
  previewJpeg,
  DEFAULT_PIXEL_LIMIT,
  SUPPORTED_FORMATS,
  type DecodeOptions,
  type DecodedImage,
  type SourceImageInfo,
  type EncodeOptions,
} from './codec.ts';
export {
  parseRecipe,
  loadRecipeFile,
  runRecipe,
  recipeToJson,
  OPERATION_PREFIX,
  type Recipe,
  type RecipeStep,
  type RecipeSource,
  type RecipeResult,
  type AppliedStep,
} from './recipe.ts';
export {
  enhanceItems,
  validateItem,
  recipeOfItem,
  evidenceLimits,
  ENHANCE_ACTIVITY,
  type EnhanceOptions,
  type EnhanceResult,
  type ValidationReport,
} from './enhance.ts';
export { imagingLibraries } from './sharp-bridge.ts';
export {
  analyseQuantisation,
  readQuantTables,
  ijgTable,
  type QuantAnalysis,
  type QuantTable,
} from './authenticate/jpeg-quantisation.ts';
export { buildPsf, convolve, type PsfSpec } from './kernels/psf.ts';
export { phaseCorrelate } from './kernels/phase-correlation.ts';
export { homographyFromPoints, applyHomography } from './kernels/homography.ts';
export { psnr } from './quality.ts';
export { authenticateItem, type AuthenticateOptions } from './authenticate/authenticate.ts';
export {
  AUTHENTICATION_NAMESPACE,
  AUTHENTICATE_ACTIVITY,
  EXPLANATIONS,
  renderAuthenticationSection,
  type AuthenticationFindings,
} from './authenticate/findings.ts';
export { analyseMetadata, type MetadataFindings, type MetadataCheck } from './authenticate/metadata.ts';
export { errorLevelAnalysis } from './authenticate/ela.ts';
export { noiseResidualMap } from './authenticate/noise.ts';
export { buildEnhancementReport, type ReportOptions, type EnhancementReport } from './report/court-report.ts';
export { esc, dataUri, table, code, paramsBlock, REPORT_CSS } from './report/html.ts';
