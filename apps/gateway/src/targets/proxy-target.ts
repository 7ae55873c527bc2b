import { InvalidUrlError, normaliseUrl, RESOURCE_MAX_LENGTH } from '@caracal/domain';
import type { UpstreamConfig } from '@caracal/config';
import { ProxyDenial } from '../http/proxy-denial.js';
import { TargetRefusal } from './target-refusal.js';

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
    return targetFromUrl(targetHeader, 'X-Caracal-Target-URL');
  }

  const upstream = upstreams[upstreamName];
  if (!upstream) {
    throw new ProxyDenial(404, 'unknown_upstream', `no upstream named "${upstreamName}"; configured: ${Object.keys(upstreams).join(', ')}`);
  }
  const resourceUrl = checkLength(normalise(`${upstream.identityUrl}${rest ?? '/'}${query ?? ''}`, 'path'));
  const parsed = new URL(resourceUrl);
  const pathAndQuery = `${parsed.pathname}${parsed.search}`;
  return { upstream, resourceUrl, forwardUrl: `${upstream.baseUrl}${pathAndQuery}`, path: parsed.pathname };
}

/**
 * An agent-chosen URL, as `/proxy` with X-Caracal-Target-URL addresses it; `allowlist test`
 * reads its URL with this too. Throws ProxyDenial (400) for a URL that cannot be normalised and
 * TargetRefusal (414) for one too long to record.
 */
export function targetFromUrl(raw: string, field: string): ProxyTarget {
  const resourceUrl = checkLength(normalise(raw, field));
  return { upstream: null, resourceUrl, forwardUrl: resourceUrl, path: new URL(resourceUrl).pathname };
}

/** The hold names the normalised URL, which the event store keeps to RESOURCE_MAX_LENGTH characters. */
function checkLength(resourceUrl: string): string {
  if (resourceUrl.length <= RESOURCE_MAX_LENGTH) return resourceUrl;
  throw new TargetRefusal('url_length', resourceUrl, 414, 'url_too_long', `the target URL is ${resourceUrl.length} characters long once normalised; the gateway forwards URLs of at most ${RESOURCE_MAX_LENGTH}`, {
    length: resourceUrl.length,
    limit: RESOURCE_MAX_LENGTH,
  });
}

function normalise(raw: string, field: string): string {
  try {
    return normaliseUrl(raw);
  } catch (error) {
    if (error instanceof InvalidUrlError) throw new ProxyDenial(400, 'invalid_target_url', `${field}: ${error.message}`, { field });
    throw error;
  }
}
