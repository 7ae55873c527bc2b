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
  const host = wildcardMatcher(glob.host);
  const pathAndQuery = wildcardMatcher(glob.pathAndQuery);
  return {
    matches: (url) =>
      url.scheme === glob.scheme && url.port === glob.port && host(url.host) && pathAndQuery(url.pathAndQuery),
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

/**
 * One part of a glob as a test of a string: a full match of `^run1.*run2.*…$` in RE2, where `.` is
 * any character but a newline. Almost every glob part has no star or one (`https://api.x.com/*`),
 * and those are tested with string comparisons that mean exactly that regex: the gateway matches
 * every proxied request, and the calls into RE2 were most of a match's time (2.4-2.7 µs against
 * ~1 µs; docs/benchmarks.md, issue 9, eleventh session).
 */
export function wildcardMatcher(part: string): (value: string) => boolean {
  const runs = part.split('*');
  if (runs.length === 1) return (value) => value === part;
  if (runs.length === 2) {
    const [prefix, suffix] = runs;
    return (value) => {
      const starEnd = value.length - suffix.length;
      if (starEnd < prefix.length || !value.startsWith(prefix) || !value.endsWith(suffix)) return false;
      const newline = value.indexOf('\n', prefix.length);
      return newline === -1 || newline >= starEnd;
    };
  }
  const regex = wildcardRegex(runs);
  return (value) => regex.test(value);
}

// RE2 keeps matching linear in the URL's length however many stars the glob has.
function wildcardRegex(runs: readonly string[]): RE2 {
  const literalRuns = runs.map((run) => run.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RE2(`^${literalRuns.join('.*')}$`);
}
