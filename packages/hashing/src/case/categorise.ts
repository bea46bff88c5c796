import type { CaseStore, Item } from '@vestige/evidence';
import { VestigeError } from '@vestige/evidence';
import { ukToVics, type UkCategory } from '../categorise/categories.ts';
import type { HashSetEntry } from '../sets/types.ts';
import { ANNOTATION, type CategoryAnnotation, type PdqAnnotation } from './annotations.ts';
import { caseGroup } from './groups.ts';

export interface CategoriseOptions {
  readonly operator: string;
  readonly items?: readonly string[];
  /** Near-duplicate groups whose every member gets the decision. */
  readonly groups?: readonly string[];
  /** New grade; leave out to change tags only. `null` clears the grade. */
  readonly category?: UkCategory | null;
  readonly addTags?: readonly string[];
  readonly removeTags?: readonly string[];
  readonly note?: string;
}

export interface CategoriseResult {
  readonly changed: Array<{ itemId: string; before: CategoryAnnotation | null; after: CategoryAnnotation }>;
  readonly unchanged: string[];
}

/**
 * Sets a category and/or tags on items or whole near-duplicate groups. Each changed item is one
 * annotation write and so one custody event naming the operator and the new value; earlier values
 * stay in the (append-only) log, so the full history of who graded what, and when, is kept. The
 * function returns before and after for display. All changes commit together or not at all.
 */
export function categorise(store: CaseStore, options: CategoriseOptions): CategoriseResult {
  const targets = new Map<string, string | undefined>();
  for (const id of options.items ?? []) {
    store.item(id); // throws E_ITEM_NOT_FOUND
    targets.set(id, undefined);
  }
  for (const g of options.groups ?? [])
    for (const m of caseGroup(store, g).members) if (!targets.has(m)) targets.set(m, g);
  if (targets.size === 0)
    throw new VestigeError('E_USAGE', 'nothing to categorise: give item ids and/or --group ids', {
      hint: 'e.g. vestige categorise I-000003 --category C --operator "PC 1234"',
    });
  if (
    options.category === undefined &&
    !options.addTags?.length &&
    !options.removeTags?.length &&
    options.note === undefined
  ) {
    throw new VestigeError('E_USAGE', 'nothing to change: give --category, --tag, --untag or --note');
  }
  const result: CategoriseResult = { changed: [], unchanged: [] };
  store.transaction(() => {
    for (const [itemId, viaGroup] of targets) {
      const before = (store.annotations(itemId)[ANNOTATION.category] as CategoryAnnotation | undefined) ?? null;
      const tags = new Set(before?.tags ?? []);
      for (const t of options.addTags ?? []) tags.add(t);
      for (const t of options.removeTags ?? []) tags.delete(t);
      const uk = options.category === undefined ? before?.uk : (options.category ?? undefined);
      const after: CategoryAnnotation = {
        ...(uk ? { uk, vics: ukToVics(uk) } : {}),
        tags: [...tags].sort(),
        ...((options.note ?? before?.note) !== undefined ? { note: options.note ?? before!.note! } : {}),
        ...(viaGroup ? { viaGroup } : {}),
      };
      if (JSON.stringify(before) === JSON.stringify(after)) {
        result.unchanged.push(itemId);
        continue;
      }
      store.setAnnotation(itemId, ANNOTATION.category, after, options.operator);
      result.changed.push({ itemId, before, after });
    }
  });
  return result;
}

/** Categorised items as hash-set entries (for `vestige hashset export`). */
export function categorisedEntries(store: CaseStore, options: { includeUncategorised?: boolean } = {}): HashSetEntry[] {
  return categorisedItems(store, options).map((c) => c.entry);
}

/** Categorised items with their hash-set entries (the case export also needs the item). */
export function categorisedItems(
  store: CaseStore,
  options: { includeUncategorised?: boolean } = {},
): Array<{ item: Item; entry: HashSetEntry }> {
  const entries: Array<{ item: Item; entry: HashSetEntry }> = [];
  const items: Item[] = options.includeUncategorised
    ? store.items()
    : store.annotated(ANNOTATION.category).map((a) => a.item);
  for (const item of items) {
    const ann = store.annotations(item.id);
    const cat = ann[ANNOTATION.category] as CategoryAnnotation | undefined;
    if (!cat && !options.includeUncategorised) continue;
    const pdq = ann[ANNOTATION.pdq] as PdqAnnotation | undefined;
    const e: HashSetEntry = {
      md5: item.md5,
      sha1: item.sha1,
      sha256: item.sha256,
      size: item.size,
      name: item.name,
      mediaId: item.id.replace(/^I-0*/, '') || '0',
    };
    if (pdq) {
      e.pdq = pdq.hex;
      e.pdqQuality = pdq.quality;
    }
    if (cat?.uk) e.ukCategory = cat.uk;
    if (cat?.vics !== undefined) e.vicsCategory = cat.vics;
    if (cat?.tags.length) e.tags = [...cat.tags];
    if (cat?.note) e.comments = cat.note;
    entries.push({ item, entry: e });
  }
  return entries;
}
