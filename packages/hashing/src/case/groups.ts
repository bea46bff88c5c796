import type { CaseStore, Item } from '@vestige/evidence';
import { VestigeError } from '@vestige/evidence';
import { hammingDistance, hexToBytes } from '../hex.ts';
import { PdqHashArray } from '../match/pdq-hashes.ts';
import { PdqIndex } from '../match/pdq-index.ts';
import { ANNOTATION, RECORDS, type PdqAnnotation } from './annotations.ts';

export interface NearDuplicateGroup {
  /** `G-0001`, numbered in order of each group's earliest item. */
  readonly id: string;
  readonly representative: string;
  readonly members: readonly string[];
  /** Largest PDQ distance between a member and the representative. */
  readonly maxDistanceToRepresentative: number;
}

export interface GroupingOptions {
  readonly operator: string;
  readonly radius?: number;
  readonly minQuality?: number;
}

/** Union–find with path halving. */
class DisjointSets {
  private readonly parent: Int32Array;
  constructor(n: number) {
    this.parent = Int32Array.from({ length: n }, (_, i) => i);
  }
  find(x: number): number {
    const p = this.parent;
    while (p[x] !== x) {
      p[x] = p[p[x]!]!;
      x = p[x]!;
    }
    return x;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}

/**
 * Pure part: near-duplicate groups as connected components of the graph "PDQ distance ≤ radius"
 * (so A~B and B~C group A, B, C even when A and C are further apart). The representative is the
 * member with the highest PDQ quality, then the most pixels, then the earliest item — the best copy
 * to look at on behalf of the group. Single items are not groups.
 */
export function nearDuplicateGroups(
  members: ReadonlyArray<{ id: string; pdq: Uint8Array; quality: number; pixels: number }>,
  radius: number,
): NearDuplicateGroup[] {
  const store = new PdqHashArray(members.length);
  for (const m of members) store.push(m.pdq);
  const index = PdqIndex.build(store);
  const sets = new DisjointSets(members.length);
  // Every member against every other at once: one batch (the index joins it against the set).
  const { counts, hits } = index.searchMany(store.words, 0, members.length, radius);
  for (let i = 0, k = 0; i < members.length; i++) {
    for (let c = 0; c < counts[i]!; c++, k += 2) if (hits[k] !== i) sets.union(i, hits[k]!);
  }
  const components = new Map<number, number[]>();
  members.forEach((_, i) => {
    const r = sets.find(i);
    const list = components.get(r);
    if (list) list.push(i);
    else components.set(r, [i]);
  });
  const groups = [...components.values()]
    .filter((c) => c.length > 1)
    .sort((a, b) => a[0]! - b[0]!)
    .map((c, n) => {
      const rep = [...c].sort(
        (a, b) => members[b]!.quality - members[a]!.quality || members[b]!.pixels - members[a]!.pixels || a - b,
      )[0]!;
      let maxD = 0;
      for (const i of c) maxD = Math.max(maxD, hammingDistance(members[rep]!.pdq, members[i]!.pdq));
      return {
        id: `G-${String(n + 1).padStart(4, '0')}`,
        representative: members[rep]!.id,
        members: c.map((i) => members[i]!.id),
        maxDistanceToRepresentative: maxD,
      };
    });
  return groups;
}

/**
 * Groups the case's hashed images and records the result: one case record per group
 * (`hashing.groups/G-0001`) and a `hashing.group` annotation on each member. Re-grouping replaces
 * the previous groups (each removal is itself a custody event).
 */
export function groupCaseNearDuplicates(
  store: CaseStore,
  options: GroupingOptions,
): { groups: NearDuplicateGroup[]; itemsConsidered: number; lowQualitySkipped: number } {
  const radius = options.radius ?? 31;
  if (!Number.isInteger(radius) || radius < 0 || radius > 128)
    throw new VestigeError('E_PARAM_INVALID', `--radius must be a whole number from 0 to 128, not ${radius}`);
  const minQuality = options.minQuality ?? 50;
  const hashed = store.annotated(ANNOTATION.pdq) as Array<{ item: Item; value: PdqAnnotation }>;
  // Items a known-good set (NSRL) hit are filtered out of review, so they are not grouped either.
  const knownGood = new Set(
    store
      .annotated(ANNOTATION.knownGood)
      .filter((a) => a.value !== null)
      .map((a) => a.item.id),
  );
  const usable = hashed.filter((h) => h.value.quality >= minQuality && !knownGood.has(h.item.id));
  const groups = nearDuplicateGroups(
    usable.map((h) => ({
      id: h.item.id,
      pdq: hexToBytes(h.value.hex),
      quality: h.value.quality,
      pixels: h.value.width * h.value.height,
    })),
    radius,
  );
  store.transaction(() => {
    for (const old of store.listRecords(RECORDS.groups)) store.deleteRecord(RECORDS.groups, old.id, options.operator);
    for (const { item } of store.annotated(ANNOTATION.group).filter((a) => a.value !== null))
      store.setAnnotation(item.id, ANNOTATION.group, null, options.operator);
    for (const g of groups) {
      store.putRecord(RECORDS.groups, g.id, { ...g, radius, minQuality }, options.operator, 'hashing.grouped');
      for (const m of g.members)
        store.setAnnotation(
          m,
          ANNOTATION.group,
          { group: g.id, representative: g.representative, radius },
          options.operator,
        );
    }
  });
  return { groups, itemsConsidered: usable.length, lowQualitySkipped: hashed.length - usable.length };
}

export function caseGroup(store: CaseStore, groupId: string): NearDuplicateGroup {
  const g = store.getRecord<NearDuplicateGroup>(RECORDS.groups, groupId);
  if (!g)
    throw new VestigeError('E_PARAM_INVALID', `no near-duplicate group ${groupId} in this case`, {
      hint: 'Run `vestige groups --case DIR` to build groups, then use the ids it lists.',
    });
  return g;
}
