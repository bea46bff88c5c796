import type { KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import { join, resolve } from 'node:path';
import { checkBundleSignature, type SignatureStatus } from './bundle-signing.ts';
import { canonicalJson } from './canonical-json.ts';
import { ChainWalk, custodyEventHash, type CustodyHead } from './custody-log.ts';
import { sha256Hex } from './digests.ts';
import { VestigeError } from './errors.ts';
import { fileDigests, type BundleItem, type BundleManifest } from './export-bundle.ts';
import { ChainState } from './replay.ts';
import { rowSerialiser } from './row-binding.ts';
import type { CustodyEvent, Digests } from './types.ts';
import type { VerifyProblem } from './verify.ts';

export interface BundleVerifyReport {
  ok: boolean;
  caseId: string | undefined;
  items: number;
  files: number;
  events: number;
  /** The custody head the bundle's excerpt ends at. */
  custodyHead: CustodyHead | undefined;
  /**
   * `valid`: signed by the key given; `invalid`: a signature that fails (a problem); `not-checked`:
   * signed, but no key was given; `unsigned`: integrity only against accidental change.
   */
  signature: { status: SignatureStatus; keyId?: string; reason?: string };
  problems: VerifyProblem[];
}

/**
 * Checks a bundle on any machine: every file against SHA256SUMS and the manifest; the custody excerpt
 * against the chain skeleton; every item, source, annotation and provenance record in the manifest
 * against what the excerpt's events recorded; and the lab signature, when a public key is given.
 */
export async function verifyBundle(
  dirArg: string,
  options: { publicKey?: KeyObject } = {},
): Promise<BundleVerifyReport> {
  const dir = resolve(dirArg);
  const manifestPath = join(dir, 'manifest.json');
  if (!fs.existsSync(manifestPath) || !fs.existsSync(join(dir, 'SHA256SUMS'))) {
    throw new VestigeError(
      'E_BUNDLE_INVALID',
      `${dirArg} is not a Vestige export bundle (manifest.json and SHA256SUMS expected)`,
      { file: dirArg, hint: 'Point --bundle at the folder written by `vestige export`.' },
    );
  }
  const problems: VerifyProblem[] = [];
  const { files, digestsByPath } = await checkListedFiles(dir, problems);
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as BundleManifest;
  } catch (err) {
    throw new VestigeError('E_BUNDLE_INVALID', `manifest.json is not valid JSON`, { file: manifestPath, cause: err });
  }
  for (const item of manifest.items ?? []) {
    const p = join(dir, 'blobs', item.sha256);
    if (!fs.existsSync(p)) {
      problems.push({
        kind: 'blob-missing',
        subject: item.id,
        message: `item ${item.id} (${item.name}): blobs/${item.sha256} is missing`,
      });
      continue;
    }
    const d = digestsByPath.get(p) ?? (await fileDigests(p));
    if (d.sha256 !== item.sha256 || d.md5 !== item.md5 || d.sha1 !== item.sha1 || d.size !== item.size) {
      problems.push({
        kind: 'blob-modified',
        subject: item.id,
        message: `item ${item.id} (${item.name}): bytes do not match the recorded MD5/SHA-1/SHA-256`,
      });
    }
  }
  const excerpt = checkCustody(dir, manifest, problems);
  problems.push(...checkAgainstExcerpt(manifest, excerpt));

  const signature = checkBundleSignature(dir, options.publicKey);
  if (signature.status === 'invalid')
    problems.push({
      kind: 'bundle-signature-invalid',
      subject: 'SIGNATURE.json',
      message: `the bundle's signature is not valid: ${signature.reason}`,
    });
  if (signature.status === 'unsigned' && options.publicKey)
    problems.push({
      kind: 'bundle-unsigned',
      subject: 'SIGNATURE.json',
      message: 'a key was given but the bundle is not signed: anyone could have written it',
    });
  return {
    ok: problems.length === 0,
    caseId: manifest.case?.id,
    items: manifest.items?.length ?? 0,
    files,
    events: excerpt.length,
    custodyHead: manifest.custody?.head,
    signature,
    problems,
  };
}

