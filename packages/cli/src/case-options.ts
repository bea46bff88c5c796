import { join } from 'node:path';
import type { CaseStore } from '@vestige/evidence';
import { VestigeError } from '@vestige/evidence/errors';
import type { ParsedValues } from './command.ts';

/** Options every case command shares. */
export const caseOption = { case: { type: 'string' as const, short: 'c' } };
export const operatorOption = { operator: { type: 'string' as const, short: 'o' } };

export function requireString(values: ParsedValues, name: string, what: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new VestigeError('E_USAGE', `--${name} is required: ${what}`, {
      hint: `Add --${name} …; see \`vestige help\`.`,
    });
  }
  return value;
}

/**
 * Every change to a case is attributed to a person. The operator comes from --operator or
 * VESTIGE_OPERATOR; there is deliberately no silent default.
 */
export function requireOperator(values: ParsedValues): string {
  const value = (values.operator as string | undefined) ?? process.env.VESTIGE_OPERATOR;
  if (!value || value.trim() === '') {
    throw new VestigeError('E_USAGE', 'who is doing this? --operator is required for changes to a case', {
      hint: 'Add --operator "PC 1234" (or set VESTIGE_OPERATOR) so the custody log names you.',
    });
  }
  return value.trim();
}

/** Opening the case is the command's work: the case store (SQLite, EXIF reading) loads only now, never at start-up. */
export async function openCase(values: ParsedValues, options: { readOnly?: boolean } = {}): Promise<CaseStore> {
  const dir = requireString(values, 'case', 'the case folder');
  const { CaseStore } = await import('@vestige/evidence');
  return CaseStore.open(dir, options);
}

export async function withCase<T>(
  values: ParsedValues,
  options: { readOnly?: boolean },
  fn: (store: CaseStore) => Promise<T>,
): Promise<T> {
  const store = await openCase(values, options);
  const { asCaseError } = await import('@vestige/evidence');
  try {
    return await fn(store);
  } catch (err) {
    // Damage met while reading (a page of case.sqlite unreadable) is reported as such, not as a crash.
    throw asCaseError(err, join(store.dir, 'case.sqlite'));
  } finally {
    store.close();
  }
}
