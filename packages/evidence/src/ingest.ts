import * as fs from 'node:fs';
import { basename, isAbsolute, relative, resolve as resolvePath, sep } from 'node:path';
import type { CaseStore } from './case-store.ts';
import { decodePathBytes, type PendingBlob } from './blob-store.ts';
import { FileWorkerPool } from './file-worker-pool.ts';
import { writeCaseSummary } from './case-summaries.ts';
import { VestigeError, isVestigeError } from './errors.ts';
import { sniffMediaType } from './media-type.ts';
import type { Digests } from './types.ts';

/** Reads descriptive metadata from a stored blob. One per kind of file; errors become warnings. */
export interface MetadataExtractor {
  readonly id: string;
  accepts(mediaType: string): boolean;
  extract(blobPath: string, mediaType: string): Promise<Record<string, unknown>>;
}

export interface IngestProgress {
  phase: 'scanning' | 'storing' | 'done';
  filesTotal: number;
  /** Files read, hashed and copied (not yet recorded). */
  filesDone: number;
  /** Files whose rows and custody events are committed. */
  filesRecorded: number;
  bytesTotal: number;
  bytesDone: number;
  current?: string;
}

export interface IngestProblem {
  path: string;
  code: string;
  message: string;
  hint?: string;
}

export interface IngestedFile {
  path: string;
  itemId: string;
  sha256: string;
  size: number;
  /**
   * `added`: new content; `duplicate`: content already in the case, new source recorded; `known`: this exact source was
   * already recorded.
   */
  status: 'added' | 'duplicate' | 'known';
}

export interface IngestReport {
  ingestId: string;
  roots: string[];
  filesSeen: number;
  itemsAdded: number;
  duplicates: number;
  alreadyRecorded: number;
  bytesRead: number;
  symlinks: Array<{ path: string; target: string; resolvesInside: boolean }>;
  rejected: IngestProblem[];
  warnings: IngestProblem[];
  files: IngestedFile[];
  elapsedMs: number;
  custodyHead: { seq: number; hash: string } | undefined;
  /** The summary file this ingest left in the case (`summaries/`): a second anchor of the custody head. */
  summaryPath?: string;
}

export interface IngestOptions {
  operator: string;
  extractors?: MetadataExtractor[];
  onProgress?: (progress: IngestProgress) => void;
  /** Worker threads for hashing; defaults to the number of cores. */
  workers?: number;
}

interface FileEntry {
  pathBytes: Buffer;
  display: string;
  validName: boolean;
  size: number;
  mtime: string;
}

type WalkEvent =
  | { kind: 'file'; entry: FileEntry }
  | { kind: 'symlink'; path: string; target: string; resolvesInside: boolean; loop: boolean }
  | { kind: 'problem'; problem: IngestProblem };

const SEP = Buffer.from(sep);

/**
 * Ingests files and folders into a case: each file is read once (MD5, SHA-1, SHA-256 and the blob copy
 * from the same bytes, on worker threads), stored content-addressed, and recorded with its source path and
 * a custody event. Bad inputs are reported and skipped; everything else goes on.
 */
export async function ingest(store: CaseStore, inputs: string[], options: IngestOptions): Promise<IngestReport> {
  const started = Date.now();
  refuseCaseOverlap(store, inputs);
  const lock = store.lock('ingest');
  const pool = new FileWorkerPool(options.workers);
  store.blobs.usePool(pool);
  try {
    store.blobs.clearTemp();
    const roots = inputs.map((p) => resolvePath(p));
    const ingestId = store.beginIngest({ operator: options.operator, roots });
    const report: IngestReport = {
      ingestId,
      roots,
      filesSeen: 0,
      itemsAdded: 0,
      duplicates: 0,
      alreadyRecorded: 0,
      bytesRead: 0,
      symlinks: [],
      rejected: [],
      warnings: [],
      files: [],
      elapsedMs: 0,
      custodyHead: undefined,
    };
    const files = walkInputs(store, roots, options.operator, report);
    const bytesTotal = files.reduce((n, f) => n + f.size, 0);
    const progress: IngestProgress = {
      phase: 'storing',
      filesTotal: files.length,
      filesDone: 0,
      filesRecorded: 0,
      bytesTotal,
      bytesDone: 0,
    };
    options.onProgress?.({ ...progress });
    await storeInWalkOrder(store, files, { options, report, progress, inFlightLimit: pool.capacity * 2 });
    report.filesSeen = files.length;
    report.elapsedMs = Date.now() - started;
    finishIngest(store, options.operator, report);
    options.onProgress?.({ ...progress, phase: 'done' });
    return report;
  } finally {
    store.blobs.usePool(undefined);
    await pool.close();
    lock.release();
  }
}

