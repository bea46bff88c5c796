/**
 * E57 `images2D` (ASTM E2807 §8.4): each child holds one of four representations — pinhole, spherical,
 * cylindrical or visual reference — with its picture as a JPEG or PNG Blob (a byte range in a blob
 * section, named by the section's physical offset and the picture's length) and an optional PNG mask.
 * This file reads the XML side into descriptions; e57.ts streams the blob bytes.
 */
import { VestigeError } from '@vestige/evidence';
import type { ScanPhotoProjection } from '../photos.ts';
import { attr, child, num, poseOf, text, vectorChildren, type E57Rotation, type XmlNode } from './e57-xml.ts';

export interface E57BlobRef {
  mediaType: 'image/jpeg' | 'image/png';
  /** Physical offset of the blob section. */
  fileOffset: number;
  length: number;
}

export interface E57Image {
  index: number;
  name: string;
  guid: string;
  description?: string;
  scanGuid?: string;
  rotation: E57Rotation;
  translation: [number, number, number];
  projection: ScanPhotoProjection;
  image: E57BlobRef | undefined;
  mask: E57BlobRef | undefined;
}

const REPRESENTATIONS = [
  ['pinholeRepresentation', 'pinhole'],
  ['sphericalRepresentation', 'spherical'],
  ['cylindricalRepresentation', 'cylindrical'],
  ['visualReferenceRepresentation', 'reference'],
] as const;

function blobRef(node: XmlNode | undefined, mediaType: E57BlobRef['mediaType'], file: string): E57BlobRef | undefined {
  if (!node) return undefined;
  const fileOffset = Number(attr(node, 'fileOffset'));
  const length = Number(attr(node, 'length'));
  if (
    attr(node, 'type') !== 'Blob' ||
    !Number.isSafeInteger(fileOffset) ||
    !Number.isSafeInteger(length) ||
    length < 0
  ) {
    throw new VestigeError('E_INPUT_CORRUPT', 'An E57 image names its picture with a malformed Blob element.', {
      file,
      hint: 'The file is damaged or was written by a faulty exporter.',
    });
  }
  return { mediaType, fileOffset, length };
}

/** The Leica camera-distortion extension (libE57Format's `dist:` namespace), kept as the file gives it. */
function distortionOf(image: XmlNode): Record<string, number | string> | undefined {
  const key = Object.keys(image).find((k) => k === 'distortion' || k.endsWith(':distortion'));
  if (!key) return undefined;
  const node = image[key] as XmlNode;
  const out: Record<string, number | string> = {};
  for (const [name, value] of Object.entries(node)) {
    if (name === '@' || name === '#text') continue;
    const field = name.includes(':') ? name.slice(name.indexOf(':') + 1) : name;
    const type = attr(value, 'type');
    if (type === 'String') out[field] = text(value) ?? '';
    else out[field] = num(value);
  }
  return out;
}

function projectionOf(kind: ScanPhotoProjection['kind'], rep: XmlNode, image: XmlNode): ScanPhotoProjection {
  const width = num(child(rep, 'imageWidth'));
  const height = num(child(rep, 'imageHeight'));
  const n = (name: string): number => num(child(rep, name));
  switch (kind) {
    case 'pinhole': {
      const distortion = distortionOf(image);
      return {
        kind,
        width,
        height,
        focalLength: n('focalLength'),
        pixelWidth: n('pixelWidth'),
        pixelHeight: n('pixelHeight'),
        principalPointX: n('principalPointX'),
        principalPointY: n('principalPointY'),
        ...(distortion ? { distortion } : {}),
      };
    }
    case 'spherical':
      return { kind, width, height, pixelWidth: n('pixelWidth'), pixelHeight: n('pixelHeight') };
    case 'cylindrical':
      return {
        kind,
        width,
        height,
        pixelWidth: n('pixelWidth'),
        pixelHeight: n('pixelHeight'),
        radius: n('radius'),
        principalPointY: n('principalPointY'),
      };
    default:
      return { kind: 'reference', width, height };
  }
}

/** The images of an E57 document, in file order (those without any representation are left out). */
export function e57Images(root: XmlNode, file: string): E57Image[] {
  const images: E57Image[] = [];
  vectorChildren(child(root, 'images2D')).forEach((node, index) => {
    const found = REPRESENTATIONS.find(([element]) => child(node, element));
    if (!found) return;
    const rep = child(node, found[0])!;
    const { rotation, translation } = poseOf(node);
    const description = text(child(node, 'description'));
    const scanGuid = text(child(node, 'associatedData3DGuid'));
    images.push({
      index,
      name: text(child(node, 'name')) ?? `image ${index}`,
      guid: text(child(node, 'guid')) ?? '',
      ...(description ? { description } : {}),
      ...(scanGuid ? { scanGuid } : {}),
      rotation,
      translation,
      projection: projectionOf(found[1], rep, node),
      image: blobRef(child(rep, 'jpegImage'), 'image/jpeg', file) ?? blobRef(child(rep, 'pngImage'), 'image/png', file),
      mask: blobRef(child(rep, 'imageMask'), 'image/png', file),
    });
  });
  return images;
}
