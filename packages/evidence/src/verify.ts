import type { CaseStore } from './case-store.ts';
import type { ChainProblem, CustodyHead } from './custody-log.ts';
import { sha256Hex } from './digests.ts';
import { FileWorkerPool } from './file-worker-pool.ts';

export interface VerifyProblem {
  /** `blob-*` for stored bytes, `custody-*` for the log, `provenance-*` for derivation records. */
  kind: 'blob-modified' | 'blob-missing' | 'custody-edited' | 'custody-inserted' | 'custody-deleted' | 'custody-reordered' | 'custody-truncated' | 'custody-head-mismatch' | 'provenance-modified' | 'provenance-dangling';
  /** The item id, event seq or provenance id concerned. */
  subject: string;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  caseId: string;
  itemsChecked: number;
  blobsChecked: number;
  bytesChecked: number;
  eventsChecked: number;
  provenanceChecked: number;
  custodyHead: CustodyHead | undefined;
  problems: VerifyProblem[];
  /** Blobs that are not items (scene tiles, or content left by an interrupted ingest); checked, informational. */
  unreferencedBlobs: number;
  elapsedMs: number;
}

export interface VerifyOptions {
  /** A custody head the officer recorded earlier (printed by ingest and export); the log must still contain it. */
  expectHead?: CustodyHead;
  onProgress?: (done: number, total: number) => void;
  workers?: number;
}

/**
 * Re-hashes every blob against its item's MD5, SHA-1 and SHA-256, walks the whole custody chain, and checks
 * every provenance record against the hash the custody log holds for it.
 */
export async function verifyCase(store: CaseStore, options: VerifyOptions = {}): Promise<VerifyReport> {
  const started = Date.now();
  const problems: VerifyProblem[] = [];
  const items = store.items();
  const itemBySha = new Map(items.map((i) => [i.sha256, i]));
  // Every blob on disk is checked, not only items' blobs: scene tiles and other stored outputs count too.
  const addresses = new Set<string>([...store.blobs.list(), ...itemBySha.keys()]);
  const pool = new FileWorkerPool(options.workers);
  store.blobs.usePool(pool);
  let bytesChecked = 0;
  let done = 0;
  try {
    await Promise.all(
      [...addresses].map(async (sha256) => {
        const item = itemBySha.get(sha256);
        const digests = await store.blobs.rehash(sha256);
        done++;
        options.onProgress?.(done, addresses.size);
        const label = item ? `item ${item.id} (${item.name})` : `blob ${sha256}`;
        if (!digests) {
          problems.push({ kind: 'blob-missing', subject: item?.id ?? sha256, message: `${label}: its stored file ${sha256} is missing` });
          return;
        }
        bytesChecked += digests.size;
        if (digests.sha256 !== sha256 || (item && (digests.md5 !== item.md5 || digests.sha1 !== item.sha1 || digests.size !== item.size))) {
          problems.push({ kind: 'blob-modified', subject: item?.id ?? sha256, message: `${label}: stored bytes changed — SHA-256 is now ${digests.sha256}, recorded ${sha256}` });
        }
      }),
    );
  } finally {
    store.blobs.usePool(undefined);
    await pool.close();
  }

  const chainProblems = store.custody.verifyChain(options.expectHead);
  problems.push(...chainProblems.map(chainToProblem));
  const anchor = store.custody.readAnchor();
  if (options.expectHead && anchor && options.expectHead.seq <= anchor.seq) {
    // Checked against the officer's note as well as the on-disk anchor (verifyChain used the note).
    const againstAnchor = store.custody.verifyChain(anchor).filter((p) => p.kind === 'truncated' || p.kind === 'head-mismatch');
    problems.push(...againstAnchor.map(chainToProblem));
  }

  // Each derivation's custody event holds the SHA-256 of its provenance record: a changed record shows.
  const recordedHashes = new Map<string, string>();
  let eventsChecked = 0;
  for (const event of store.custody.events()) {
    eventsChecked++;
    if (event.action === 'derivation.recorded') {
      const details = event.details as { provenanceSha256?: string };
      if (details.provenanceSha256) recordedHashes.set(event.subject, details.provenanceSha256);
    }
  }
  const provenance = store.provenanceRecords();
  for (const { record, json, hash } of provenance) {
    const expected = recordedHashes.get(record.id);
    if (sha256Hex(json) !== hash || (expected !== undefined && expected !== hash)) {
      problems.push({ kind: 'provenance-modified', subject: record.id, message: `provenance record ${record.id} (${record.activity}) no longer matches the hash in the custody log` });
    } else if (expected === undefined) {
      problems.push({ kind: 'provenance-dangling', subject: record.id, message: `provenance record ${record.id} has no custody event` });
    }
  }

  let unreferencedBlobs = 0;
  for (const sha of addresses) if (!itemBySha.has(sha)) unreferencedBlobs++;

  problems.sort((a, b) => a.kind.localeCompare(b.kind) || a.subject.localeCompare(b.subject, undefined, { numeric: true }));
  return {
    ok: problems.length === 0,
    caseId: store.info.id,
    itemsChecked: items.length,
    blobsChecked: addresses.size,
    bytesChecked,
    eventsChecked,
    provenanceChecked: provenance.length,
    custodyHead: store.custody.head(),
    problems,
    unreferencedBlobs,
    elapsedMs: Date.now() - started,
  };
}

function chainToProblem(p: ChainProblem): VerifyProblem {
  const kind = `custody-${p.kind}` as VerifyProblem['kind'];
  return { kind, subject: `event ${p.seq}`, message: p.message };
}
