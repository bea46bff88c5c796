/**
 * Photos that come inside scan files (E57 `images2D`: the scanner's own cameras), with their pixels,
 * pose and projection, as the file states them. The scene build stores each image as a case blob and
 * keeps pose and projection beside it, so the viewer can lay the photo over the points. Nothing here is
 * converted: units and frames are those of ASTM E2807 (E57) §8.4, so the record can be checked against
 * the original file.
 */

/** How a photo's pixels map to directions from its centre of projection (E57 image representations). */
export type ScanPhotoProjection =
  | {
      kind: 'pinhole';
      width: number;
      height: number;
      /** Metres, as are the pixel sizes: focal length in pixels is focalLength / pixelWidth. */
      focalLength: number;
      pixelWidth: number;
      pixelHeight: number;
      /** Pixels: where the camera's z axis meets the image. */
      principalPointX: number;
      principalPointY: number;
      /** Lens distortion when the file gives it (Leica camera-distortion extension, OpenCV coefficients). */
      distortion?: Record<string, number | string>;
    }
  | {
      kind: 'spherical';
      width: number;
      height: number;
      /** Radians per pixel, across and down. */
      pixelWidth: number;
      pixelHeight: number;
    }
  | {
      kind: 'cylindrical';
      width: number;
      height: number;
      /** Radians per pixel across; metres per pixel down. */
      pixelWidth: number;
      pixelHeight: number;
      /** Metres from the centre of projection to the cylinder. */
      radius: number;
      /** Pixels: the row where the cylinder meets the z = 0 plane. */
      principalPointY: number;
    }
  | {
      /** A picture for reference only, with no projection (E57 visualReferenceRepresentation). */
      kind: 'reference';
      width: number;
      height: number;
    };

/** One encoded image (JPEG or PNG) inside the scan file, read on demand. */
export interface ScanPhotoImage {
  mediaType: 'image/jpeg' | 'image/png';
  byteLength: number;
  /**
   * The encoded bytes, streamed from the scan file in bounded pieces (E57: every page checked against
   * its CRC). Opens the file itself, so it can be called after the points were read.
   */
  bytes(): AsyncIterable<Uint8Array>;
}

export interface ScanPhoto {
  /** The file's identifier for the image (E57 guid), else `<format>-image-<index>`. */
  id: string;
  name: string;
  description?: string;
  /** Position among the file's images. */
  index: number;
  /**
   * Camera-to-scene transform as the file states it (unit quaternion w, x, y, z, then translation), in
   * the same frame as the points the file yields. Absent when the file gives none (identity).
   */
  pose?: { rotation: [number, number, number, number]; translation: [number, number, number] };
  projection: ScanPhotoProjection;
  /** The scan this photo was taken with (E57 associatedData3DGuid). */
  scanGuid?: string;
  image: ScanPhotoImage;
  /** A PNG mask of the valid pixels, when the file has one. */
  mask?: ScanPhotoImage;
}