/** Walks the inputs: the files to store, in walk order; symbolic links and unreadable entries recorded as met. */
function walkInputs(store: CaseStore, roots: string[], operator: string, report: IngestReport): FileEntry[] {
  const { ingestId } = report;
  const files: FileEntry[] = [];
  for (const root of roots) {
    for (const event of walk(root)) {
      if (event.kind === 'file') files.push(event.entry);
      else if (event.kind === 'symlink') {
        report.symlinks.push({ path: event.path, target: event.target, resolvesInside: event.resolvesInside });
        store.transaction(() =>
          store.recordSymlink({
            ingestId,
            path: event.path,
            target: event.target,
            resolvesInside: event.resolvesInside,
            operator,
          }),
        );
        if (event.loop) {
          report.warnings.push({
            path: event.path,
            code: 'E_SYMLINK_LOOP',
            message: `symbolic link loop (${event.path} → ${event.target}); recorded, not followed`,
          });
        }
      } else {
        report.rejected.push(event.problem);
        store.transaction(() =>
          store.recordReject({
            ingestId,
            path: event.problem.path,
            code: event.problem.code,
            message: event.problem.message,
            operator,
          }),
        );
      }
    }
  }
  return files;
}

interface StoreRun {
  options: IngestOptions;
  report: IngestReport;
  progress: IngestProgress;
  /** Files being read and hashed at once: enough to keep every worker busy while the main thread records. */
  inFlightLimit: number;
}

/**
 * Stores the files, hashed in parallel but recorded in walk order, so item ids are the same for the same tree.
 * Rows are committed in batches (256 files or a quarter second), each after its blobs are durable.
 */
async function storeInWalkOrder(store: CaseStore, files: FileEntry[], run: StoreRun): Promise<void> {
  const { options, report, progress, inFlightLimit } = run;
  const results: Array<StoreOutcome | undefined> = new Array(files.length);
  let nextToRecord = 0;
  let nextToStart = 0;
  const pendingBatch: Array<{ entry: FileEntry; outcome: StoreOutcome }> = [];
  let lastFlush = Date.now();
  // Flushes run one after another: directory syncs, then one transaction for the whole batch.
  let flushing: Promise<void> = Promise.resolve();
  const flush = () => {
    if (pendingBatch.length === 0) return flushing;
    const batch = pendingBatch.splice(0);
    lastFlush = Date.now();
    flushing = flushing.then(async () => {
      // The blobs these rows refer to must be durable and in place before the rows are.
      await store.blobs.commitBatch(
        batch.flatMap(({ outcome }) => (outcome.ok && outcome.pending ? [outcome.pending] : [])),
      );
      store.transaction(() => {
        for (const { entry, outcome } of batch)
          recordOutcome(store, report.ingestId, entry, outcome, options.operator, report);
      });
      progress.filesRecorded += batch.length;
      options.onProgress?.({ ...progress });
    });
    return flushing;
  };

  await new Promise<void>((resolveAll, rejectAll) => {
    let active = 0;
    const startMore = () => {
      while (active < inFlightLimit && nextToStart < files.length) {
        const index = nextToStart++;
        const entry = files[index]!;
        active++;
        storeFile(store, entry, options.extractors ?? [])
          .then((outcome) => {
            results[index] = outcome;
            progress.filesDone++;
            progress.bytesDone += entry.size;
            progress.current = entry.display;
            options.onProgress?.({ ...progress });
            while (nextToRecord < files.length && results[nextToRecord] !== undefined) {
              pendingBatch.push({ entry: files[nextToRecord]!, outcome: results[nextToRecord]! });
              results[nextToRecord] = undefined;
              nextToRecord++;
            }
            if (pendingBatch.length >= 256 || Date.now() - lastFlush > 250) flush().catch(rejectAll);
            active--;
            if (nextToRecord === files.length) flush().then(resolveAll, rejectAll);
            else startMore();
          })
          .catch(rejectAll);
      }
      if (files.length === 0) resolveAll();
    };
    startMore();
  });
  await flush();
}

