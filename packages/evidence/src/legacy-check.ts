import { canonicalJson } from './canonical-json.ts';
import type { CaseStore } from './case-store.ts';
import { sha256Hex } from './digests.ts';
import type { VerifyProblem } from './verify.ts';

/**
 * What can be checked in a case of format 1, whose rows are not bound to the chain: each row against
 * the content its kind of event named then (items: digests, size, name, media type; sources: path,
 * size, mtime; annotations: the value; case records: the value's hash; provenance: the record's hash).
 * `verify` reports these for such a case, and `migrateCase` refuses to bind rows that fail them.
 */
export function legacyProblems(store: CaseStore): VerifyProblem[] {
  const problems: VerifyProblem[] = [];
  const { items, sources, annotations, records, provenance } = loggedState(store);
  for (const item of store.items()) {
    const recorded = items.get(item.id);
    items.delete(item.id);
    if (!recorded) {
      problems.push({
        kind: 'item-unrecorded',
        subject: item.id,
        message: `item ${item.id} (${item.name}) is in the case, but no custody event recorded it`,
      });
      continue;
    }
    const now: Record<string, unknown> = {
      sha256: item.sha256,
      md5: item.md5,
      sha1: item.sha1,
      size: item.size,
      name: item.name,
      mediaType: item.mediaType,
    };
    const changed = Object.keys(now).filter((k) => k in recorded && recorded[k] !== now[k]);
    if (changed.length)
      problems.push({
        kind: 'item-modified',
        subject: item.id,
        message: `item ${item.id}: ${changed.join(', ')} differ from what the custody log recorded`,
      });
  }
  for (const id of items.keys())
    problems.push({
      kind: 'item-missing',
      subject: id,
      message: `item ${id}, recorded in the custody log, is no longer in the case`,
    });

  for (const s of store.database.prepare('SELECT item_id, path, size, mtime FROM sources').all() as Array<{
    item_id: string;
    path: string;
    size: number;
    mtime: string;
  }>) {
    const k = canonicalJson([s.item_id, s.path, s.size, s.mtime]);
    const n = sources.get(k) ?? 0;
    if (n === 0)
      problems.push({
        kind: 'source-unrecorded',
        subject: s.item_id,
        message: `item ${s.item_id}: source ${s.path} is not the path, size and time the custody log recorded`,
      });
    else sources.set(k, n - 1);
  }

  for (const r of store.database.prepare('SELECT item_id, namespace, value FROM annotations').all() as Array<{
    item_id: string;
    namespace: string;
    value: string;
  }>) {
    const k = `${r.item_id}/${r.namespace}`;
    if (!annotations.has(k))
      problems.push({
        kind: 'annotation-unrecorded',
        subject: k,
        message: `annotation ${k} is in the case, but no custody event recorded it`,
      });
    else if (canonicalJson(annotations.get(k) ?? null) !== r.value)
      problems.push({
        kind: 'annotation-modified',
        subject: k,
        message: `annotation ${k} differs from the value the custody log recorded`,
      });
    annotations.delete(k);
  }
  for (const [k, v] of annotations)
    if (v !== null)
      problems.push({
        kind: 'annotation-missing',
        subject: k,
        message: `annotation ${k}, recorded in the custody log, is no longer in the case`,
      });

  for (const r of store.database.prepare('SELECT collection, id, value FROM records').all() as Array<{
    collection: string;
    id: string;
    value: string;
  }>) {
    const k = `${r.collection}/${r.id}`;
    const recorded = records.get(k);
    if (recorded === undefined || recorded === null)
      problems.push({
        kind: 'record-unrecorded',
        subject: k,
        message: `record ${k} is in the case, but the custody log does not hold it`,
      });
    else if (recorded !== sha256Hex(r.value))
      problems.push({
        kind: 'record-modified',
        subject: k,
        message: `record ${k} differs from the value the custody log recorded`,
      });
    records.delete(k);
  }
  for (const [k, v] of records)
    if (v !== null)
      problems.push({
        kind: 'record-missing',
        subject: k,
        message: `record ${k}, recorded in the custody log, is no longer in the case`,
      });

  for (const { record, json, hash } of store.provenanceRecords()) {
    const expected = provenance.get(record.id);
    if (sha256Hex(json) !== hash || (expected !== undefined && expected !== hash)) {
      problems.push({
        kind: 'provenance-modified',
        subject: record.id,
        message: `provenance record ${record.id} (${record.activity}) no longer matches the hash in the custody log`,
      });
    } else if (expected === undefined) {
      problems.push({
        kind: 'provenance-dangling',
        subject: record.id,
        message: `provenance record ${record.id} has no custody event`,
      });
    }
  }
  return problems;
}

/** What the custody log says the case holds: items, sources (counted), annotations, records and provenance hashes. */
function loggedState(store: CaseStore) {
  const items = new Map<string, Record<string, unknown>>();
  const sources = new Map<string, number>();
  const annotations = new Map<string, unknown>();
  const records = new Map<string, string | null>();
  const provenance = new Map<string, string>();
  for (const e of store.custody.events()) {
    const d = (e.details ?? {}) as Record<string, unknown>;
    if (e.action === 'item.added') items.set(e.subject, d);
    else if (e.action === 'source.recorded') {
      const k = canonicalJson([e.subject, d.path, d.size, d.mtime]);
      sources.set(k, (sources.get(k) ?? 0) + 1);
    } else if (e.action === 'annotation.set') annotations.set(`${e.subject}/${String(d.namespace)}`, d.value ?? null);
    else if (e.action === 'derivation.recorded') {
      if (typeof d.provenanceSha256 === 'string') provenance.set(e.subject, d.provenanceSha256);
      for (const o of (d.outputs ?? []) as Array<{ itemId?: string; sha256?: string; name?: string }>) {
        if (o.itemId && !items.has(o.itemId)) items.set(o.itemId, { sha256: o.sha256, name: o.name });
      }
    } else if (e.action === 'record.deleted') records.set(`${String(d.collection)}/${String(d.id)}`, null);
    else if (typeof d.collection === 'string' && typeof d.id === 'string' && typeof d.sha256 === 'string')
      records.set(`${d.collection}/${d.id}`, d.sha256);
  }
  return { items, sources, annotations, records, provenance };
}
