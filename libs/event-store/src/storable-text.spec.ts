import { describe, expect, it } from '@jest/globals';
import { findUnstorableText, textProblem } from './storable-text.js';

describe('storable text', () => {
  it.each([
    ['a\u0000b', 'NUL'],
    ['\ud800', 'surrogate'],
    ['x\udfff', 'surrogate'],
    ['\udc06\ud83d', 'surrogate'], // a pair in the wrong order is two lone halves
    ['\ud83d\ud83d\udc06', 'surrogate'],
  ])('refuses %j (%s)', (text, kind) => {
    expect(textProblem(text)).toContain(kind);
  });

  it.each(['', 'plain', '\ud83d\udc06', 'tab\tand\u001b escape', '\\u0000 as text', '\uffff'])('accepts %j', (text) => {
    expect(textProblem(text)).toBeNull();
  });

  it('names the first bad key or value by its path, with an empty key spelled ""', () => {
    expect(findUnstorableText({ a: 'ok', b: ['ok', { c: 'x\u0000' }] }, '')).toEqual({ field: 'b[1].c', problem: expect.stringContaining('NUL') });
    expect(findUnstorableText({ meta: { ['k\ud800']: 'v' } }, 'data')).toEqual({ field: 'data.meta.k\ud800', problem: expect.stringMatching(/^key .*surrogate/) });
    expect(findUnstorableText({ '': '\u0000' }, '')).toMatchObject({ field: '""' });
    expect(findUnstorableText({ safe: ['a', 1, null, true, { deeper: 'b' }] }, '')).toBeNull();
  });

  it('applies the caller\'s key rule, and walks nesting far deeper than a stack', () => {
    expect(findUnstorableText({ x: { toString: 'v' } }, '', (key) => (key === 'toString' ? 'is reserved' : null))).toEqual({ field: 'x.toString', problem: 'key is reserved' });
    let deep: unknown = 'end\u0000';
    for (let level = 0; level < 100_000; level += 1) deep = [deep];
    expect(findUnstorableText(deep, 'body')?.field).toMatch(/^body(\[0\]){100000}$/);
  });
});
