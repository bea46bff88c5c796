import * as fs from 'node:fs';
import { join } from 'node:path';
import { CaseStore, ingest } from '@vestige/evidence';
import { authenticateItem, buildEnhancementReport, enhanceItems, loadRecipeFile, validateItem } from '@vestige/imaging';
import { generateImagingSample } from '@vestige/samples';
import type { DemoStep } from '../step.ts';

export const step: DemoStep = {
  title:
    'Enhance a CCTV still (rectify the plate to real size, levels, CLAHE, sharpen), check authenticity, write the court report',
  async run(ctx) {
    const sample = await generateImagingSample(
      join(ctx.caseDir, '..', `${ctx.caseDir.split('/').pop()}-imaging-sample`),
    );
    const store = CaseStore.open(ctx.caseDir);
    try {
      const ing = await ingest(store, [sample.image], { operator: ctx.operator });
      const original = ing.files[0]!.itemId;
      const auth = await authenticateItem(store, original, { operator: ctx.operator });
      ctx.summary(
        `authentication checks on ${original}: JPEG quality ≈ ${auth.findings.quantisation?.estimatedQuality ?? '—'}, ELA and noise heat maps ${auth.heatMaps.map((h) => h.id).join(', ')}`,
      );
      const recipe = loadRecipeFile(sample.recipe);
      const result = await enhanceItems(store, [original], recipe, { operator: ctx.operator });
      const [enhanced, annotated] = result.items;
      ctx.summary(
        `recipe "${recipe.name}" (${recipe.steps.length} steps: ${recipe.steps.map((s) => s.op.id).join(' → ')}) → ${enhanced!.id} ${enhanced!.name}${annotated ? ` and ${annotated.id} (annotated)` : ''}, provenance ${result.provenance.id}`,
      );
      const validation = await validateItem(store, enhanced!.id);
      ctx.summary(
        `validate: re-run from the original ${validation.ok ? 'reproduced the output byte for byte' : 'DID NOT reproduce the output'} (sha256 ${enhanced!.sha256.slice(0, 16)}…)`,
      );
      if (!validation.ok) throw new Error('enhancement was not repeatable');
      const report = await buildEnhancementReport(store, enhanced!.id);
      const reportPath = join(ctx.caseDir, 'reports', `${enhanced!.id}-report.html`);
      fs.mkdirSync(join(ctx.caseDir, 'reports'), { recursive: true });
      fs.writeFileSync(reportPath, report.html);
      ctx.shared.set('imaging', { original, enhanced: enhanced!.id, report: reportPath });
      ctx.summary(`court report: ${reportPath} (${Math.round(report.html.length / 1024)} KiB, self-contained)`);
    } finally {
      store.close();
    }
  },
};