/** Every file named in SHA256SUMS, and no blob that it does not name. */
async function checkListedFiles(
  dir: string,
  problems: VerifyProblem[],
): Promise<{ files: number; digestsByPath: Map<string, Digests> }> {
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
      problems.push({
        kind: 'blob-modified',
        subject: rel,
        message: `SHA256SUMS names a path outside the bundle: ${rel}`,
      });
      continue;
    }
    files++;
    if (!fs.existsSync(p))
      problems.push({ kind: 'blob-missing', subject: rel, message: `${rel} is listed in SHA256SUMS but missing` });
    else {
      const d = await fileDigests(p);
      digestsByPath.set(p, d);
      if (d.sha256 !== expected)
        problems.push({
          kind: 'blob-modified',
          subject: rel,
          message: `${rel} does not match its SHA-256 in SHA256SUMS`,
        });
    }
  }
  for (const name of fs.existsSync(join(dir, 'blobs')) ? fs.readdirSync(join(dir, 'blobs')) : []) {
    if (!listed.has(`blobs/${name}`))
      problems.push({
        kind: 'blob-modified',
        subject: `blobs/${name}`,
        message: `blobs/${name} is in the bundle but not in SHA256SUMS (added later?)`,
      });
  }
  return { files, digestsByPath };
}

/** The skeleton must be one unbroken chain to the manifest's head, and every excerpt event must sit in it unchanged. */
function checkCustody(dir: string, manifest: BundleManifest, problems: VerifyProblem[]): CustodyEvent[] {
  const chain = readJsonLines<{ seq: number; prev: string; hash: string }>(
    join(dir, manifest.custody?.chain ?? 'custody-chain.jsonl'),
  );
  const excerpt = readJsonLines<CustodyEvent>(join(dir, manifest.custody?.excerpt ?? 'custody-excerpt.jsonl'));
  const head = manifest.custody?.head;
  const bySeqHash = new Map(chain.map((l) => [l.hash, l.seq]));
  const walk = new ChainWalk(head ? [head] : [], (h) => bySeqHash.get(h));
  for (const link of chain) walk.add(link.seq, link.prev, link.hash, true, () => `event ${link.seq}`);
  for (const p of walk.problems)
    problems.push({
      kind: 'custody-inserted',
      subject: `event ${p.seq}`,
      message: `the custody chain is broken at event ${p.seq}: ${p.message}`,
    });
  if (head && walk.reaches(head) !== 'ok') {
    problems.push({
      kind: 'custody-truncated',
      subject: `event ${head.seq}`,
      message: `the custody chain does not end at the head recorded in the manifest (event ${head.seq})`,
    });
  }
  const chainHash = new Map(chain.map((l) => [l.seq, l.hash]));
  for (const event of excerpt) {
    // An excerpt event must hash to itself and sit in the skeleton at its own position.
    if (custodyEventHash(event) !== event.hash || chainHash.get(event.seq) !== event.hash) {
      problems.push({
        kind: 'custody-edited',
        subject: `event ${event.seq}`,
        message: `custody event ${event.seq} (${event.action} ${event.subject}) does not match the chain`,
      });
    }
  }
  return excerpt;
}

/**
 * The manifest is what a reader of the bundle sees; each part must be what the custody events recorded:
 * items (all columns, through their row bindings, and the digests `item.added` named), sources,
 * annotations (the last value set) and provenance records.
 */
