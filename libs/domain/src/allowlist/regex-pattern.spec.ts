import { describe, expect, it } from '@jest/globals';
import RE2 from 're2';
import { InvalidPatternError } from './invalid-pattern.error.js';
import { compileRegex } from './regex-pattern.js';

describe('compileRegex', () => {
  it.each([
    ['(a', 'missing )'],
    ['a)|(b', 'unexpected )'],
    ['(a)\\1', 'invalid escape'],
    ['(?=a)', 'invalid perl operator'],
    ['(?<!a)b', 'invalid'],
    ['a{1001}', 'invalid repetition size'],
    ['\\Qunterminated', 'missing )'],
  ])('refuses %j with the engine message (%s)', (pattern, message) => {
    let caught: unknown;
    try {
      compileRegex(pattern);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidPatternError);
    expect((caught as InvalidPatternError).reason).toContain(message);
  });

  it('RE2 itself is linear: ^(a+)+$ against 50,000 a and a b', () => {
    const started = performance.now();
    expect(new RE2('^(a+)+$').test(`${'a'.repeat(50_000)}b`)).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
  });
});
