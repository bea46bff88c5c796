import * as fs from 'node:fs';
import { join } from 'node:path';
import { canonicalJson } from './canonical-json.ts';
import type { CaseStore } from './case-store.ts';
import { readCaseSummaries } from './case-summaries.ts';
import type { CustodyHead } from './custody-log.ts';
import type { AnchorCheck, VerifyOptions, VerifyProblem } from './verify.ts';

/**
 * The heads recorded outside the database that the chain must still reach: custody.head (the log's end),
 * the head the officer gave, and every ingest and export summary (a second anchor the database cannot
 * rewrite). Also case.json, which reports show, against its bound record.
 */
export interface Anchor {
  source: string;
  head: CustodyHead;
  /**
   * `end`: custody.head or the head the officer gave, which must be the log's end or before it; `summary`: a summary
   * file.
   */
  role: 'end' | 'summary';
}

export function collectAnchors(store: CaseStore, options: VerifyOptions, problems: VerifyProblem[]): Anchor[] {
  const anchors: Anchor[] = [];
  const hasEvents = store.custody.head() !== undefined;
  const read = store.custody.readAnchor();
  if (read.status === 'ok') anchors.push({ source: 'custody.head', head: read.head, role: 'end' });
  else if (read.status === 'invalid') {
    problems.push({
      kind: 'custody-anchor-invalid',
      subject: 'custody.head',
      message: `custody.head cannot be read as a head (${read.reason}): the log's end is not anchored`,
    });
  } else if (hasEvents) {
    problems.push({
      kind: 'custody-anchor-missing',
      subject: 'custody.head',
      message:
        'custody.head is missing: the log has events but nothing anchors its end (it is rewritten after every change, so it was removed)',
    });
  }
  if (options.expectHead)
    anchors.push({ source: options.expectHeadSource ?? 'the head given', head: options.expectHead, role: 'end' });
  for (const s of readCaseSummaries(store.dir)) {
    if (s.error !== undefined)
      problems.push({
        kind: 'summary-invalid',
        subject: s.path,
        message: `summary ${s.path} cannot be read: ${s.error}`,
      });
    else if (s.summary.caseId !== store.info.id)
      problems.push({
        kind: 'summary-invalid',
        subject: s.path,
        message: `summary ${s.path} belongs to case ${s.summary.caseId}, not this one`,
      });
    else anchors.push({ source: s.path, head: s.summary.custodyHead, role: 'summary' });
  }
  return anchors;
}

export function anchorProblems(a: AnchorCheck, role: Anchor['role'], lastSeq: number): VerifyProblem[] {
  if (a.status === 'ok') return [];
  if (role === 'end') {
    return a.status === 'truncated'
      ? [
          {
            kind: 'custody-truncated',
            subject: `event ${lastSeq + 1}`,
            message: `the log ends at event ${lastSeq}, but ${a.source} records event ${a.head.seq}: events were removed from the end`,
          },
        ]
      : [
          {
            kind: 'custody-head-mismatch',
            subject: `event ${a.head.seq}`,
            message: `event ${a.head.seq} no longer has the hash ${a.source} recorded (${a.head.hash.slice(0, 16)}…)`,
          },
        ];
  }
  const what =
    a.status === 'truncated' ? `the log now ends at event ${lastSeq}` : `event ${a.head.seq} now has another hash`;
  return [
    {
      kind: 'custody-rolled-back',
      subject: a.source,
      message: `${a.source} recorded custody head ${a.head.seq} ${a.head.hash.slice(0, 16)}…, but ${what}: the log was rolled back or rewritten after that point`,
    },
  ];
}

/** case.json is what reports show; it must say what the bound `case` row says. */
export function markerProblems(store: CaseStore): VerifyProblem[] {
  const recorded = store.database.prepare("SELECT value FROM meta WHERE key = 'case'").pluck().get() as
    | string
    | undefined;
  let marker: unknown;
  try {
    marker = JSON.parse(fs.readFileSync(join(store.dir, 'case.json'), 'utf8'));
  } catch {
    marker = undefined;
  }
  if (recorded !== undefined && canonicalJson(marker ?? null) === recorded) return [];
  return [
    {
      kind: 'case-marker-modified',
      subject: 'case.json',
      message: 'case.json (the case name and reference shown on reports) differs from the case record in the database',
    },
  ];
}
