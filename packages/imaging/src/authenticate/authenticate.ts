import sharp from 'sharp';
import { digestBuffer, type CaseStore, type Item } from '@vestige/evidence';
import { decodeImage } from '../codec.ts';
import { imagingLibraries } from '../sharp-bridge.ts';
import { ELA_VERSION, errorLevelAnalysis } from './ela.ts';
import {
  AUTHENTICATE_ACTIVITY,
  AUTHENTICATION_NAMESPACE,
  EXPLANATIONS,
  type AuthenticationFindings,
} from './findings.ts';
import { analyseQuantisation } from './jpeg-quantisation.ts';
import { analyseMetadata } from './metadata.ts';
import { NOISE_VERSION, noiseResidualMap } from './noise.ts';

export interface AuthenticateOptions {
  operator: string;
  pixelLimit?: number;
  elaQuality?: number;
}

const png = (map: Uint8Array, w: number, h: number) =>
  sharp(map, { raw: { width: w, height: h, channels: 3 } })
    .png({ compressionLevel: 6, adaptiveFiltering: false })
    .toBuffer();

/**
 * Runs the authentication checks on an item. The item is only read; the heat maps are stored as derived
 * items (with provenance) and the findings as an annotation on the item, so the report can show them.
 */
export async function authenticateItem(
  store: CaseStore,
  itemId: string,
  options: AuthenticateOptions,
): Promise<{ findings: AuthenticationFindings; heatMaps: Item[] }> {
  const item = store.item(itemId);
  const bytes = await store.blobs.read(item.sha256);
  const { raster, source } = await decodeImage(bytes, {
    file: `${item.id} (${item.name})`,
    ...(options.pixelLimit ? { pixelLimit: options.pixelLimit } : {}),
  });
  const startedAt = store.now();
  const metadata = await analyseMetadata(bytes, raster, store.sources(item.id));
  const isJpeg = source.format === 'jpeg';
  const quant = isJpeg ? analyseQuantisation(bytes) : undefined;
  const elaQuality = options.elaQuality ?? 90;
  const ela = await errorLevelAnalysis(raster, elaQuality);
  const noise = noiseResidualMap(raster);
  const elaPng = await png(ela.map, ela.width, ela.height);
  const noisePng = await png(noise.map, noise.width, noise.height);
  const elaDigests = digestBuffer(elaPng);
  const noiseDigests = digestBuffer(noisePng);
  await store.blobs.putBuffer(elaPng);
  await store.blobs.putBuffer(noisePng);
  const base = item.name.replace(/\.[^.]+$/, '');
  const recorded = store.recordDerivation({
    activity: AUTHENTICATE_ACTIVITY,
    inputs: [{ sha256: item.sha256, itemId: item.id, role: 'source' }],
    steps: [
      {
        operation: 'imaging.error-level-analysis',
        version: ELA_VERSION,
        parameters: { quality: elaQuality, maxGain: 64, block: 8 },
        description: EXPLANATIONS.ela,
        reference: 'N. Krawetz, "A Picture\'s Worth: Digital Image Analysis and Forensics", Black Hat Briefings, 2007.',
      },
      {
        operation: 'imaging.noise-residual',
        version: NOISE_VERSION,
        parameters: { median: 3, block: 16 },
        description: EXPLANATIONS.noise,
        reference:
          'J. Lukáš, J. Fridrich & M. Goljan, "Digital camera identification from sensor pattern noise", IEEE TIFS 1(2), 2006; B. Mahdian & S. Saic, "Using noise inconsistencies for blind image forensics", Image Vis. Comput. 27(10), 2009.',
      },
    ],
    outputs: [
      {
        digests: elaDigests,
        name: `${base}.ela.png`,
        mediaType: 'image/png',
        metadata: { analysis: 'ela', of: item.id },
      },
      {
        digests: noiseDigests,
        name: `${base}.noise.png`,
        mediaType: 'image/png',
        metadata: { analysis: 'noise-residual', of: item.id },
      },
    ],
    libraries: imagingLibraries(),
    operator: options.operator,
    startedAt,
    finishedAt: store.now(),
  });
  const [elaItem, noiseItem] = recorded.items as [Item, Item];
  const findings: AuthenticationFindings = {
    version: 1,
    itemId: item.id,
    sha256: item.sha256,
    format: source.format,
    width: source.width,
    height: source.height,
    provenanceId: recorded.provenance.id,
    metadata,
    ...(quant
      ? {
          quantisation: {
            tables: quant.tables,
            estimatedQuality: quant.estimatedQuality,
            exactIjgMatch: quant.exactIjgMatch,
            meanDifference: quant.meanDifference,
            family: quant.family,
          },
        }
      : {}),
    ela: {
      itemId: elaItem.id,
      sha256: elaItem.sha256,
      quality: elaQuality,
      scale: Number(ela.gain.toFixed(2)),
      meanError: ela.meanError,
      p99Error: ela.p99Error,
      ...(isJpeg
        ? {}
        : {
            note: `The original is ${source.format}, not JPEG: ELA is only meaningful for images that were JPEG-compressed; it is shown for completeness.`,
          }),
    },
    noise: { itemId: noiseItem.id, sha256: noiseItem.sha256, medianSigma: noise.medianSigma, spread: noise.spread },
  };
  store.setAnnotation(item.id, AUTHENTICATION_NAMESPACE, findings, options.operator);
  return { findings, heatMaps: recorded.items };
}
