import { z } from 'zod';
import { ingest } from './ingest.ts';
import { inJobCase } from './job-case.ts';
import { verifyCase } from './verify.ts';
import { defineJobType } from './job-type.ts';

/** Re-hashes a case and checks its custody chain: the nightly integrity check a lab schedules. */
export const verifyCaseJob = defineJobType({
  id: 'evidence.verify',
  schema: z.object({ caseDir: z.string().min(1) }).strict(),
  run: (payload, ctx) =>
    inJobCase(
      payload.caseDir,
      async (store) => {
        const report = await verifyCase(store, { onProgress: (done, total) => ctx.progress(total ? done / total : 1) });
        return {
          ok: report.ok,
          problems: report.problems,
          blobsChecked: report.blobsChecked,
          eventsChecked: report.eventsChecked,
          custodyHead: report.custodyHead,
        };
      },
      { readOnly: true },
    ),
});

/** Ingests paths into a case on whichever node runs it (paths must be visible to that node). */
export const ingestJob = defineJobType({
  id: 'evidence.ingest',
  schema: z
    .object({ caseDir: z.string().min(1), paths: z.array(z.string().min(1)).min(1), operator: z.string().min(1) })
    .strict(),
  run: (payload, ctx) =>
    inJobCase(payload.caseDir, async (store) => {
      const report = await ingest(store, payload.paths, {
        operator: payload.operator,
        onProgress: (p) => ctx.progress(p.bytesTotal ? p.bytesDone / p.bytesTotal : 0),
      });
      return {
        ingestId: report.ingestId,
        itemsAdded: report.itemsAdded,
        duplicates: report.duplicates,
        rejected: report.rejected,
        warnings: report.warnings,
        custodyHead: report.custodyHead,
      };
    }),
});
