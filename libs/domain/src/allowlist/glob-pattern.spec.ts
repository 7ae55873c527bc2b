import { describe, expect, it } from '@jest/globals';
import RE2 from 're2';
import { wildcardMatcher } from './glob-pattern.js';

// What a glob part has always meant: a full RE2 match of its literal runs joined by `.*`.
function reference(part: string): (value: string) => boolean {
  const runs = part.split('*').map((run) => run.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const regex = new RE2(`^${runs.join('.*')}$`);
  return (value) => regex.test(value);
}

const PARTS = [
  '', '*', '**', 'a', 'a*', '*a', 'a*a', 'ab*ba', '/v1/*', '/v1/*/x', '*.openai.com', 'api.*', '/search?q=*',
  '/(x)+*', 'a.b*', '*\n', 'x*y*z', '/*/*',
];
const VALUES = [
  '', 'a', 'aa', 'aba', 'abba', 'ab', 'ba', '/v1/', '/v1', '/v1/a/b?c=d', '/v1/x', '/v1//x', '/v2/x', 'api.openai.com',
  'a.b.openai.com', 'openai.com', '.openai.com', 'api.', 'api', '/search?q=', '/search?q=cats', '/(x)+', '/(x)+y', 'aXb', 'a.b',
  'a\nb', '/v1/a\nb', '/v1/\n', '\n', 'a\n', 'x\ny', 'xyz', 'xaybz', '/a/b', '//',
];

describe('wildcardMatcher', () => {
  it('matches exactly what the RE2 full match of the glob part matches, newlines included', () => {
    for (const part of PARTS) {
      const fast = wildcardMatcher(part);
      const slow = reference(part);
      for (const value of VALUES) expect([part, value, fast(value)]).toEqual([part, value, slow(value)]);
    }
  });

  it('a part without a star is the literal, and one star is a prefix and a suffix that do not overlap', () => {
    expect(wildcardMatcher('/v1/*')('/v1/')).toBe(true);
    expect(wildcardMatcher('/v1/*')('/v1')).toBe(false);
    expect(wildcardMatcher('a*a')('a')).toBe(false);
    expect(wildcardMatcher('a*a')('aa')).toBe(true);
    expect(wildcardMatcher('/v1/*')('/v1/a\nb')).toBe(false);
    expect(wildcardMatcher('api.openai.com')('API.openai.com')).toBe(false);
  });
});
