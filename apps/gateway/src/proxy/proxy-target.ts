import { InvalidUrlError, normaliseUrl } from '../../../../libs/domain/src/index.js';
import type { UpstreamConfig } from '../../../../libs/config/src/index.js';
import { ProxyDenial } from './proxy-denial.js';

export const TARGET_URL_HEADER = 'x-caracal-target-url';

export interface ProxyTarget {
  /** A configured LLM provider, or any allowlisted URL. */
  upstream: UpstreamConfig | null;
  /** The normalised URL allowlists and prices are matched against. */
  resourceUrl: string;
  /** Where the request is sent; built from the normalised URL, so what was checked is what is sent. */
  forwardUrl: string;
  /** Path (and query) below the upstream's base, for endpoint detection. */
  path: string;
}

/**
 * `/proxy/{upstream}/{path}` addresses a named upstream (SDKs just change their base URL);
 * `/proxy` with X-Caracal-Target-URL addresses any other resource.
 */
export function resolveProxyTarget(rawUrl: string, targetHeader: string | string[] | undefined, upstreams: Record<string, UpstreamConfig>): ProxyTarget {
  const match = /^\/proxy(?:\/([^/?#]+)(\/[^?#]*)?)?(\?.*)?$/.exec(rawUrl);
  if (!match) throw new ProxyDenial(404, 'not_found', 'proxy routes are /proxy/{upstream}/{path} and /proxy with X-Caracal-Target-URL');
  const [, upstreamName, rest, query] = match;

  if (upstreamName === undefined) {
    if (typeof targetHeader !== 'string' || targetHeader === '') {
      throw new ProxyDenial(400, 'invalid_target_url', 'X-Caracal-Target-URL is required on /proxy (an absolute http(s) URL)', { field: 'X-Caracal-Target-URL' });
    }
    const resourceUrl = normalise(targetHeader, 'X-Caracal-Target-URL');
    return { upstream: null, resourceUrl, forwardUrl: resourceUrl, path: new URL(resourceUrl).pathname };
  }

  const upstream = upstreams[upstreamName];
  if (!upstream) {
    throw new ProxyDenial(404, 'unknown_upstream', `no upstream named "${upstreamName}"; configured: ${Object.keys(upstreams).join(', ')}`);
  }
  const resourceUrl = normalise(`${upstream.identityUrl}${rest ?? '/'}${query ?? ''}`, 'path');
  const parsed = new URL(resourceUrl);
  const pathAndQuery = `${parsed.pathname}${parsed.search}`;
  return { upstream, resourceUrl, forwardUrl: `${upstream.baseUrl}${pathAndQuery}`, path: parsed.pathname };
}

function normalise(raw: string, field: string): string {
  try {
    return normaliseUrl(raw);
  } catch (error) {
    if (error instanceof InvalidUrlError) throw new ProxyDenial(400, 'invalid_target_url', `${field}: ${error.message}`, { field });
    throw error;
  }
}
