import * as fs from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { copyFile } from 'node:fs/promises';
import type { CaseStore } from './case-store.ts';
import { canonicalJson } from './canonical-json.ts';
import type { KeyObject } from 'node:crypto';
import { fsyncPath } from './blob-store.ts';
import { caseContaining, signBundle } from './bundle-signing.ts';
import { writeCaseSummary } from './case-summaries.ts';
import type { CustodyHead } from './custody-log.ts';
import { MultiHasher, sha256Hex } from './digests.ts';
import { VestigeError } from './errors.ts';
import type { CustodyEvent, Digests, Item, ProvenanceRecord, Source } from './types.ts';

export const BUNDLE_FORMAT = 'vestige-bundle';
/**
 * 2: items carry `seq`, sources `id` and `pathBytesHex`, so a reader can recompute the rows the excerpt's events bound.
 */
export const BUNDLE_VERSION = 2;

export interface BundleItem extends Item {
  sources: Source[];
  annotations: Record<string, unknown>;
  /** Provenance ids that produced this item (derived items). */
  producedBy: string[];
  /** Why it is in the bundle: asked for, or needed to trace a derived item back to its original. */
  included: 'requested' | 'lineage';
}

export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  version: number;
  case: { id: string; name: string; reference: string };
  exportedAt: string;
  operator: string;
  items: BundleItem[];
  provenance: Array<{ record: ProvenanceRecord; sha256: string }>;
  custody: { head: CustodyHead | undefined; excerpt: string; chain: string };
}

export interface ExportReport {
  out: string;
  items: number;
  bytes: number;
  events: number;
  manifestSha256: string;
  /** The head the bundle's excerpt ends at (before the export's own event). */
  bundleHead: CustodyHead | undefined;
  /** The case's head after the export was recorded: note it, or keep the summary file that holds it. */
  custodyHead: CustodyHead | undefined;
  /** The key that signed the bundle (SHA-256 of the public key), when signed. */
  signedBy?: string;
  summaryPath: string;
}

/**
 * Writes a self-checking bundle: the chosen items' bytes (plus everything their provenance leads back
 * to), a manifest with hashes, sources and provenance, the custody events about them, the whole chain's
 * hash skeleton (so the excerpt can be proven part of an unbroken log), and a `SHA256SUMS` that
 * `sha256sum -c` understands on any machine.
 */
