import { availableParallelism } from 'node:os';
import { VestigeError } from '@vestige/evidence/errors';
import type { QueueBackend } from '@vestige/jobs';
import type { FaceGroup } from '@vestige/vision';
import { ExitCode, type CliCommand, type CommandOutput } from '../command.ts';
import { caseOption, operatorOption, requireOperator, withCase } from '../case-options.ts';
import { ProgressBar } from '../progress.ts';
import { positiveInteger } from '../option-parsers.ts';

function printGroups(out: CommandOutput, groups: readonly FaceGroup[]): void {
  for (const g of groups) {
    out.stdout(
      `  ${g.id}  ${g.status.padEnd(9)}  ${g.members.length} faces  (widest distance ${g.maxDistance.toFixed(3)})  ${g.members.join(' ')}`,
    );
    for (const d of g.decisions)
      out.stdout(
        `           ${d.action} by ${d.operator}${d.faces ? ` (${d.faces.join(' ')})` : ''}${d.from ? ` from ${d.from}` : ''}${d.note ? `: ${d.note}` : ''}`,
      );
  }
}

export const command: CliCommand = {
  name: 'faces',
  summary: 'Find faces in a case’s images and propose groups of the same person, for an officer to confirm or split',
  usage: `vestige faces --case DIR --operator NAME [--redis redis://HOST:PORT] [--batch 16] [--threshold D] [--force] [--json]
vestige faces --case DIR --list [--json]
vestige faces --case DIR --operator NAME --confirm FG-0001 [--note TEXT]
vestige faces --case DIR --operator NAME --split FG-0001 --faces I-000003#0,I-000009#1 [--note TEXT]
vestige faces --case DIR --operator NAME --reject FG-0001 [--note TEXT]

Finds faces in every original still image (as jobs: on this machine, or with --redis on worker nodes)
with face-api's SSD MobileNet v1; a face is grouped only when the Tiny Face Detector, a second network,
also finds it. Grouped faces get 68 landmarks and a 128-number descriptor. Boxes, scores, landmarks and
descriptors are stored per image (annotation vision.faces). Faces whose descriptors are within
--threshold D (a distance; default below) link into proposed groups FG-0001, … (case records
vision.face-groups/…).
--confirm, --split and --reject record the officer's decision on a group (a custody event each);
decided groups are kept when groups are proposed again, and their faces are not re-proposed.`,
  async usageDetails() {
    const { FACE_GROUP_DISTANCE, PROPOSAL_NOTICE } = await import('@vestige/vision');
    return `--threshold default: ${FACE_GROUP_DISTANCE}.\n${PROPOSAL_NOTICE}`;
  },
  options: {
    ...caseOption,
    ...operatorOption,
    redis: { type: 'string' },
    batch: { type: 'string' },
    threshold: { type: 'string' },
    force: { type: 'boolean' },
    list: { type: 'boolean' },
    confirm: { type: 'string' },
    split: { type: 'string' },
    reject: { type: 'string' },
    faces: { type: 'string' },
    note: { type: 'string' },
  },
  async run({ values }, out) {
    if (values.list) {
      return withCase(values, { readOnly: true }, async (store) => {
        const { PROPOSAL_NOTICE, faceGroups } = await import('@vestige/vision');
        const groups = faceGroups(store);
        if (out.json) out.stdout(JSON.stringify({ notice: PROPOSAL_NOTICE, groups }));
        else {
          out.stdout(`${groups.length} face groups. ${PROPOSAL_NOTICE}`);
          printGroups(out, groups);
        }
        return ExitCode.ok;
      });
    }
    const operator = requireOperator(values);
    const { PROPOSAL_NOTICE, closeSharedVisionPool, confirmFaceGroup, facesCase, rejectFaceGroup, splitFaceGroup } =
      await import('@vestige/vision');
    const note = typeof values.note === 'string' ? { note: values.note } : {};
    const decision = [values.confirm, values.split, values.reject].filter((v) => typeof v === 'string');
    if (decision.length > 1) throw new VestigeError('E_USAGE', 'give one of --confirm, --split or --reject at a time');
    if (decision.length === 1) {
      return withCase(values, {}, async (store) => {
        let changed: FaceGroup[];
        if (typeof values.confirm === 'string')
          changed = [confirmFaceGroup(store, values.confirm, { operator, ...note })];
        else if (typeof values.reject === 'string')
          changed = [rejectFaceGroup(store, values.reject, { operator, ...note })];
        else {
          if (typeof values.faces !== 'string')
            throw new VestigeError(
              'E_USAGE',
              '--split needs --faces: the faces to move out, e.g. --faces I-000003#0,I-000009#1',
            );
          const r = splitFaceGroup(
            store,
            values.split as string,
            values.faces
              .split(',')
              .map((f) => f.trim())
              .filter(Boolean),
            { operator, ...note },
          );
          changed = [r.from, r.to];
        }
        if (out.json) out.stdout(JSON.stringify({ groups: changed }));
        else printGroups(out, changed);
        return ExitCode.ok;
      });
    }
    const batchSize = positiveInteger(values.batch, 'batch');
    const threshold = values.threshold === undefined ? undefined : Number(values.threshold);
    const { jobRegistry } = await import('../job-types.ts');
    const registry = jobRegistry();
    const { BullMqQueue, LocalQueue, redisConnection } = await import('@vestige/jobs');
    const queue: QueueBackend =
      typeof values.redis === 'string'
        ? new BullMqQueue(registry, redisConnection(values.redis))
        : new LocalQueue(registry, { concurrency: availableParallelism() });
    try {
      return await withCase(values, {}, async (store) => {
        const bar = new ProgressBar(out.interactive, 'faces');
        const report = await facesCase(store, {
          operator,
          queue,
          ...(batchSize ? { batchSize } : {}),
          ...(threshold !== undefined ? { threshold } : {}),
          ...(values.force ? { force: true } : {}),
          onProgress: (d, t) => bar.update(d, t),
        });
        bar.finish();
        for (const f of report.failed) out.stderr(`not analysed ${f.itemId}: ${f.code} ${f.message}`);
        if (out.json) out.stdout(JSON.stringify({ notice: PROPOSAL_NOTICE, ...report }));
        else {
          out.stdout(PROPOSAL_NOTICE);
          out.stdout(
            `${report.images} images: ${report.analysed} analysed, ${report.cached} already analysed, ${report.failed.length} could not be read; ${report.faces} face proposals, ${report.groupable} confirmed by both detectors`,
          );
          out.stdout(`${report.proposed.length} groups proposed, ${report.kept.length} decided groups kept:`);
          printGroups(out, [...report.kept, ...report.proposed]);
        }
        return report.failed.length ? ExitCode.partial : ExitCode.ok;
      });
    } finally {
      await queue.close();
      await closeSharedVisionPool();
    }
  },
};
