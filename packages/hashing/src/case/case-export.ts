import * as fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { extname, join } from 'node:path';
import type { CaseStore } from '@vestige/evidence';
import { VestigeError } from '@vestige/evidence';
import { writeHashSetFile } from '../sets/registry.ts';
import type { HashSetEntry, VicsProfile } from '../sets/types.ts';
import { vicsFormat } from '../sets/vics.ts';
import { categorisedItems } from './categorise.ts';

/**
 * A VICS case export: what Griffeye- and AXIOM-style "import case" reads, as opposed to a hash
 * database. The folder holds `<name>.json`, a `#Cases` document with one case (CaseID, CaseNumber,
 * the source application) whose Media each name their file in `MediaFiles[]` and `RelativeFilePath`,
 * and the files themselves under `Media/`, copied out of the case through its verified read (a blob
 * that no longer matches its SHA-256 stops the export).
 */
export interface CaseExportOptions {
  readonly profile?: VicsProfile;
  readonly includeUncategorised?: boolean;
  readonly softwareVersion?: string;
}

export interface CaseExportResult {
  readonly json: string;
  readonly entries: number;
  readonly files: number;
}

/** A file name that is safe on every file system an importer may run on, unique by the item's id. */
function mediaFileName(itemId: string, name: string): string {
  const ext = extname(name)
    .toLowerCase()
    .replace(/[^.a-z0-9]/g, '')
    .slice(0, 10);
  return `${itemId}${ext}`;
}

export async function exportCaseForReview(
  store: CaseStore,
  outDir: string,
  options: CaseExportOptions = {},
): Promise<CaseExportResult> {
  if (fs.existsSync(outDir) && fs.readdirSync(outDir).length > 0) {
    throw new VestigeError('E_USAGE', `${outDir}: the case export folder must be new or empty`, {
      file: outDir,
      hint: 'Give --out a folder that does not exist yet.',
    });
  }
  fs.mkdirSync(join(outDir, 'Media'), { recursive: true });
  const entries: HashSetEntry[] = [];
  let files = 0;
  for (const { item, entry: e } of categorisedItems(store, {
    ...(options.includeUncategorised ? { includeUncategorised: true } : {}),
  })) {
    const relative = `Media\\${mediaFileName(item.id, item.name)}`;
    await pipeline(
      store.blobs.openVerified(item.sha256),
      fs.createWriteStream(join(outDir, 'Media', mediaFileName(item.id, item.name))),
    );
    files++;
    entries.push({
      ...e,
      extra: {
        RelativeFilePath: relative,
        MimeType: item.mediaType,
        MediaFiles: [
          { MD5: item.md5.toUpperCase(), SHA1: item.sha1.toUpperCase(), FileName: item.name, FilePath: relative },
        ],
      },
    });
  }
  const caseFields = {
    CaseID: store.info.id,
    CaseNumber: store.info.reference || store.info.name,
    SourceApplicationName: 'Vestige',
    SourceApplicationVersion: options.softwareVersion ?? '0.1.0',
  };
  const json = join(outDir, `${(store.info.reference || store.info.name).replace(/[^\w.-]+/g, '_')}.json`);
  await writeHashSetFile(json, vicsFormat, entries, {
    shape: 'cases',
    caseFields,
    profile: options.profile ?? 'default',
    name: store.info.name,
  });
  return { json, entries: entries.length, files };
}
