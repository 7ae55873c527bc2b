import { describe, expect, it } from '@jest/globals';
import type { PatternType } from './allowlist-pattern.js';
import { compileAllowlist, matchAllowlist } from './allowlist.match.js';
import type { AllowlistEntry } from './allowlist.state.js';
import { InvalidUrlError } from './invalid-url.error.js';

// The runbook's two entries, exactly as an operator types them.
const RUNBOOK_REGEX = '^https://api\\.openai\\.com/.*$';
const RUNBOOK_GLOB = 'https://api.anthropic.com/*';

function entry(pattern: string, patternType: PatternType, entryId: string = patternType): AllowlistEntry {
  return { entryId, pattern, patternType };
}

function allowedBy(pattern: string, patternType: PatternType, url: string): boolean {
  return compileAllowlist([entry(pattern, patternType)]).match(url).allowed;
}

describe('compileAllowlist / matchAllowlist', () => {
  it('fails closed: no entries, nothing allowed', () => {
    expect(matchAllowlist([], 'https://api.anthropic.com/v1/messages')).toEqual({
      allowed: false,
      normalizedUrl: 'https://api.anthropic.com/v1/messages',
      matchedEntryId: null,
    });
  });

  it('names the first matching entry and the normalised URL', () => {
    const matcher = compileAllowlist([entry(RUNBOOK_REGEX, 'regex', 'e-openai'), entry(RUNBOOK_GLOB, 'glob', 'e-anthropic')]);
    expect(matcher.match('HTTPS://API.ANTHROPIC.COM:443/v1/messages?beta=true#x')).toEqual({
      allowed: true,
      normalizedUrl: 'https://api.anthropic.com/v1/messages?beta=true',
      matchedEntryId: 'e-anthropic',
    });
    expect(matcher.match('https://api.openai.com/v1/chat/completions')).toMatchObject({ allowed: true, matchedEntryId: 'e-openai' });
    expect(matcher.match('https://example.com/')).toMatchObject({ allowed: false, matchedEntryId: null });
  });

  it('accepts the entries of an allowlist state (a Map) directly', () => {
    const entries = new Map([['e1', entry(RUNBOOK_GLOB, 'glob', 'e1')]]);
    expect(matchAllowlist(entries.values(), 'https://api.anthropic.com/v1/messages').matchedEntryId).toBe('e1');
  });

  it('refuses to match a URL it cannot normalise', () => {
    const matcher = compileAllowlist([entry(RUNBOOK_GLOB, 'glob')]);
    expect(() => matcher.match('https://api.anthropic.com@evil.com/')).toThrow(InvalidUrlError);
  });
});

