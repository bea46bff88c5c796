import { VestigeError, type CaseStore, type Item } from '@vestige/evidence';
import { PROPOSAL_NOTICE, VISION_ANNOTATION, VISION_RECORDS, decodeFloats, round6 } from '../records.ts';
import { faceRef, type FacesAnnotation } from './find-faces.ts';

/**
 * Descriptor distance at or below which two faces are proposed as the same person. dlib, whose
 * network face-api ported, suggests 0.6; Vestige proposes at 0.5 because groups link through their
 * closest pairs. Measured on the test photographs: the same face recompressed at JPEG quality 30,
 * cropped and halved stays within 0.31 of the original; different people are 0.64 apart or more.
 */
export const FACE_GROUP_DISTANCE = 0.5;

export type FaceGroupStatus = 'proposed' | 'confirmed' | 'rejected';

/** A case record `vision.face-groups/FG-0001`. */
export interface FaceGroup {
  readonly id: string;
  readonly notice: string;
  readonly status: FaceGroupStatus;
  /** Face references `I-000012#0`, in case order. */
  readonly members: readonly string[];
  /** The member with the highest detection score: the face to show for the group. */
  readonly representative: string;
  /** Largest descriptor distance between two members (large values mean the group was linked through a chain). */
  readonly maxDistance: number;
  readonly threshold: number;
  /** Every officer decision on this group, oldest first (each also a custody event). */
  readonly decisions: ReadonlyArray<{
    readonly action: 'confirmed' | 'split' | 'split-from' | 'rejected';
    readonly operator: string;
    readonly note: string;
    readonly faces?: readonly string[];
    readonly from?: string;
  }>;
}

interface Face {
  readonly ref: string;
  readonly descriptor: Float32Array;
  readonly score: number;
}

