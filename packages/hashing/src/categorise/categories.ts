/**
 * Categories for indecent-image work.
 *
 * UK grading (Sentencing Council guideline for indecent photographs of children, used by CAID):
 *   A — images involving penetrative sexual activity, or sexual activity with an animal, or sadism;
 *   B — images involving non-penetrative sexual activity;
 *   C — other indecent images not falling within A or B;
 *   N — reviewed and not indecent.
 *
 * Project VIC (VICS data model) category numbers, as exchanged in VICS JSON `Category`:
 *   0 — non-pertinent (ignorable);  1 — child abuse material (CAM);  2 — child exploitive / age
 *   difficult (not CAM);  3 — CGI / animation child abuse;  4 — comparison images.
 *   An absent Category means uncategorised.
 *
 * The mapping UK → VICS is many-to-one (A, B and C are all CAM), so in the default VICS profile the UK
 * grade travels as a tag (`uk:A`); CAID's UK profile carries it in Category itself (ukToUkProfile).
 */
export const UK_CATEGORIES = ['A', 'B', 'C', 'N'] as const;
export type UkCategory = (typeof UK_CATEGORIES)[number];

export const UK_CATEGORY_LABELS: Record<UkCategory, string> = {
  A: 'Category A (penetrative / bestiality / sadism)',
  B: 'Category B (non-penetrative sexual activity)',
  C: 'Category C (other indecent images)',
  N: 'Not indecent',
};

export const VICS_CATEGORY_LABELS: Record<number, string> = {
  0: 'Non-pertinent',
  1: 'Child abuse material (CAM)',
  2: 'Child exploitive / age difficult',
  3: 'CGI / animation',
  4: 'Comparison images',
};

export function isUkCategory(value: unknown): value is UkCategory {
  return typeof value === 'string' && (UK_CATEGORIES as readonly string[]).includes(value);
}

/** Accepts the spellings found in exports: 'A', 'Cat A', 'category b', 'not indecent', 'N', 'NI'. */
export function parseUkCategory(text: string): UkCategory | undefined {
  const t = text
    .trim()
    .toLowerCase()
    .replace(/^cat(egory)?\s*/, '');
  if (t === 'a' || t === 'b' || t === 'c') return t.toUpperCase() as UkCategory;
  if (t === 'n' || t === 'ni' || t === 'not indecent' || t === 'not-indecent' || t === 'non-indecent' || t === 'none')
    return 'N';
  return undefined;
}

export function ukToVics(category: UkCategory): number {
  return category === 'N' ? 0 : 1;
}

/** VICS → UK is only certain for "non-pertinent"; CAM needs a reviewer's grade. */
export function vicsToUk(category: number): UkCategory | undefined {
  return category === 0 ? 'N' : undefined;
}

/**
 * CAID's UK profile of VICS puts the UK grade in `Category` as a number: 1 = A, 2 = B, 3 = C, and 0 =
 * not indecent (the profile keeps VICS's 0 for material that is not pertinent). This table is the
 * one place the mapping lives; it follows the UK-profile files seen from Clees4All and Griffeye's UK
 * scheme (no published CAID specification was available to check it against).
 */
const UK_PROFILE_NUMBER: Record<UkCategory, number> = { N: 0, A: 1, B: 2, C: 3 };

export function ukToUkProfile(category: UkCategory): number {
  return UK_PROFILE_NUMBER[category];
}

export function ukProfileToUk(value: number): UkCategory | undefined {
  return (Object.keys(UK_PROFILE_NUMBER) as UkCategory[]).find((k) => UK_PROFILE_NUMBER[k] === value);
}