describe('glob entries', () => {
  it.each([
    ['https://api.anthropic.com/', true],
    ['https://api.anthropic.com', true],
    ['https://api.anthropic.com/v1/messages', true],
    ['https://api.anthropic.com/v1/messages?beta=true', true],
    ['https://API.Anthropic.com/v1/messages', true],
    ['https://api.anthropic.com./v1/messages', true],
    ['https://api.anthropic.com:443/v1/messages', true],
    ['https://api.anthropic.com/v1/../v1/messages', true],
    // Bypass attempts.
    ['https://api.anthropic.com.evil.com/v1/messages', false],
    ['https://evil.com/https://api.anthropic.com/x', false],
    ['https://evil.com/?u=https://api.anthropic.com/x', false],
    ['https://api.anthropic.com:8443/v1/messages', false],
    ['http://api.anthropic.com/v1/messages', false],
    ['https://xapi.anthropic.com/v1', false],
    ['https://api.anthropic.co/v1', false],
  ])('https://api.anthropic.com/* vs %s → %s', (url, allowed) => {
    expect(allowedBy(RUNBOOK_GLOB, 'glob', url)).toBe(allowed);
  });

  it('is normalised like a URL: spelling variants of a glob are the same glob', () => {
    const variants = ['HTTPS://API.Anthropic.com:443/*', 'https://api.anthropic.com./*', 'https://api.anthropic.com/x/../*'];
    for (const glob of variants) {
      expect(allowedBy(glob, 'glob', 'https://api.anthropic.com/v1/messages')).toBe(true);
      expect(allowedBy(glob, 'glob', 'https://api.anthropic.com.evil.com/v1/messages')).toBe(false);
    }
  });

  it('a host star stays inside the host', () => {
    const glob = 'https://*.openai.com/*';
    expect(allowedBy(glob, 'glob', 'https://api.openai.com/v1')).toBe(true);
    expect(allowedBy(glob, 'glob', 'https://a.b.openai.com/v1')).toBe(true);
    expect(allowedBy(glob, 'glob', 'https://openai.com/v1')).toBe(false);
    expect(allowedBy(glob, 'glob', 'https://api.openai.com.evil.com/v1')).toBe(false);
    expect(allowedBy(glob, 'glob', 'https://evil.com/.openai.com/v1')).toBe(false);
    expect(allowedBy(glob, 'glob', 'https://evil.com/x.openai.com/')).toBe(false);
    expect(allowedBy(glob, 'glob', 'https://api.openai.com:8443/v1')).toBe(false);
    // A host-only star never reaches into the path, nor a path star into the host.
    expect(allowedBy('https://api.*/v1/*', 'glob', 'https://api.evil.com/v1/x')).toBe(true);
    expect(allowedBy('https://api.*/v1/*', 'glob', 'https://evil.com/api.x/v1/x')).toBe(false);
  });

  it('a path star matches "/" too, but the path before it is literal', () => {
    const glob = 'https://api.example.com/v1/*';
    expect(allowedBy(glob, 'glob', 'https://api.example.com/v1/a/b/c?d=e')).toBe(true);
    expect(allowedBy(glob, 'glob', 'https://api.example.com/v1/')).toBe(true);
    expect(allowedBy(glob, 'glob', 'https://api.example.com/v1')).toBe(false);
    expect(allowedBy(glob, 'glob', 'https://api.example.com/v2/x')).toBe(false);
    expect(allowedBy(glob, 'glob', 'https://api.example.com/v1x/')).toBe(false);
    // Encoded dot segments are resolved before matching, so they cannot climb out of /v1/.
    expect(allowedBy(glob, 'glob', 'https://api.example.com/v1/%2e%2e/admin')).toBe(false);
    expect(allowedBy(glob, 'glob', 'https://api.example.com/v1/..%2fadmin')).toBe(true); // one segment: "..%2Fadmin"
    expect(allowedBy(glob, 'glob', 'https://api.example.com/v1/%2e%2e%2fadmin')).toBe(true); // likewise, never decoded to "/"
  });

  it('a glob with a port matches only that port', () => {
    expect(allowedBy('https://internal.example.com:8443/*', 'glob', 'https://internal.example.com:8443/x')).toBe(true);
    expect(allowedBy('https://internal.example.com:8443/*', 'glob', 'https://internal.example.com/x')).toBe(false);
  });

  it('other characters are literal: "?" and regex metacharacters mean themselves', () => {
    expect(allowedBy('https://example.com/search?q=*', 'glob', 'https://example.com/search?q=cats')).toBe(true);
    expect(allowedBy('https://example.com/a.b', 'glob', 'https://example.com/aXb')).toBe(false);
    expect(allowedBy('https://example.com/(x)+', 'glob', 'https://example.com/(x)+')).toBe(true);
    expect(allowedBy('https://example.com/(x)+', 'glob', 'https://example.com/xx')).toBe(false);
  });
});

describe('regex entries', () => {
  it.each([
    ['https://api.openai.com/v1/chat/completions', true],
    ['HTTPS://API.OPENAI.COM/v1/chat/completions', true],
    ['https://api.openai.com:443/v1/models', true],
    ['https://api.openai.com./v1/models', true],
    // Bypass attempts.
    ['https://api.openai.com.evil.com/v1', false],
    ['https://api-openai.com/v1', false],
    ['http://api.openai.com/v1', false],
    ['https://api.openai.com:8443/v1', false],
    ['https://evil.com/https://api.openai.com/v1', false],
  ])(`${RUNBOOK_REGEX} vs %s → %s`, (url, allowed) => {
    expect(allowedBy(RUNBOOK_REGEX, 'regex', url)).toBe(allowed);
  });

  it('is a full match even when the user wrote no anchors', () => {
    const unanchored = 'https://api\\.openai\\.com/v1/.*';
    expect(allowedBy(unanchored, 'regex', 'https://api.openai.com/v1/models')).toBe(true);
    expect(allowedBy(unanchored, 'regex', 'https://evil.com/?https://api.openai.com/v1/models')).toBe(false);
    expect(allowedBy('api\\.openai\\.com', 'regex', 'https://api.openai.com/')).toBe(false);
    // An alternation cannot escape the anchors.
    expect(allowedBy('https://a\\.com/|https://b\\.com/.*', 'regex', 'https://b.com/x')).toBe(true);
    expect(allowedBy('https://a\\.com/|https://b\\.com/', 'regex', 'https://b.com/x')).toBe(false);
  });

  it('matches the normalised URL, so encoded tricks are resolved first', () => {
    const regex = '^https://api\\.example\\.com/v1/.*$';
    expect(allowedBy(regex, 'regex', 'https://api.example.com/v1/%2e%2e/admin')).toBe(false);
    expect(allowedBy(regex, 'regex', 'https://api.example.com/%76%31/models')).toBe(true);
  });

  it('runs in linear time: a catastrophic-backtracking pattern stays fast', () => {
    const started = performance.now();
    const matcher = compileAllowlist([entry('https://x\\.com/(a+)+$', 'regex')]);
    expect(matcher.match(`https://x.com/${'a'.repeat(50_000)}b`).allowed).toBe(false);
    expect(matcher.match(`https://x.com/${'a'.repeat(50_000)}`).allowed).toBe(true);
    expect(performance.now() - started).toBeLessThan(500);
  });
});