export async function exportBundle(
  store: CaseStore,
  args: { itemIds: string[]; out: string; operator: string; signingKey?: KeyObject },
): Promise<ExportReport> {
  const out = resolve(args.out);
  const inCase = caseContaining(out);
  if (inCase)
    throw new VestigeError(
      'E_USAGE',
      `${args.out} is inside the case at ${inCase}; a bundle is written outside the case`,
      { file: args.out, hint: 'Export to a folder outside the case.' },
    );
  if (fs.existsSync(out) && fs.readdirSync(out).length > 0) {
    throw new VestigeError('E_USAGE', `${args.out} exists and is not empty`, {
      file: args.out,
      hint: 'Export into a new or empty folder.',
    });
  }
  const requested = args.itemIds.length > 0 ? args.itemIds.map((id) => store.item(id)) : store.items();
  const included = new Map<string, BundleItem>();
  const provenance = new Map<string, ProvenanceRecord>();
  const visit = (item: Item, reason: BundleItem['included']) => {
    if (included.has(item.id)) return;
    const producedBy = store.provenanceOf(item.id);
    included.set(item.id, {
      ...item,
      sources: store.sources(item.id),
      annotations: store.annotations(item.id),
      producedBy: producedBy.map((p) => p.id),
      included: reason,
    });
    for (const record of producedBy) {
      provenance.set(record.id, record);
      for (const input of record.inputs) {
        const source = input.itemId ? store.findItem(input.itemId) : store.itemsBySha256(input.sha256)[0];
        if (source) visit(source, 'lineage');
      }
    }
  };
  for (const item of requested) visit(item, 'requested');

  fs.mkdirSync(join(out, 'blobs'), { recursive: true });
  let bytes = 0;
  for (const item of included.values()) {
    const dest = join(out, 'blobs', item.sha256);
    if (fs.existsSync(dest)) continue;
    const src = store.blobs.pathOf(item.sha256);
    if (!fs.existsSync(src))
      throw new VestigeError(
        'E_BLOB_MISSING',
        `item ${item.id}: its stored file is missing; the bundle was not completed`,
        { file: src, hint: 'Run `vestige verify` on the case.' },
      );
    await copyFile(src, dest);
    bytes += item.size;
  }

  const subjects = new Set<string>([store.info.id, ...included.keys(), ...provenance.keys()]);
  for (const item of included.values()) for (const s of item.sources) subjects.add(s.ingestId);
  const excerpt: CustodyEvent[] = [];
  const chainLines: string[] = [];
  for (const event of store.custody.events()) {
    chainLines.push(JSON.stringify({ seq: event.seq, prev: event.prev, hash: event.hash }));
    if (subjects.has(event.subject)) excerpt.push(event);
  }
  fs.writeFileSync(
    join(out, 'custody-excerpt.jsonl'),
    excerpt.map((e) => JSON.stringify(e)).join('\n') + (excerpt.length ? '\n' : ''),
  );
  fs.writeFileSync(join(out, 'custody-chain.jsonl'), chainLines.join('\n') + (chainLines.length ? '\n' : ''));
  const lastChain = chainLines.length
    ? (JSON.parse(chainLines[chainLines.length - 1]!) as { seq: number; hash: string })
    : undefined;
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    case: { id: store.info.id, name: store.info.name, reference: store.info.reference },
    exportedAt: store.now().toISOString(),
    operator: args.operator,
    items: [...included.values()],
    provenance: [...provenance.values()].map((record) => ({ record, sha256: sha256Hex(canonicalJson(record)) })),
    custody: {
      head: lastChain ? { seq: lastChain.seq, hash: lastChain.hash } : undefined,
      excerpt: 'custody-excerpt.jsonl',
      chain: 'custody-chain.jsonl',
    },
  };
  fs.writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  const sums = await checksumLines(out);
  fs.writeFileSync(join(out, 'SHA256SUMS'), sums.join('\n') + '\n');
  const signature = args.signingKey ? signBundle(out, args.signingKey, manifest.custody.head) : undefined;
  await syncTree(out);
  const manifestSha256 = sha256Hex(fs.readFileSync(join(out, 'manifest.json')));
  // Recorded only once the bundle is complete and on disk: a killed export is never logged as exported.
  store.appendEvent({
    operator: args.operator,
    action: 'bundle.exported',
    subject: store.info.id,
    details: {
      out,
      items: [...included.keys()],
      events: excerpt.length,
      manifestSha256,
      sha256sumsSha256: sha256Hex(fs.readFileSync(join(out, 'SHA256SUMS'))),
      bundleHead: manifest.custody.head ?? null,
      signedBy: signature?.keyId ?? null,
    },
  });
  const custodyHead = store.custody.head();
  const summaryPath = writeCaseSummary(store.dir, {
    kind: 'export',
    id: `EXP-${manifest.exportedAt.replace(/[-:.TZ]/g, '').slice(0, 14)}`,
    caseId: store.info.id,
    operator: args.operator,
    writtenAt: store.now().toISOString(),
    custodyHead: custodyHead!,
    items: [...included.values()].map((i) => ({ id: i.id, sha256: i.sha256, size: i.size })),
    details: { out, manifestSha256, bundleHead: manifest.custody.head ?? null, signedBy: signature?.keyId ?? null },
  });
  return {
    out,
    items: included.size,
    bytes,
    events: excerpt.length,
    manifestSha256,
    bundleHead: manifest.custody.head,
    custodyHead,
    ...(signature ? { signedBy: signature.keyId } : {}),
    summaryPath,
  };
}

/** Flushes every file of the bundle and its folders, so the export event never names a bundle a crash could lose. */
async function syncTree(root: string): Promise<void> {
  const dirs = [root];
  for (let i = 0; i < dirs.length; i++) {
    for (const name of fs.readdirSync(dirs[i]!)) {
      const p = join(dirs[i]!, name);
      if (fs.statSync(p).isDirectory()) dirs.push(p);
      else await fsyncPath(p);
    }
  }
  for (const d of dirs) await fsyncPath(d);
}

export async function fileDigests(path: string): Promise<Digests> {
  const hasher = new MultiHasher();
  for await (const chunk of fs.createReadStream(path)) hasher.update(chunk as Buffer);
  return hasher.digest();
}

export async function checksumLines(root: string): Promise<string[]> {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (fs.statSync(p).isDirectory()) walk(p);
      else if (relative(root, p) !== 'SHA256SUMS') files.push(p);
    }
  };
  walk(root);
  const lines: string[] = [];
  for (const f of files) lines.push(`${(await fileDigests(f)).sha256}  ${relative(root, f)}`);
  return lines;
}