/** Closes the ingest: its totals in the custody log, and the case summary, the second anchor of the custody head. */
function finishIngest(store: CaseStore, operator: string, report: IngestReport): void {
  store.finishIngest(report.ingestId, operator, {
    filesSeen: report.filesSeen,
    itemsAdded: report.itemsAdded,
    duplicates: report.duplicates,
    alreadyRecorded: report.alreadyRecorded,
    bytesRead: report.bytesRead,
    rejected: report.rejected.length,
    warnings: report.warnings.length,
    symlinks: report.symlinks.length,
  });
  const custodyHead = store.custody.head();
  report.custodyHead = custodyHead;
  // The second anchor: outside the database, naming the head this ingest reached and what it stored.
  const summaryItems = new Map(report.files.map((f) => [f.itemId, { id: f.itemId, sha256: f.sha256, size: f.size }]));
  report.summaryPath = writeCaseSummary(store.dir, {
    kind: 'ingest',
    id: report.ingestId,
    caseId: store.info.id,
    operator,
    writtenAt: store.now().toISOString(),
    custodyHead: custodyHead!,
    items: [...summaryItems.values()],
    details: {
      roots: report.roots,
      filesSeen: report.filesSeen,
      itemsAdded: report.itemsAdded,
      duplicates: report.duplicates,
      rejected: report.rejected.length,
    },
  });
}

type StoreOutcome =
  | {
      ok: true;
      digests: Digests;
      mediaType: string;
      metadata: Record<string, unknown>;
      warnings: IngestProblem[];
      pending: PendingBlob | undefined;
    }
  | { ok: false; problem: IngestProblem };

async function storeFile(store: CaseStore, entry: FileEntry, extractors: MetadataExtractor[]): Promise<StoreOutcome> {
  if (entry.size === 0) {
    return {
      ok: false,
      problem: {
        path: entry.display,
        code: 'E_INPUT_EMPTY',
        message: `${entry.display} is empty (0 bytes): nothing to preserve; its path is recorded with the ingest`,
        hint: 'Check whether the file was copied completely from the exhibit.',
      },
    };
  }
  let digests: Digests;
  let head: Uint8Array;
  let readablePath: string;
  let pending: PendingBlob | undefined;
  try {
    ({ digests, head, readablePath, pending } = await store.blobs.putFileWithHead(entry.pathBytes, entry.size, {
      batch: true,
    }));
  } catch (err) {
    if (isVestigeError(err)) {
      const hint =
        err.code === 'E_INPUT_CHANGED'
          ? 'The file changed while it was read (still being written or synced?). Ingest it again once it is stable.'
          : err.code === 'E_INPUT_MISSING'
            ? 'The file disappeared during ingest. Check the source media.'
            : 'Check the file permissions and the source media, then ingest it again.';
      return { ok: false, problem: { path: entry.display, code: err.code, message: err.message, hint } };
    }
    throw err;
  }
  const warnings: IngestProblem[] = [];
  if (!entry.validName) {
    warnings.push({
      path: entry.display,
      code: 'E_INPUT_BAD_NAME',
      message: `file name is not valid UTF-8; stored, with the raw name bytes recorded and invalid bytes shown as \\xNN`,
      hint: 'No action needed; quote the escaped name or the item id when referring to it.',
    });
  }
  const mediaType = sniffMediaType(head, entry.display);
  let metadata: Record<string, unknown> = {};
  if (store.itemsBySha256(digests.sha256).length === 0) {
    for (const extractor of extractors) {
      if (!extractor.accepts(mediaType)) continue;
      try {
        metadata = { ...metadata, [extractor.id]: await extractor.extract(readablePath, mediaType) };
      } catch (err) {
        const code = isVestigeError(err) ? err.code : 'E_INPUT_CORRUPT';
        // Extractors read the stored copy (a temp or blob path); messages name the file the officer gave.
        const message = String((err as Error).message)
          .split(readablePath)
          .join(entry.display);
        metadata = { ...metadata, [extractor.id]: { error: { code, message } } };
        warnings.push({
          path: entry.display,
          code,
          message: `stored, but its ${extractor.id} metadata could not be read: ${message}`,
          hint: 'The file may be damaged or mislabelled; it is preserved as found.',
        });
      }
    }
  }
  return { ok: true, digests, mediaType, metadata, warnings, pending };
}

