/** Reading E57's XML section as parsed by fast-xml-parser (attributes under '@', text under '#text'). */

export type XmlNode = Record<string, unknown> & { '@'?: Record<string, string>; '#text'?: string };

export function attr(node: unknown, name: string): string | undefined {
  return (node as XmlNode | undefined)?.['@']?.[name];
}
export function child(node: unknown, name: string): XmlNode | undefined {
  const v = (node as XmlNode | undefined)?.[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return { '#text': v } as XmlNode;
  return v as XmlNode;
}
export function num(node: unknown, fallback = 0): number {
  if (node === undefined || node === null) return fallback;
  const text = typeof node === 'string' ? node : (node as XmlNode)['#text'];
  if (text === undefined || String(text).trim() === '') return 0; // E57 writes zero as an empty element
  const v = Number(String(text).trim());
  return Number.isFinite(v) ? v : fallback;
}
export function text(node: unknown): string | undefined {
  if (node === undefined || node === null) return undefined;
  const t = typeof node === 'string' ? node : (node as XmlNode)['#text'];
  return t === undefined ? undefined : String(t);
}

export type E57Rotation = [number, number, number, number] | undefined; // w, x, y, z

export function poseOf(node: XmlNode | undefined): { rotation: E57Rotation; translation: [number, number, number] } {
  const pose = child(node, 'pose');
  const r = child(pose, 'rotation');
  const t = child(pose, 'translation');
  return {
    rotation: r ? [num(child(r, 'w'), 1), num(child(r, 'x')), num(child(r, 'y')), num(child(r, 'z'))] : undefined,
    translation: t ? [num(child(t, 'x')), num(child(t, 'y')), num(child(t, 'z'))] : [0, 0, 0],
  };
}

export function vectorChildren(node: XmlNode | undefined): XmlNode[] {
  const v = node?.['vectorChild'];
  if (!v) return [];
  return (Array.isArray(v) ? v : [v]) as XmlNode[];
}
