import * as fs from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { copyFile } from 'node:fs/promises';
import type { CaseStore } from './case-store.ts';
import { canonicalJson } from './canonical-json.ts';
import { type CustodyHead, custodyEventHash, GENESIS_PREV } from './custody-log.ts';
import { MultiHasher, sha256Hex } from './digests.ts';
import { VestigeError } from './errors.ts';
import type { CustodyEvent, Digests, Item, ProvenanceRecord, Source } from './types.ts';
import type { VerifyProblem } from './verify.ts';

export const BUNDLE_FORMAT = 'vestige-bundle';
export const BUNDLE_VERSION = 1;

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
  custodyHead: CustodyHead | undefined;
}

/**
 * Writes a self-checking bundle: the chosen items' bytes (plus everything their provenance leads back
 * to), a manifest with hashes, sources and provenance, the custody events about them, the whole chain's
 * hash skeleton (so the excerpt can be proven part of an unbroken log), and a `SHA256SUMS` that
 * `sha256sum -c` understands on any machine.
 */
export async function exportBundle(store: CaseStore, args: { itemIds: string[]; out: string; operator: string }): Promise<ExportReport> {
  const out = resolve(args.out);
  if (fs.existsSync(out) && fs.readdirSync(out).length > 0) {
    throw new VestigeError('E_USAGE', `${args.out} exists and is not empty`, { file: args.out, hint: 'Export into a new or empty folder.' });
  }
  const requested = args.itemIds.length > 0 ? args.itemIds.map((id) => store.item(id)) : store.items();
  const included = new Map<string, BundleItem>();
  const provenance = new Map<string, ProvenanceRecord>();
  const visit = (item: Item, reason: BundleItem['included']) => {
    if (included.has(item.id)) return;
    const producedBy = store.provenanceOf(item.id);
    included.set(item.id, { ...item, sources: store.sources(item.id), annotations: store.annotations(item.id), producedBy: producedBy.map((p) => p.id), included: reason });
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
    if (!fs.existsSync(src)) throw new VestigeError('E_BLOB_MISSING', `item ${item.id}: its stored file is missing; the bundle was not completed`, { file: src, hint: 'Run `vestige verify` on the case.' });
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
  store.appendEvent({ operator: args.operator, action: 'bundle.exported', subject: store.info.id, details: { out, items: [...included.keys()], events: excerpt.length } });
  fs.writeFileSync(join(out, 'custody-excerpt.jsonl'), excerpt.map((e) => JSON.stringify(e)).join('\n') + (excerpt.length ? '\n' : ''));
  fs.writeFileSync(join(out, 'custody-chain.jsonl'), chainLines.join('\n') + (chainLines.length ? '\n' : ''));
  const lastChain = chainLines.length ? (JSON.parse(chainLines[chainLines.length - 1]!) as { seq: number; hash: string }) : undefined;
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    case: { id: store.info.id, name: store.info.name, reference: store.info.reference },
    exportedAt: store.now().toISOString(),
    operator: args.operator,
    items: [...included.values()],
    provenance: [...provenance.values()].map((record) => ({ record, sha256: sha256Hex(canonicalJson(record)) })),
    custody: { head: lastChain ? { seq: lastChain.seq, hash: lastChain.hash } : undefined, excerpt: 'custody-excerpt.jsonl', chain: 'custody-chain.jsonl' },
  };
  fs.writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  const sums = await checksumLines(out);
  fs.writeFileSync(join(out, 'SHA256SUMS'), sums.join('\n') + '\n');
  return {
    out,
    items: included.size,
    bytes,
    events: excerpt.length,
    manifestSha256: sha256Hex(fs.readFileSync(join(out, 'manifest.json'))),
    custodyHead: manifest.custody.head,
  };
}

async function fileDigests(path: string): Promise<Digests> {
  const hasher = new MultiHasher();
  for await (const chunk of fs.createReadStream(path)) hasher.update(chunk as Buffer);
  return hasher.digest();
}

