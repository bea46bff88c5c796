import { describe, expect, it } from 'vitest';
import { isVestigeError, schemaProblems } from './errors.ts';
import { registry } from './registry.ts';

describe('registry(kind)', () => {
  const a = { id: 'a', n: 1 };
  const b = { id: 'b', n: 2 };

  it('gets an entry by id and lists them in the order registered', () => {
    const r = registry('widget', [b, a]);
    expect(r.get('a')).toBe(a);
    expect(r.list()).toEqual([b, a]);
    expect(r.has('b')).toBe(true);
    expect(r.has('c')).toBe(false);
  });

  it('an unknown id is E_PARAM_INVALID naming the kind and listing the known ids', () => {
    const r = registry('widget', [a, b]);
    let caught: unknown;
    try {
      r.get('zz');
    } catch (err) {
      caught = err;
    }
    expect(isVestigeError(caught, 'E_PARAM_INVALID')).toBe(true);
    expect((caught as Error).message).toBe("unknown widget 'zz'.");
    expect((caught as { hint: string }).hint).toBe('Use one of: a, b.');
  });

  it('refuses an id registered twice instead of replacing the first', () => {
    const r = registry('widget', [a]);
    expect(() => r.register({ id: 'a', n: 3 })).toThrow(/widget 'a' is already registered/);
    expect(r.get('a')).toBe(a);
  });
});

describe('schemaProblems', () => {
  it('words schema issues one way: path: message, joined by "; ", the root named as asked', () => {
    const issues = [
      { path: ['steps', 0, 'op'], message: 'Required' },
      { path: [], message: 'Expected object' },
    ];
    expect(schemaProblems(issues)).toBe('steps.0.op: Required; (root): Expected object');
    expect(schemaProblems(issues, 1)).toBe('steps.0.op: Required');
    expect(schemaProblems(issues, 5, 'params')).toBe('steps.0.op: Required; params: Expected object');
  });
});
