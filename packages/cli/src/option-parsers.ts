import type { CaseStore } from '@vestige/evidence';
import { VestigeError } from '@vestige/evidence/errors';
import type { ParsedValues } from './command.ts';

/* Option parsers that more than one command uses; each throws E_USAGE (exit 64) naming the option. */

/** A whole-number option of at least 1, or undefined when not given (the four vision commands share it). */
export function positiveInteger(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new VestigeError('E_USAGE', `--${name} must be a whole number of at least 1, not '${String(value)}'`);
  return n;
}

export function parsePoint(name: string, value: unknown): [number, number, number] {
  const parts = String(value ?? '')
    .split(',')
    .map((s) => Number(s.trim()));
  if (parts.length !== 3 || parts.some((v) => !Number.isFinite(v)))
    throw new VestigeError(
      'E_USAGE',
      `--${name} needs X,Y,Z (three numbers, source coordinates), got '${String(value)}'.`,
    );
  return parts as [number, number, number];
}

export function pixelLimitOf(values: ParsedValues): number | undefined {
  const v = values['pixel-limit'];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0)
    throw new VestigeError(
      'E_USAGE',
      `--pixel-limit must be a positive whole number of pixels, got ${JSON.stringify(v)}`,
    );
  return n;
}

/** Item ids as given (I-000012), or a full SHA-256 of an item's content. */
export function resolveItemId(store: CaseStore, ref: string): string {
  if (/^[0-9a-f]{64}$/i.test(ref)) {
    const item = store.itemsBySha256(ref.toLowerCase())[0];
    if (!item) throw new VestigeError('E_ITEM_NOT_FOUND', `no item with SHA-256 ${ref} in this case`);
    return item.id;
  }
  return store.item(ref).id;
}

/**
 * Looks up an id the user typed for `--NAME` (`--format`, `--algorithm`) in a registry. An id the registry does
 * not know is the command line's fault, so it is a usage error (exit 64) that keeps the registry's list of ids.
 */
export function optionChoice<T>(name: string, lookup: () => T): T {
  try {
    return lookup();
  } catch (err) {
    if (err instanceof VestigeError && err.code === 'E_PARAM_INVALID' && Array.isArray(err.details?.known)) {
      throw new VestigeError('E_USAGE', `--${name}: ${err.message}`, {
        ...(err.hint ? { hint: err.hint } : {}),
        details: err.details,
      });
    }
    throw err;
  }
}
