import { VestigeError } from '@vestige/evidence/errors';
import { ExitCode, type CliCommand } from '../command.ts';
import { caseOption, operatorOption, requireOperator, withCase } from '../case-options.ts';
import { shown } from '../terminal-text.ts';

export const command: CliCommand = {
  name: 'video time',
  aliases: ['video-time'],
  summary:
    "Record a video item's recorder clock correction (offset and time zone) and show recorder and corrected times",
  usage: `vestige video time ITEM --case DIR [--recorder-start YYYY-MM-DDTHH:MM:SS[.mmm] --offset SECONDS --zone ZONE --basis TEXT --operator NAME] [--at SECONDS …] [--json]

DVR clocks drift and seldom know their time zone. With --recorder-start (what the recorder showed for the first
frame), --offset (true time minus recorder time, e.g. 93.5 when the recorder is 93.5 s slow), --zone (IANA name
such as Europe/London, or +01:00) and --basis (how you established it), the correction is recorded as a case
record with its own custody event. The item and every frame's timestamps are never changed; recorder time and
corrected time are shown side by side. Without those options, shows the recorded correction.
  --at SECONDS   show both times at these points of the video (seconds from the first frame; repeatable)`,
  options: {
    ...caseOption,
    ...operatorOption,
    'recorder-start': { type: 'string' },
    offset: { type: 'string' },
    zone: { type: 'string' },
    basis: { type: 'string' },
    at: { type: 'string', multiple: true },
  },
  allowPositionals: true,
  async run({ values, positionals }, out) {
    const itemId = positionals[0];
    if (!itemId || positionals.length > 1)
      throw new VestigeError('E_USAGE', 'video time takes exactly one video item id.', {
        hint: this.usage.split('\n')[0],
      });
    const setting =
      values['recorder-start'] !== undefined ||
      values.offset !== undefined ||
      values.zone !== undefined ||
      values.basis !== undefined;
    const { frameClock, getClockCorrection, probeMediaSummary, setClockCorrection } = await import('@vestige/video');
    return withCase(values, { readOnly: !setting }, async (store) => {
      if (setting) {
        const operator = requireOperator(values);
        const offset = Number(values.offset);
        if (values.offset === undefined || !Number.isFinite(offset))
          throw new VestigeError('E_USAGE', '--offset needs a number of seconds (true time minus recorder time).');
        setClockCorrection(
          store,
          itemId,
          {
            recorderStart: values['recorder-start'],
            offsetSeconds: offset,
            timeZone: values.zone,
            basis: values.basis,
          },
          operator,
        );
      }
      const correction = getClockCorrection(store, itemId);
      if (!correction) {
        if (out.json) out.stdout(JSON.stringify({ itemId, correction: null }));
        else
          out.stdout(
            `${itemId}: no clock correction recorded. Record one with --recorder-start, --offset, --zone and --basis.`,
          );
        return ExitCode.ok;
      }
      const item = store.item(itemId);
      const duration = Number((await probeMediaSummary(store.blobs.pathOf(item.sha256)))['duration'] ?? 0) || 0;
      const points = ((values.at as string[] | undefined) ?? []).map(Number).filter(Number.isFinite);
      const at = points.length > 0 ? points : [0, duration];
      const rows = at.map((s) => frameClock(correction, s));
      if (out.json) out.stdout(JSON.stringify({ itemId, correction, times: rows }));
      else {
        out.stdout(
          `${itemId} (${shown(item.name)}): recorder clock ${correction.offsetSeconds >= 0 ? '+' : ''}${correction.offsetSeconds} s, zone ${correction.timeZone}; basis: ${correction.basis}`,
        );
        out.stdout(
          `  ${'video s'.padStart(10)}  ${'recorder showed'.padEnd(23)}  corrected (local)              corrected (UTC)`,
        );
        for (const r of rows)
          out.stdout(
            `  ${r.streamSeconds.toFixed(3).padStart(10)}  ${r.recorderTime.padEnd(23)}  ${r.correctedLocal}  ${r.correctedUtc}`,
          );
      }
      return ExitCode.ok;
    });
  },
};
