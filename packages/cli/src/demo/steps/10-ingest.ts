import { join } from 'node:path';
import { CaseStore, ingest, verifyCase } from '@vestige/evidence';
import { generateSeizedSample } from '@vestige/samples';
import type { DemoStep } from '../step.ts';
import { ingestExtractors } from '../../metadata-extractors.ts';

export const step: DemoStep = {
  title: 'Ingest the sample exhibit (hash, store once, record sources and custody)',
  async run(ctx) {
    const seized = await generateSeizedSample(join(ctx.caseDir, '..', `${ctx.caseDir.split('/').pop()}-exhibit`));
    const store = CaseStore.open(ctx.caseDir);
    try {
      const report = await ingest(store, [seized.dir], { operator: ctx.operator, extractors: ingestExtractors });
      ctx.shared.set('ingest', report);
      ctx.summary(
        `ingested ${report.filesSeen} files from ${seized.dir}: ${report.itemsAdded} items, ${report.duplicates} duplicate stored once, ${report.symlinks.length} symlink recorded`,
      );
      for (const f of report.files)
        ctx.summary(
          `  ${f.itemId}  ${f.sha256.slice(0, 16)}…  ${f.status.padEnd(9)} ${f.path.slice(seized.dir.length + 1)}`,
        );
      const verified = await verifyCase(store);
      ctx.summary(
        `verify: ${verified.ok ? 'VERIFIED' : 'FAILED'} — ${verified.blobsChecked} blobs re-hashed, ${verified.eventsChecked} custody events checked`,
      );
      if (!verified.ok) throw new Error(`verification failed: ${verified.problems.map((p) => p.message).join('; ')}`);
    } finally {
      store.close();
    }
  },
};