function recordOutcome(
  store: CaseStore,
  ingestId: string,
  entry: FileEntry,
  outcome: StoreOutcome,
  operator: string,
  report: IngestReport,
): void {
  if (!outcome.ok) {
    store.recordReject({
      ingestId,
      path: entry.display,
      code: outcome.problem.code,
      message: outcome.problem.message,
      operator,
    });
    report.rejected.push(outcome.problem);
    return;
  }
  const { item, created } = store.upsertOriginal({
    digests: outcome.digests,
    name: basename(entry.display),
    mediaType: outcome.mediaType,
    metadata: outcome.metadata,
    operator,
    ingestId,
  });
  const newSource = store.addSource({
    itemId: item.id,
    path: entry.display,
    pathBytesHex: entry.validName ? null : entry.pathBytes.toString('hex'),
    size: outcome.digests.size,
    mtime: entry.mtime,
    kind: 'file',
    ingestId,
    operator,
  });
  const status: IngestedFile['status'] = created ? 'added' : newSource ? 'duplicate' : 'known';
  if (status === 'added') report.itemsAdded++;
  else if (status === 'duplicate') report.duplicates++;
  else report.alreadyRecorded++;
  report.bytesRead += outcome.digests.size;
  report.warnings.push(...outcome.warnings);
  report.files.push({ path: entry.display, itemId: item.id, sha256: item.sha256, size: item.size, status });
}

/**
 * Ingesting a folder that holds the case (or the case's own folders) would copy the case into itself,
 * growing with every blob it writes: refused before anything is recorded.
 */
function refuseCaseOverlap(store: CaseStore, inputs: string[]): void {
  const caseDir = realOrResolved(store.dir);
  for (const input of inputs) {
    const root = realOrResolved(input);
    const inside = (a: string, b: string) => a === b || a.startsWith(b.endsWith(sep) ? b : b + sep);
    if (inside(caseDir, root) || inside(root, caseDir)) {
      throw new VestigeError(
        'E_USAGE',
        `${input} ${inside(caseDir, root) ? 'contains the case itself' : 'is inside the case'} (${store.dir}); a case cannot ingest itself`,
        {
          file: input,
          hint: 'Name the exhibit folder itself, or keep the case outside the folder being ingested.',
        },
      );
    }
  }
}

function realOrResolved(path: string): string {
  try {
    return fs.realpathSync(path);
  } catch {
    return resolvePath(path);
  }
}

function problemFromErrno(path: string, err: NodeJS.ErrnoException): IngestProblem {
  switch (err.code) {
    case 'ENOENT':
      return { path, code: 'E_INPUT_MISSING', message: `${path} does not exist`, hint: 'Check the path.' };
    case 'ELOOP':
      return {
        path,
        code: 'E_SYMLINK_LOOP',
        message: `${path} is a symbolic link loop`,
        hint: 'The link points (directly or through others) back to itself; nothing to ingest.',
      };
    case 'EACCES':
    case 'EPERM':
      return {
        path,
        code: 'E_INPUT_UNREADABLE',
        message: `${path} cannot be read: permission denied`,
        hint: 'Run with an account that can read the exhibit copy, or fix its permissions.',
      };
    default:
      return {
        path,
        code: 'E_INPUT_UNREADABLE',
        message: `${path} cannot be read: ${err.code ?? ''} ${err.message}`.trim(),
        hint: 'Check the source media.',
      };
  }
}

