import RE2 from 're2';
import type { CompiledPattern } from './allowlist-pattern.js';
import { InvalidPatternError } from './invalid-pattern.error.js';
import { InvalidUrlError } from './invalid-url.error.js';
import { parseUrl, type NormalisedUrl } from './url.normalise.js';

/**
 * A glob `scheme://host[:port]/path`, where `*` is the only wildcard. It is normalised like a
 * URL, then matched part by part, so nothing can match across the host/path boundary:
 * - scheme and port match exactly (no port = the scheme's default port);
 * - `*` in the host matches any run of host characters, dots included;
 * - `*` in the path (and query) matches anything, "/" included: `https://api.anthropic.com/*`
 *   covers the whole API.
 */
export function compileGlob(pattern: string): CompiledPattern {
  const glob = parseGlob(pattern);
  const host = wildcardRegex(glob.host);
  const pathAndQuery = wildcardRegex(glob.pathAndQuery);
  return {
    matches: (url) =>
      url.scheme === glob.scheme && url.port === glob.port && host.test(url.host) && pathAndQuery.test(url.pathAndQuery),
  };
}

/** The normalised form, so `HTTPS://API.Anthropic.com:443/*` and `https://api.anthropic.com/*` are one glob. */
export function canonicalGlob(pattern: string): string {
  return parseGlob(pattern).href;
}

function parseGlob(pattern: string): NormalisedUrl {
  try {
    return parseUrl(pattern, { allowHostWildcard: true });
  } catch (error) {
    if (!(error instanceof InvalidUrlError)) throw error;
    throw new InvalidPatternError(pattern, 'glob', `must look like scheme://host[:port]/path (${error.reason})`);
  }
}

// RE2 keeps matching linear in the URL's length however many stars the glob has.
function wildcardRegex(part: string): RE2 {
  const literalRuns = part.split('*').map((run) => run.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RE2(`^${literalRuns.join('.*')}$`);
}
