import { describe, expect, it } from '@jest/globals';
import type { UpstreamConfig } from '@caracal/config';
import { resolveProxyTarget } from './proxy-target.js';
import { TargetRefusal } from './target-refusal.js';

const upstreams: Record<string, UpstreamConfig> = {
  openai: { name: 'openai', provider: 'openai', baseUrl: 'http://127.0.0.1:9999/mock', identityUrl: 'https://api.openai.com', credential: null },
};

describe('proxy target', () => {
  it('maps a named upstream to its base URL and matches on its public identity', () => {
    const target = resolveProxyTarget('/proxy/openai/v1/chat/completions?x=1', undefined, upstreams);
    expect(target).toMatchObject({
      resourceUrl: 'https://api.openai.com/v1/chat/completions?x=1',
      forwardUrl: 'http://127.0.0.1:9999/mock/v1/chat/completions?x=1',
      path: '/v1/chat/completions',
    });
  });

  it('cannot climb out of the upstream with dot segments', () => {
    const target = resolveProxyTarget('/proxy/openai/v1/../../../admin', undefined, upstreams);
    expect(target.resourceUrl).toBe('https://api.openai.com/admin');
    expect(target.forwardUrl).toBe('http://127.0.0.1:9999/mock/admin');
  });

  it('forwards the normalised target URL, not the raw header', () => {
    const target = resolveProxyTarget('/proxy', 'HTTPS://Example.COM:443/a/./b', upstreams);
    expect(target.forwardUrl).toBe('https://example.com/a/b');
    expect(target.upstream).toBeNull();
  });

  it('refuses unknown upstreams, missing and malformed targets', () => {
    expect(() => resolveProxyTarget('/proxy/nope/v1', undefined, upstreams)).toThrow(/no upstream named "nope"/);
    expect(() => resolveProxyTarget('/proxy', undefined, upstreams)).toThrow(/X-Caracal-Target-URL is required/);
    expect(() => resolveProxyTarget('/proxy', 'https://user:pw@example.com/', upstreams)).toThrow(/X-Caracal-Target-URL/);
    expect(() => resolveProxyTarget('/proxy', 'ftp://example.com/', upstreams)).toThrow(/X-Caracal-Target-URL/);
  });

  it('refuses URLs longer than 4096 characters once normalised, on both routes, with 414 url_too_long', () => {
    const longest = `https://example.com/${'a'.repeat(4096 - 'https://example.com/'.length)}`;
    expect(resolveProxyTarget('/proxy', longest, upstreams).resourceUrl).toHaveLength(4096);
    // Dot segments go before the length is measured.
    expect(resolveProxyTarget('/proxy', `${longest}/../b`, upstreams).resourceUrl.length).toBeLessThan(4096);
    for (const refused of [
      () => resolveProxyTarget('/proxy', `${longest}b`, upstreams),
      () => resolveProxyTarget(`/proxy/openai/${'a'.repeat(4096)}`, undefined, upstreams),
    ]) {
      expect(refused).toThrow(TargetRefusal);
      try {
        refused();
      } catch (error) {
        expect(error).toMatchObject({ status: 414, code: 'url_too_long', refusedBy: 'url_length', details: { refused_by: 'url_length', limit: 4096 } });
      }
    }
  });
});