function checkAgainstExcerpt(manifest: BundleManifest, excerpt: CustodyEvent[]): VerifyProblem[] {
  const problems: VerifyProblem[] = [];
  const state = new ChainState({ keepSeqs: true });
  const named = new Map<string, Record<string, unknown>>();
  const annotations = new Map<string, unknown>();
  const provenanceHashes = new Map<string, string>();
  for (const e of excerpt) {
    state.apply(e.seq, e.action, canonicalJson(e.details ?? null));
    const d = (e.details ?? {}) as Record<string, unknown>;
    if (e.action === 'item.added') named.set(e.subject, d);
    else if (e.action === 'annotation.set') annotations.set(`${e.subject}/${String(d.namespace)}`, d.value ?? null);
    else if (e.action === 'derivation.recorded') {
      if (typeof d.provenanceSha256 === 'string') provenanceHashes.set(e.subject, d.provenanceSha256);
      for (const o of (d.outputs ?? []) as Array<{ itemId?: string; sha256?: string; name?: string }>)
        if (o.itemId && !named.has(o.itemId)) named.set(o.itemId, { sha256: o.sha256 });
    }
  }
  const bound = state.bindingEvents > 0;
  for (const item of manifest.items ?? []) {
    const recorded = named.get(item.id);
    const fields: Record<string, unknown> = {
      sha256: item.sha256,
      md5: item.md5,
      sha1: item.sha1,
      size: item.size,
      name: item.name,
      mediaType: item.mediaType,
    };
    const differ = recorded ? Object.keys(fields).filter((k) => k in recorded && recorded[k] !== fields[k]) : [];
    if (differ.length)
      problems.push({
        kind: 'item-modified',
        subject: item.id,
        message: `item ${item.id}: ${differ.map((k) => `${k} is ${JSON.stringify(fields[k])}, the custody log recorded ${JSON.stringify(recorded![k])}`).join('; ')}`,
      });
    else if (bound) problems.push(...checkRow('items', [item.id], itemRow(item), 'item'));
    else if (!recorded)
      problems.push({
        kind: 'item-unrecorded',
        subject: item.id,
        message: `item ${item.id} is in the manifest, but no custody event in the excerpt recorded it`,
      });
    if (bound)
      for (const s of item.sources ?? [])
        if (s.id !== undefined) problems.push(...checkRow('sources', [s.id], sourceRow(s), 'source'));
    for (const [namespace, value] of Object.entries(item.annotations ?? {})) {
      const k = `${item.id}/${namespace}`;
      if (!annotations.has(k))
        problems.push({
          kind: 'annotation-unrecorded',
          subject: k,
          message: `annotation ${k} is in the manifest, but no custody event in the excerpt set it`,
        });
      else if (canonicalJson(annotations.get(k) ?? null) !== canonicalJson(value ?? null))
        problems.push({
          kind: 'annotation-modified',
          subject: k,
          message: `annotation ${k} differs from the value the custody log recorded`,
        });
    }
  }
  for (const { record, sha256 } of manifest.provenance ?? []) {
    const actual = sha256Hex(canonicalJson(record));
    if (actual !== sha256 || (provenanceHashes.has(record.id) && provenanceHashes.get(record.id) !== actual)) {
      problems.push({
        kind: 'provenance-modified',
        subject: record.id,
        message: `provenance record ${record.id} does not match its recorded hash`,
      });
    } else if (bound)
      problems.push(
        ...checkRow(
          'provenance',
          [record.id],
          { id: record.id, activity: record.activity, record: canonicalJson(record), hash: actual },
          'provenance',
        ),
      );
  }
  return problems;

  function checkRow(table: string, key: unknown[], row: Record<string, unknown>, entity: string): VerifyProblem[] {
    const b = state.boundRow(table, key);
    const label = key.join('/');
    if (!b || b.sha256 === null)
      return [
        {
          kind: `${entity}-unrecorded`,
          subject: label,
          message: `${entity} ${label} is in the manifest, but no custody event in the excerpt holds it`,
        },
      ];
    const s = rowSerialiser(table);
    if (sha256Hex(s.canonical(s.columns.map((c) => row[c] ?? null))) !== b.sha256)
      return [
        {
          kind: `${entity}-modified`,
          subject: label,
          message: `${entity} ${label} in the manifest differs from what custody event ${b.seq} recorded`,
        },
      ];
    return [];
  }
}

/** An item's row as the case stores it, from the manifest (metadata is stored as canonical JSON). */
function itemRow(item: BundleItem): Record<string, unknown> {
  return {
    id: item.id,
    seq: item.seq,
    kind: item.kind,
    sha256: item.sha256,
    md5: item.md5,
    sha1: item.sha1,
    size: item.size,
    name: item.name,
    media_type: item.mediaType,
    metadata: canonicalJson(item.metadata ?? {}),
    provenance_id: item.provenanceId,
    created_at: item.createdAt,
  };
}

function sourceRow(s: BundleItem['sources'][number]): Record<string, unknown> {
  return {
    id: s.id,
    item_id: s.itemId,
    path: s.path,
    path_bytes_hex: s.pathBytesHex ?? null,
    size: s.size,
    mtime: s.mtime,
    kind: s.kind,
    link_target: s.linkTarget,
    ingest_id: s.ingestId,
  };
}

function readJsonLines<T>(path: string): T[] {
  if (!fs.existsSync(path)) return [];
  const out: T[] = [];
  for (const line of fs.readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      throw new VestigeError('E_BUNDLE_INVALID', `${path} has a line that is not JSON`, {
        file: path,
        hint: 'The bundle was damaged; ask the sender for a fresh export.',
      });
    }
  }
  return out;
}
