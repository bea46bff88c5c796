import { basename, join } from 'node:path';
import { CaseStore } from '@vestige/evidence';
import {
  categorise,
  categorisedEntries,
  groupCaseNearDuplicates,
  hashCaseImages,
  hashCaseVideos,
  type VpdqAnnotation,
  matchCase,
  vicsFormat,
  writeContactSheet,
  writeHashSetFile,
  ANNOTATION,
  type PdqAnnotation,
} from '@vestige/hashing';
import { generateSampleHashSet } from '@vestige/samples';
import type { DemoStep } from '../step.ts';

export const step: DemoStep = {
  title: 'Perceptual hashing and hash-set matching (PDQ, VICS), near-duplicate groups, categorisation',
  async run(ctx) {
    const store = CaseStore.open(ctx.caseDir);
    try {
      const hashed = await hashCaseImages(store, { operator: ctx.operator });
      ctx.summary(
        `hashed ${hashed.hashed} images (PDQ bit-exact with Meta's reference, pHash, dHash)${hashed.failed.length ? `; ${hashed.failed.length} could not be decoded` : ''}`,
      );
      for (const { item, value } of store.annotated(ANNOTATION.pdq)) {
        const v = value as PdqAnnotation;
        ctx.summary(`  ${item.id}  PDQ ${v.hex.slice(0, 24)}…  quality ${String(v.quality).padStart(3)}  ${item.name}`);
      }

      const videos = await hashCaseVideos(store, { operator: ctx.operator });
      for (const { item, value } of store.annotated(ANNOTATION.vpdq)) {
        const v = value as VpdqAnnotation;
        ctx.summary(
          `  ${item.id}  vPDQ: ${v.sampledFrames} frames at ${v.fps}/s → ${v.segments.length} segments  ${item.name}`,
        );
      }
      if (videos.failed.length) ctx.summary(`  ${videos.failed.length} videos could not be decoded`);

      // A small known-image set made from two of the exhibit's images (one exact, one re-encoded copy).
      const photo = store.items({ mediaTypePrefix: 'image/jpeg' }).sort((a, b) => a.name.localeCompare(b.name))[0];
      const plate = store.items({ mediaTypePrefix: 'image/png' })[0];
      if (!photo || !plate)
        throw new Error('the demo needs the sample photos and the PNG close-up ingested by step 10');
      const images = await Promise.all(
        [photo, plate].map(async (i) => ({ name: i.name, bytes: await store.blobs.read(i.sha256) })),
      );
      const setDir = join(ctx.caseDir, '..', `${basename(ctx.caseDir)}-hashsets`);
      const set = await generateSampleHashSet(setDir, images);
      ctx.summary(
        `sample hash set: ${set.vicsPath} (${set.entries} entries + 1 damaged entry; also as a hash-list CSV)`,
      );

      const report = await matchCase(store, {
        operator: ctx.operator,
        setPath: set.vicsPath,
        setName: 'Vestige sample known-image set',
        pdqRadius: 31,
      });
      ctx.summary(
        `matched against "${report.set.name}" version ${report.set.version}: ${report.entriesRead} entries read, ${report.entriesRejected} rejected (${report.issues[0]?.message ?? 'none'})`,
      );
      for (const m of report.matchedItems) {
        for (const x of m.matches)
          ctx.summary(
            `  ${m.itemId} ${m.itemName} ← ${x.kind === 'pdq' ? `PDQ distance ${x.distance}` : `${x.kind.toUpperCase()} exact`} (media ${x.entry.mediaId}, series ${x.entry.series})`,
          );
      }
      const perceptual = report.matchedItems.find((m) => m.matches.some((x) => x.kind === 'pdq'));
      if (!perceptual) throw new Error('expected the re-encoded copy to match its original perceptually');

      const groups = groupCaseNearDuplicates(store, { operator: ctx.operator });
      ctx.summary(`near-duplicate groups (PDQ ≤ 31): ${groups.groups.length} among ${groups.itemsConsidered} images`);
      for (const g of groups.groups)
        ctx.summary(
          `  ${g.id}: ${g.members.join(', ')} — representative ${g.representative}, max distance ${g.maxDistanceToRepresentative}`,
        );

      const cat = categorise(store, {
        operator: ctx.operator,
        items: [perceptual.itemId],
        category: 'C',
        addTags: ['demo', 'matched:sample-series-1'],
        note: 'Graded from the perceptual match (demo).',
      });
      ctx.summary(
        `categorised ${cat.changed.map((c) => c.itemId).join(', ')} as UK category C (VICS 1) — one custody event each`,
      );

      const exportPath = join(setDir, 'case-export.vics.json');
      await writeHashSetFile(exportPath, vicsFormat, categorisedEntries(store));
      store.appendEvent({
        operator: ctx.operator,
        action: 'hashset.exported',
        subject: 'hashset:case-export.vics.json',
        details: { path: exportPath, format: 'vics' },
      });
      const sheetPath = join(setDir, 'categorised-contact-sheet.jpg');
      await writeContactSheet(
        store,
        cat.changed.map((c) => c.itemId),
        sheetPath,
      );
      ctx.summary(`exported categorised items as VICS JSON: ${exportPath}`);
      ctx.summary(`contact sheet (greyscale + blurred by default, for reviewer wellbeing): ${sheetPath}`);
      ctx.shared.set('hashing', { report, groups: groups.groups, exportPath });
    } finally {
      store.close();
    }
  },
};