export function descriptorDistance(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

/**
 * Pure part: groups of faces whose descriptors link within `threshold` (connected components of the
 * "distance ≤ threshold" graph), numbered from `firstNumber` in case order. Single faces are not groups.
 */
export function groupFaces(
  faces: readonly Face[],
  threshold: number,
  firstNumber = 1,
): Array<Pick<FaceGroup, 'id' | 'members' | 'representative' | 'maxDistance'>> {
  const component = faces.map((_, i) => i);
  const root = (i: number): number => {
    while (component[i] !== i) i = component[i] = component[component[i]!]!;
    return i;
  };
  for (let i = 0; i < faces.length; i++) {
    for (let j = i + 1; j < faces.length; j++) {
      if (descriptorDistance(faces[i]!.descriptor, faces[j]!.descriptor) <= threshold) {
        const [a, b] = [root(i), root(j)];
        if (a !== b) component[Math.max(a, b)] = Math.min(a, b);
      }
    }
  }
  const byRoot = new Map<number, number[]>();
  faces.forEach((_, i) => byRoot.set(root(i), [...(byRoot.get(root(i)) ?? []), i]));
  return [...byRoot.values()]
    .filter((m) => m.length > 1)
    .sort((a, b) => a[0]! - b[0]!)
    .map((m, n) => {
      let maxDistance = 0;
      for (const i of m)
        for (const j of m)
          if (i < j)
            maxDistance = Math.max(maxDistance, descriptorDistance(faces[i]!.descriptor, faces[j]!.descriptor));
      const best = [...m].sort((a, b) => faces[b]!.score - faces[a]!.score || a - b)[0]!;
      return {
        id: groupId(firstNumber + n),
        members: m.map((i) => faces[i]!.ref),
        representative: faces[best]!.ref,
        maxDistance: round6(maxDistance),
      };
    });
}

function groupId(n: number): string {
  return `FG-${String(n).padStart(4, '0')}`;
}

/** Every groupable face of the case with its descriptor, in case order. */
export function caseFaces(store: CaseStore): Face[] {
  const annotated = store.annotated(VISION_ANNOTATION.faces) as Array<{ item: Item; value: FacesAnnotation }>;
  return annotated.flatMap(({ item, value }) =>
    value.faces
      .filter((f) => f.groupable && f.descriptor)
      .map((f) => ({ ref: faceRef(item.id, f.face), descriptor: decodeFloats(f.descriptor!), score: f.score })),
  );
}

export function faceGroups(store: CaseStore): FaceGroup[] {
  return store.listRecords<FaceGroup>(VISION_RECORDS.faceGroups).map((r) => r.value);
}

/**
 * Proposes groups of the same person across the case. Groups an officer has decided on (confirmed,
 * split or rejected) are kept as they are and their faces are not proposed again; earlier proposals
 * nobody decided on are replaced. Every record written is a custody event.
 */
export function proposeFaceGroups(
  store: CaseStore,
  options: { operator: string; threshold?: number },
): { proposed: FaceGroup[]; kept: FaceGroup[]; faces: number } {
  const threshold = options.threshold ?? FACE_GROUP_DISTANCE;
  if (!(threshold > 0 && threshold < 2))
    throw new VestigeError(
      'E_PARAM_INVALID',
      `--threshold must be a descriptor distance between 0 and 2, not ${threshold}`,
    );
  const existing = faceGroups(store);
  const kept = existing.filter((g) => g.decisions.length > 0);
  const decided = new Set(kept.flatMap((g) => g.members));
  const faces = caseFaces(store).filter((f) => !decided.has(f.ref));
  const next = existing.reduce((max, g) => Math.max(max, Number(g.id.slice(3))), 0) + 1;
  const proposed: FaceGroup[] = groupFaces(faces, threshold, next).map((g) => ({
    ...g,
    notice: PROPOSAL_NOTICE,
    status: 'proposed',
    threshold,
    decisions: [],
  }));
  store.transaction(() => {
    for (const g of existing.filter((e) => e.decisions.length === 0))
      store.deleteRecord(VISION_RECORDS.faceGroups, g.id, options.operator);
    for (const g of proposed)
      store.putRecord(VISION_RECORDS.faceGroups, g.id, g, options.operator, 'vision.face-group.proposed');
  });
  return { proposed, kept, faces: faces.length };
}

function requireGroup(store: CaseStore, id: string): FaceGroup {
  const g = store.getRecord<FaceGroup>(VISION_RECORDS.faceGroups, id);
  if (!g)
    throw new VestigeError('E_PARAM_INVALID', `no face group ${id} in this case`, {
      hint: 'List the groups with `vestige faces --case DIR --list`.',
    });
  return g;
}

/** The officer agrees that the group's faces are one person. A custody event names the officer and the note. */
export function confirmFaceGroup(
  store: CaseStore,
  id: string,
  options: { operator: string; note?: string },
): FaceGroup {
  const g = requireGroup(store, id);
  if (g.status === 'rejected')
    throw new VestigeError('E_PARAM_INVALID', `face group ${id} was rejected; it cannot be confirmed`, {
      hint: 'Propose groups again after new faces are found, or split the faces out.',
    });
  const next: FaceGroup = {
    ...g,
    status: 'confirmed',
    decisions: [...g.decisions, { action: 'confirmed', operator: options.operator, note: options.note ?? '' }],
  };
  store.putRecord(VISION_RECORDS.faceGroups, id, next, options.operator, 'vision.face-group.confirmed');
  return next;
}

/**
 * The officer says the group is not one person: it is kept, marked rejected, and its faces are left out of later
 * proposals.
 */
export function rejectFaceGroup(store: CaseStore, id: string, options: { operator: string; note?: string }): FaceGroup {
  const g = requireGroup(store, id);
  const next: FaceGroup = {
    ...g,
    status: 'rejected',
    decisions: [...g.decisions, { action: 'rejected', operator: options.operator, note: options.note ?? '' }],
  };
  store.putRecord(VISION_RECORDS.faceGroups, id, next, options.operator, 'vision.face-group.rejected');
  return next;
}

/**
 * The officer moves some faces out of a group into a new group of their own (both then await
 * confirmation). One transaction, one custody event per changed group.
 */
export function splitFaceGroup(
  store: CaseStore,
  id: string,
  faces: readonly string[],
  options: { operator: string; note?: string },
): { from: FaceGroup; to: FaceGroup } {
  const g = requireGroup(store, id);
  const moving = [...new Set(faces)];
  const unknown = moving.filter((f) => !g.members.includes(f));
  if (moving.length === 0 || unknown.length > 0)
    throw new VestigeError('E_PARAM_INVALID', `face group ${id} has no face ${unknown.join(', ') || '(none given)'}`, {
      hint: `Its faces: ${g.members.join(', ')}.`,
    });
  if (moving.length === g.members.length)
    throw new VestigeError(
      'E_PARAM_INVALID',
      `splitting every face out of ${id} leaves nothing behind; reject the group instead`,
    );
  const note = options.note ?? '';
  const newId = groupId(faceGroups(store).reduce((max, e) => Math.max(max, Number(e.id.slice(3))), 0) + 1);
  const rest = g.members.filter((m) => !moving.includes(m));
  const representativeOf = (members: readonly string[]) =>
    members.includes(g.representative) ? g.representative : members[0]!;
  const descriptors = new Map(caseFaces(store).map((f) => [f.ref, f.descriptor]));
  const spread = (members: readonly string[]) => {
    let max = 0;
    for (const a of members)
      for (const b of members)
        if (a < b && descriptors.has(a) && descriptors.has(b))
          max = Math.max(max, descriptorDistance(descriptors.get(a)!, descriptors.get(b)!));
    return round6(max);
  };
  const from: FaceGroup = {
    ...g,
    status: 'proposed',
    members: rest,
    representative: representativeOf(rest),
    maxDistance: spread(rest),
    decisions: [...g.decisions, { action: 'split', operator: options.operator, note, faces: moving }],
  };
  const ordered = g.members.filter((m) => moving.includes(m));
  const to: FaceGroup = {
    id: newId,
    notice: PROPOSAL_NOTICE,
    status: 'proposed',
    members: ordered,
    representative: representativeOf(ordered),
    maxDistance: spread(ordered),
    threshold: g.threshold,
    decisions: [{ action: 'split-from', operator: options.operator, note, from: id }],
  };
  store.transaction(() => {
    store.putRecord(VISION_RECORDS.faceGroups, id, from, options.operator, 'vision.face-group.split');
    store.putRecord(VISION_RECORDS.faceGroups, newId, to, options.operator, 'vision.face-group.split');
  });
  return { from, to };
}
