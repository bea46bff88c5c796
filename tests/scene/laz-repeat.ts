/**
 * Makes a LAZ file of any size from a LASzip-written one by repeating its first chunk: LASzip chunks are
 * independent (each restarts its coder), so K copies are K valid chunks, and a chunk table coded like
 * LASzip's says where they are. The points repeat; the header's count is patched. Used to test that the
 * LAZ reader's memory does not grow with the file.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { InputFile } from '../../packages/scene/src/io/input-file.ts';
import { readLasHeader } from '../../packages/scene/src/formats/las-header.ts';
import { encodeChunkTable, readChunkTable, readLaszipVlr } from '../../packages/scene/src/formats/laz-chunks.ts';

export async function repeatLazChunk(
  template: string,
  out: string,
  copies: number,
): Promise<{ points: number; bytes: number }> {
  const file = await InputFile.open(template);
  try {
    const { header, vlrs } = await readLasHeader(file);
    const laz = await readLaszipVlr(file, vlrs);
    const table = (await readChunkTable(file, header, laz))!;
    const first = table[0]!;
    if (header.versionMinor >= 4 || laz.chunkSize !== first.points)
      throw new Error('template must be LAS 1.0–1.3 with one full chunk first');
    const head = await file.read(0, header.pointDataOffset, 'header');
    const chunk = await file.read(first.offset, first.bytes, 'chunk');
    const points = copies * first.points;
    head.writeUInt32LE(points, 107);
    head.writeUInt32LE(points, 111);
    const fd = openSync(out, 'w');
    try {
      let at = 0;
      const put = (b: Uint8Array) => (at += writeSync(fd, b, 0, b.length, at));
      put(head);
      const tableAt = Buffer.alloc(8);
      tableAt.writeBigInt64LE(BigInt(header.pointDataOffset + 8 + copies * first.bytes));
      put(tableAt);
      for (let i = 0; i < copies; i++) put(chunk);
      const tableHead = Buffer.alloc(8);
      tableHead.writeUInt32LE(copies, 4);
      put(tableHead);
      put(
        encodeChunkTable(
          Array.from({ length: copies }, () => ({ bytes: first.bytes })),
          false,
        ),
      );
      return { points, bytes: at };
    } finally {
      closeSync(fd);
    }
  } finally {
    await file.close();
  }
}