function toEntry(pathBytes: Buffer, stat: fs.Stats): FileEntry {
  const { display, valid } = decodePathBytes(pathBytes);
  return { pathBytes, display, validName: valid, size: stat.size, mtime: stat.mtime.toISOString() };
}

/**
 * Walks the inputs without following symbolic links inside the tree (they are reported, with whether
 * they resolve inside it). A symlink named directly as an input is followed: the user asked for it.
 */
function* walk(root: string): Generator<WalkEvent> {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(root);
  } catch (err) {
    const problem = problemFromErrno(root, err as NodeJS.ErrnoException);
    // A path named on the command line that is not there was never found; E_INPUT_MISSING is a file that vanished.
    yield {
      kind: 'problem',
      problem: problem.code === 'E_INPUT_MISSING' ? { ...problem, code: 'E_INPUT_NOT_FOUND' } : problem,
    };
    return;
  }
  if (stat.isFile()) {
    yield { kind: 'file', entry: toEntry(Buffer.from(root), stat) };
    return;
  }
  if (!stat.isDirectory()) {
    yield {
      kind: 'problem',
      problem: {
        path: root,
        code: 'E_INPUT_NOT_FILE',
        message: `${root} is not a regular file or folder (${describeType(stat)})`,
        hint: 'Only files and folders can be ingested; copy the data out of the device or pipe first.',
      },
    };
    return;
  }
  const realRoot = fs.realpathSync(root);
  const stack: Buffer[] = [Buffer.from(root)];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let names: Buffer[];
    try {
      names = (fs.readdirSync(dir, { encoding: 'buffer' }) as Buffer[]).sort(Buffer.compare);
    } catch (err) {
      yield { kind: 'problem', problem: problemFromErrno(decodePathBytes(dir).display, err as NodeJS.ErrnoException) };
      continue;
    }
    const subdirs: Buffer[] = [];
    for (const name of names) {
      const path = Buffer.concat([dir, SEP, name]);
      const display = decodePathBytes(path).display;
      let lst: fs.Stats;
      try {
        lst = fs.lstatSync(path);
      } catch (err) {
        yield { kind: 'problem', problem: problemFromErrno(display, err as NodeJS.ErrnoException) };
        continue;
      }
      if (lst.isSymbolicLink()) {
        yield symlinkEvent(path, display, realRoot);
      } else if (lst.isDirectory()) {
        subdirs.push(path);
      } else if (lst.isFile()) {
        yield { kind: 'file', entry: toEntry(path, lst) };
      } else {
        yield {
          kind: 'problem',
          problem: {
            path: display,
            code: 'E_INPUT_NOT_FILE',
            message: `${display} is not a regular file (${describeType(lst)}); skipped`,
            hint: 'Devices, pipes and sockets cannot be ingested; copy their data into a file first.',
          },
        };
      }
    }
    // Reverse so that the stack pops sub-folders in name order.
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]!);
  }
}

function symlinkEvent(path: Buffer, display: string, realRoot: string): WalkEvent {
  const target = decodePathBytes(fs.readlinkSync(path, { encoding: 'buffer' })).display;
  try {
    const real = fs.realpathSync(path);
    const rel = relative(realRoot, real);
    return {
      kind: 'symlink',
      path: display,
      target,
      resolvesInside: rel === '' || (!rel.startsWith('..') && !isAbsolute(rel)),
      loop: false,
    };
  } catch (err) {
    const loop = (err as NodeJS.ErrnoException).code === 'ELOOP';
    return { kind: 'symlink', path: display, target, resolvesInside: false, loop };
  }
}

function describeType(stat: fs.Stats): string {
  if (stat.isFIFO()) return 'a named pipe';
  if (stat.isSocket()) return 'a socket';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isCharacterDevice()) return 'a character device';
  return 'an unknown kind of file';
}
