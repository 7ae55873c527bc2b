import { describe, expect, it } from '@jest/globals';
import { InvalidUrlError } from './invalid-url.error.js';
import { normaliseUrl } from './url.normalise.js';

describe('normaliseUrl', () => {
  it.each([
    ['HTTPS://API.Anthropic.COM/v1/messages', 'https://api.anthropic.com/v1/messages'],
    ['https://api.anthropic.com./v1/messages', 'https://api.anthropic.com/v1/messages'],
    ['https://api.anthropic.com:443/v1', 'https://api.anthropic.com/v1'],
    ['http://example.com:80/', 'http://example.com/'],
    ['https://example.com:8443/', 'https://example.com:8443/'],
    ['http://example.com:443/', 'http://example.com:443/'],
    ['https://example.com', 'https://example.com/'],
    ['https://example.com/a/./b/../c', 'https://example.com/a/c'],
    ['https://example.com/v1/%2e%2e/admin', 'https://example.com/admin'],
    ['https://example.com/v1/%2E./%2e/admin', 'https://example.com/admin'],
    ['https://example.com/../../etc/passwd', 'https://example.com/etc/passwd'],
    ['https://example.com/%7euser/%41%62c', 'https://example.com/~user/Abc'],
    ['https://example.com/a%2fb%3f?q=%7e%2f%c3%a9', 'https://example.com/a%2Fb%3F?q=~%2F%C3%A9'],
    ['https://example.com/a%252e%252e/b', 'https://example.com/a%252e%252e/b'],
    ['https://example.com/x?b=2&a=1#section', 'https://example.com/x?b=2&a=1'],
    ['https://example.com/caf\u00e9', 'https://example.com/caf%C3%A9'],
    ['https://b\u00fccher.de/', 'https://xn--bcher-kva.de/'],
    ['https://api%2Eopenai.com/', 'https://api.openai.com/'],
    ['http://0x7f.1/', 'http://127.0.0.1/'],
    ['https://api\u3002anthropic.com/', 'https://api.anthropic.com/'],
    ['https://[::1]:8443/x', 'https://[::1]:8443/x'],
  ])('%s → %s', (raw, normalised) => {
    expect(normaliseUrl(raw)).toBe(normalised);
  });

  it('is idempotent', () => {
    for (const raw of ['HTTPS://API.Anthropic.COM./v1/%7e/../x?q=%c3%a9', 'https://example.com/a%2fb']) {
      const once = normaliseUrl(raw);
      expect(normaliseUrl(once)).toBe(once);
    }
  });

  it.each([
    ['ftp://example.com/', 'http:// or https://'],
    ['javascript:alert(1)', 'http:// or https://'],
    ['//example.com/', 'http:// or https://'],
    ['https:example.com/', 'http:// or https://'],
    ['https:///example.com/', 'has no host'],
    ['https://api.openai.com@evil.com/', 'userinfo'],
    ['https://user:pass@api.openai.com/', 'userinfo'],
    ['https://@api.openai.com/', 'userinfo'],
    ['https://api.openai.com\\@evil.com/', 'backslash'],
    ['https://api.openai.com\\evil.com', 'backslash'],
    ['https://example.com/a\\..\\b', 'backslash'],
    ['ht\ttps://example.com/', 'control'],
    ['https://exa\nmple.com/', 'control'],
    ['https://example.com/a\r\nHost: evil.com', 'control'],
    [' https://example.com/', 'whitespace'],
    ['https://example.com/a b', 'whitespace'],
    ['https://example.com/\u0000', 'control'],
    ['https://example.com:99999/', 'cannot be parsed'],
    ['https://exa mple.com/', 'whitespace'],
    ['https://a..com/', 'not a valid host'],
    ['https://.example.com/', 'not a valid host'],
    ['https://example.com../', 'not a valid host'],
    ['https://*.example.com/', 'not a valid host'],
    ['https://ex$mple.com/', 'not a valid host'],
    ['https://example.com/%zz', 'two hex digits'],
    ['https://example.com/?q=100%', 'two hex digits'],
    ['', 'http:// or https://'],
  ])('refuses %j (%s)', (raw, reason) => {
    let caught: unknown;
    try {
      normaliseUrl(raw);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidUrlError);
    expect((caught as InvalidUrlError).input).toBe(raw);
    expect((caught as InvalidUrlError).reason).toContain(reason);
  });
});