async function checksumLines(root: string): Promise<string[]> {
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

export interface BundleVerifyReport {
  ok: boolean;
  caseId: string | undefined;
  items: number;
  files: number;
  events: number;
  problems: VerifyProblem[];
}

/** Checks a bundle on any machine: every file against SHA256SUMS and the manifest, and the custody excerpt against the chain. */
export async function verifyBundle(dirArg: string): Promise<BundleVerifyReport> {
  const dir = resolve(dirArg);
  const manifestPath = join(dir, 'manifest.json');
  if (!fs.existsSync(manifestPath) || !fs.existsSync(join(dir, 'SHA256SUMS'))) {
    throw new VestigeError('E_BUNDLE_INVALID', `${dirArg} is not a Vestige export bundle (manifest.json and SHA256SUMS expected)`, { file: dirArg, hint: 'Point --bundle at the folder written by `vestige export`.' });
  }
  const problems: VerifyProblem[] = [];
  const listed = new Map<string, string>();
  for (const line of fs.readFileSync(join(dir, 'SHA256SUMS'), 'utf8').split('\n')) {
    const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    if (m) listed.set(m[2]!, m[1]!);
  }
  let files = 0;
  // Each file is read once: its digests serve both the SHA256SUMS check and the manifest's MD5/SHA-1.
  const digestsByPath = new Map<string, Digests>();
  for (const [rel, expected] of listed) {
    const p = join(dir, rel);
    if (!p.startsWith(dir + '/')) {
      problems.push({ kind: 'blob-modified', subject: rel, message: `SHA256SUMS names a path outside the bundle: ${rel}` });
      continue;
    }
    files++;
    if (!fs.existsSync(p)) problems.push({ kind: 'blob-missing', subject: rel, message: `${rel} is listed in SHA256SUMS but missing` });
    else {
      const d = await fileDigests(p);
      digestsByPath.set(p, d);
      if (d.sha256 !== expected) problems.push({ kind: 'blob-modified', subject: rel, message: `${rel} does not match its SHA-256 in SHA256SUMS` });
    }
  }
  for (const name of fs.existsSync(join(dir, 'blobs')) ? fs.readdirSync(join(dir, 'blobs')) : []) {
    if (!listed.has(`blobs/${name}`)) problems.push({ kind: 'blob-modified', subject: `blobs/${name}`, message: `blobs/${name} is in the bundle but not in SHA256SUMS (added later?)` });
  }

  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as BundleManifest;
  } catch (err) {
    throw new VestigeError('E_BUNDLE_INVALID', `manifest.json is not valid JSON`, { file: manifestPath, cause: err });
  }
  for (const item of manifest.items ?? []) {
    const p = join(dir, 'blobs', item.sha256);
    if (!fs.existsSync(p)) {
      problems.push({ kind: 'blob-missing', subject: item.id, message: `item ${item.id} (${item.name}): blobs/${item.sha256} is missing` });
      continue;
    }
    const d = digestsByPath.get(p) ?? (await fileDigests(p));
    if (d.sha256 !== item.sha256 || d.md5 !== item.md5 || d.sha1 !== item.sha1 || d.size !== item.size) {
      problems.push({ kind: 'blob-modified', subject: item.id, message: `item ${item.id} (${item.name}): bytes do not match the recorded MD5/SHA-1/SHA-256` });
    }
  }

  const chain = readJsonLines<{ seq: number; prev: string; hash: string }>(join(dir, manifest.custody?.chain ?? 'custody-chain.jsonl'));
  const excerpt = readJsonLines<CustodyEvent>(join(dir, manifest.custody?.excerpt ?? 'custody-excerpt.jsonl'));
  // The skeleton must be an unbroken chain from the first event to the recorded head.
  let prev = GENESIS_PREV;
  chain.forEach((link, i) => {
    if (link.seq !== i + 1 || link.prev !== prev) problems.push({ kind: 'custody-inserted', subject: `event ${link.seq}`, message: `the custody chain is broken at event ${link.seq}` });
    prev = link.hash;
  });
  const head = manifest.custody?.head;
  if (head && (chain.length !== head.seq || chain[chain.length - 1]?.hash !== head.hash)) {
    problems.push({ kind: 'custody-truncated', subject: `event ${head.seq}`, message: `the custody chain does not end at the head recorded in the manifest (event ${head.seq})` });
  }
  const chainHash = new Map(chain.map((l) => [l.seq, l.hash]));
  for (const event of excerpt) {
    // An excerpt event must hash to itself and sit in the skeleton at its own position.
    if (custodyEventHash(event) !== event.hash || chainHash.get(event.seq) !== event.hash) {
      problems.push({ kind: 'custody-edited', subject: `event ${event.seq}`, message: `custody event ${event.seq} (${event.action} ${event.subject}) does not match the chain` });
    }
  }
  const derivationHashes = new Map(excerpt.filter((e) => e.action === 'derivation.recorded').map((e) => [e.subject, (e.details as { provenanceSha256?: string }).provenanceSha256]));
  for (const { record, sha256 } of manifest.provenance ?? []) {
    const actual = sha256Hex(canonicalJson(record));
    if (actual !== sha256 || (derivationHashes.has(record.id) && derivationHashes.get(record.id) !== actual)) {
      problems.push({ kind: 'provenance-modified', subject: record.id, message: `provenance record ${record.id} does not match its recorded hash` });
    }
  }
  return { ok: problems.length === 0, caseId: manifest.case?.id, items: manifest.items?.length ?? 0, files, events: excerpt.length, problems };
}

function readJsonLines<T>(path: string): T[] {
  if (!fs.existsSync(path)) return [];
  return fs
    .readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}
