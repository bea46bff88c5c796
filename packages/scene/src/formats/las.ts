/** LAS 1.0–1.4, point formats 0–10, extra bytes kept in the record stride (not stored in the octree). */
import { InputFile, corrupt, withInputFile } from '../io/input-file.ts';
import type { SceneChunk } from '../points.ts';
import { DEFAULT_CHUNK_POINTS, type SceneFormat, type SceneHeader, type SceneReadOptions } from './format.ts';
import {
  decodeLasRecords,
  lasHasRgb,
  readExtraBytes,
  readLasHeader,
  readWkt,
  type LasHeader,
  type LasVlr,
} from './las-header.ts';
import { VestigeError } from '@vestige/evidence';
import type { LasSource } from '../build/record-passes.mjs';

export async function lasSceneHeader(
  file: InputFile,
  formatId: string,
): Promise<{ header: LasHeader; vlrs: LasVlr[]; scene: SceneHeader }> {
  const { header, vlrs } = await readLasHeader(file);
  const extra = await readExtraBytes(file, vlrs);
  const wkt = await readWkt(file, vlrs);
  const scene: SceneHeader = {
    format: formatId,
    points: header.pointCount,
    bounds: { min: header.min, max: header.max },
    attributes: { rgb: lasHasRgb(header.pointFormat), intensity: true, classification: true, normals: false },
    ...(wkt ? { crs: { wkt } } : {}),
    details: {
      version: `${header.versionMajor}.${header.versionMinor}`,
      pointFormat: header.pointFormat,
      recordLength: header.recordLength,
      compressed: header.compressed,
      extraBytes: extra.map((e) => e.name),
      systemId: header.systemId,
      software: header.software,
      ...waveformDetails(header, vlrs),
    },
  };
  return { header, vlrs, scene };
}

/**
 * Point formats 4, 5, 9 and 10 carry a wave-packet descriptor per point (LAS 1.4 R15, 2.6 and 4.1): the
 * points are read and the descriptors skipped; the waveform samples themselves (in the file's EVLR or an
 * external .wdp file) are not imported. Said here so the scene can record it.
 */
function waveformDetails(header: LasHeader, vlrs: LasVlr[]): { waveform?: Record<string, unknown> } {
  if (![4, 5, 9, 10].includes(header.pointFormat)) return {};
  const descriptors = vlrs.filter((v) => v.userId === 'LASF_Spec' && v.recordId >= 100 && v.recordId <= 354).length;
  const samples =
    header.globalEncoding & 2 ? 'in this file' : header.globalEncoding & 4 ? 'in an external .wdp file' : 'not stated';
  return {
    waveform: {
      descriptors,
      samples,
      note: 'Points read; their wave-packet descriptors were skipped and the waveform samples were not imported.',
    },
  };
}

/**
 * Where the point records of an uncompressed LAS file are, checked (not compressed, not truncated), so
 * that the octree build can read slices of it on worker threads.
 */
export async function lasRecordSource(path: string): Promise<LasSource> {
  return withInputFile(path, async (file) => {
    const { header } = await lasSceneHeader(file, 'las');
    checkLasReadable(header, file);
    return {
      path,
      pointDataOffset: header.pointDataOffset,
      recordLength: header.recordLength,
      pointFormat: header.pointFormat,
      scale: header.scale,
      offset: header.offset,
      count: header.pointCount,
    };
  });
}

/** The integer grid of a LAS or LAZ file: its scale and offset (real = int × scale + offset). */
export async function lasGrid(
  path: string,
): Promise<{ scale: [number, number, number]; offset: [number, number, number] }> {
  return withInputFile(path, async (file) => {
    const { header } = await readLasHeader(file);
    return { scale: header.scale, offset: header.offset };
  });
}

function checkLasReadable(header: LasHeader, file: InputFile): void {
  const path = file.path;
  if (header.compressed) {
    throw new VestigeError('E_INPUT_UNSUPPORTED', 'This LAS file is compressed (LAZ); read it as .laz.', {
      file: path,
      hint: 'Rename it to .laz.',
    });
  }
  const needed = header.pointDataOffset + header.pointCount * header.recordLength;
  if (needed > file.size) {
    const holds = Math.floor((file.size - header.pointDataOffset) / header.recordLength);
    throw corrupt(
      path,
      `The LAS file is truncated: its header says ${header.pointCount} points, the file holds ${Math.max(0, holds)}.`,
      {
        headerPoints: header.pointCount,
        pointsInFile: holds,
        size: file.size,
        expectedSize: needed,
      },
    );
  }
}

export const lasFormat: SceneFormat = {
  id: 'las',
  title: 'ASPRS LAS 1.0–1.4',
  extensions: ['.las'],
  sniff(head, name) {
    return (
      head.length >= 4 &&
      head[0] === 0x4c &&
      head[1] === 0x41 &&
      head[2] === 0x53 &&
      head[3] === 0x46 &&
      !/\.laz$/i.test(name)
    );
  },
  header(path) {
    return withInputFile(path, async (file) => (await lasSceneHeader(file, 'las')).scene);
  },
  async *read(path: string, options: SceneReadOptions = {}): AsyncGenerator<SceneChunk> {
    const file = await InputFile.open(path);
    try {
      const { header } = await lasSceneHeader(file, 'las');
      checkLasReadable(header, file);
      const per = options.chunkPoints ?? DEFAULT_CHUNK_POINTS;
      for (let done = 0; done < header.pointCount; ) {
        options.signal?.throwIfAborted();
        const n = Math.min(per, header.pointCount - done);
        const raw = await file.read(
          header.pointDataOffset + done * header.recordLength,
          n * header.recordLength,
          'point records',
        );
        yield decodeLasRecords(raw, n, header);
        done += n;
      }
    } finally {
      await file.close();
    }
  },
};
