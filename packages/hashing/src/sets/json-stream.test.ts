import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { streamJsonEntries, type JsonStreamEvent } from './json-stream.ts';

async function events(text: string, chunk = 1): Promise<JsonStreamEvent[]> {
  const buf = Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += chunk) parts.push(buf.subarray(i, i + chunk));
  const out: JsonStreamEvent[] = [];
  for await (const e of streamJsonEntries(Readable.from(parts))) out.push(e);
  return out;
}

describe('streaming JSON reader', () => {
  const doc = {
    'odata.metadata': 'x',
    count: 2,
    skipped: { big: [1, 2, { deep: true }] },
    value: [{ a: 'é "quoted" \\ \u2028 😀', n: -1.5e3, t: true, f: false, z: null, list: [1, [2, { x: 'y' }]], empty: {}, none: [] }, 7, 'str'],
  };
  it('gives the same values as JSON.parse, byte by byte (multi-byte UTF-8 split across chunks)', async () => {
    const ev = await events(JSON.stringify(doc), 1);
    expect(ev).toEqual([
      { kind: 'root-scalar', key: 'odata.metadata', value: 'x' },
      { kind: 'root-scalar', key: 'count', value: 2 },
      { kind: 'element', index: 0, value: doc.value[0] },
      { kind: 'element', index: 1, value: 7 },
      { kind: 'element', index: 2, value: 'str' },
    ]);
    expect(await events(JSON.stringify(doc, null, 2), 5)).toEqual(ev);
  });
  it('reads a root array as the entries', async () => {
    expect((await events('[{"a":1},{"a":2}]', 3)).map((e) => e.kind === 'element' && e.value)).toEqual([{ a: 1 }, { a: 2 }]);
  });
  it('rejects malformed JSON with a position', async () => {
    for (const bad of ['{"value":[1,]}', '{"value":[1 2]}', '{"a":}', '{"value":[{"a":1}', '{"value":[]} x', '{"value":["\u0001"]}', '{"a" 1}', '{,}', '']) {
      await expect(events(bad, 4), bad).rejects.toMatchObject({ code: 'E_HASHSET_INVALID' });
    }
  });
});
