import { VestigeError } from './errors.ts';

/**
 * The ids of one extension point (image operations, frame selectors, job types, scene formats …), with
 * one behaviour for all: an unknown id is a typed error that lists the known ones, and an id registered
 * twice is refused rather than silently replacing the first.
 */
export interface Registry<T extends { readonly id: string }> {
  /** What the entries are, in words (`image operation`), for messages. */
  readonly kind: string;
  register(...entries: T[]): this;
  /** The entry, or `E_PARAM_INVALID` naming the known ids. */
  get(id: string): T;
  has(id: string): boolean;
  /** In the order registered. */
  list(): T[];
  /** The ids, in the order registered. */
  ids(): string[];
}

/** Every kind a registry has been made for in this process, so a test can walk them all. */
const kinds = new Set<string>();

/** The kinds of registry made so far (a package's registries are made when it is loaded), sorted. */
export function registryKinds(): string[] {
  return [...kinds].sort();
}

export function registry<T extends { readonly id: string }>(kind: string, entries: Iterable<T> = []): Registry<T> {
  kinds.add(kind);
  const byId = new Map<string, T>();
  const self: Registry<T> = {
    kind,
    register(...added) {
      for (const entry of added) {
        if (byId.has(entry.id))
          throw new VestigeError('E_PARAM_INVALID', `${kind} '${entry.id}' is already registered.`, {
            hint: `Give the new ${kind} an id of its own.`,
          });
        byId.set(entry.id, entry);
      }
      return this;
    },
    get(id) {
      const entry = byId.get(id);
      if (!entry)
        throw new VestigeError('E_PARAM_INVALID', `unknown ${kind} '${id}'.`, {
          hint: `Use one of: ${self.ids().join(', ')}.`,
          details: { known: self.ids() },
        });
      return entry;
    },
    has: (id) => byId.has(id),
    list: () => [...byId.values()],
    ids: () => [...byId.keys()],
  };
  return self.register(...entries);
}
