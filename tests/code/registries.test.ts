/**
 * Issue 14 point 3: one registry mechanism. Every kind of registry the packages make (`registry(kind)` in
 * @vestige/evidence) is walked here: its lookups answer an unknown id with the same typed error (E_PARAM_INVALID,
 * `unknown KIND 'ID'.`, a hint and `details.known` listing the known ids) and an id registered twice is refused.
 * A kind made by a package but missing from the table below fails the first test, so a new registry joins the walk.
 */
import { isVestigeError, registryKinds, type Registry, type VestigeError } from '@vestige/evidence';
import { hashSetFormat, hashSetFormats, perceptualHasher, perceptualHashers } from '@vestige/hashing';
import { imageOperations } from '@vestige/imaging';
import { JobRegistry } from '@vestige/jobs';
import { sceneFormatById, sceneFormatRegistry } from '@vestige/scene';
import { frameSelector, frameSelectorRegistry, videoStepRegistry } from '@vestige/video';
import { describe, expect, it } from 'vitest';

interface Kind {
  readonly kind: string;
  readonly registry: Registry<{ readonly id: string }>;
  /** The package's own lookups by id, besides `registry.get`. */
  readonly lookups: ReadonlyArray<(id: string) => unknown>;
}

const jobs = new JobRegistry().register(
  { id: 'example.first', schema: undefined as never, run: undefined as never } as never,
  { id: 'example.second', schema: undefined as never, run: undefined as never } as never,
);
/** A JobRegistry holds its `registry('job type')` inside; this is that registry seen through the class. */
const jobTypes: Kind['registry'] = {
  kind: 'job type',
  has: (id) => jobs.ids().includes(id),
  ids: () => jobs.ids(),
  get: (id) => jobs.get(id),
  register(...entries) {
    jobs.register(...(entries as never[]));
    return this;
  },
  list: () => jobs.ids().map((id) => jobs.get(id)),
};

const KINDS: readonly Kind[] = [
  { kind: 'image operation', registry: imageOperations, lookups: [] },
  { kind: 'frame selector', registry: frameSelectorRegistry, lookups: [frameSelector] },
  { kind: 'video step', registry: videoStepRegistry, lookups: [] },
  { kind: 'scene format', registry: sceneFormatRegistry, lookups: [sceneFormatById] },
  { kind: 'perceptual hash', registry: perceptualHashers, lookups: [perceptualHasher] },
  { kind: 'hash-set format', registry: hashSetFormats, lookups: [hashSetFormat] },
  { kind: 'job type', registry: jobTypes, lookups: [] },
];

function errorOf(fn: () => unknown): VestigeError {
  try {
    fn();
  } catch (err) {
    if (isVestigeError(err)) return err;
    throw err;
  }
  throw new Error('expected an error');
}

describe('one registry mechanism (issue 14 point 3)', () => {
  it('the table covers every kind of registry the packages make', () => {
    expect(registryKinds()).toEqual(KINDS.map((k) => k.kind).sort());
  });

  for (const { kind, registry, lookups } of KINDS) {
    it(`${kind}: an unknown id is E_PARAM_INVALID listing the known ids; a duplicate is refused`, () => {
      const known = registry.ids();
      expect(known.length).toBeGreaterThan(0);
      for (const get of [(id: string) => registry.get(id), ...lookups]) {
        const e = errorOf(() => get('no-such-id'));
        expect(e.code).toBe('E_PARAM_INVALID');
        expect(e.message).toBe(`unknown ${kind} 'no-such-id'.`);
        expect(e.hint).toBe(`Use one of: ${known.join(', ')}.`);
        expect(e.details).toEqual({ known });
      }
      const first = registry.list()[0]!;
      const dup = errorOf(() => registry.register({ ...first }));
      expect(dup.code).toBe('E_PARAM_INVALID');
      expect(dup.message).toBe(`${kind} '${first.id}' is already registered.`);
      expect(registry.get(first.id)).toBe(first);
      expect(registry.ids()).toEqual(known);
    });
  }
});
