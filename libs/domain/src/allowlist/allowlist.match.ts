import { compilePattern, type CompiledPattern } from './allowlist-pattern.js';
import type { AllowlistEntry } from './allowlist.state.js';
import { parseUrl } from './url.normalise.js';

export interface AllowlistMatch {
  allowed: boolean;
  normalizedUrl: string;
  /** The first entry (in insertion order) that matched, or null. */
  matchedEntryId: string | null;
}

export interface AllowlistMatcher {
  /** Throws InvalidUrlError for a URL that cannot be normalised: such a URL is never allowed. */
  match(url: string): AllowlistMatch;
}

/**
 * Compiles an agent's entries once; the gateway keeps the matcher and matches every request
 * with it. Fails closed: no entries, no match. Throws InvalidPatternError if a stored pattern no
 * longer compiles (it was checked when added), rather than silently dropping the entry.
 */
export function compileAllowlist(entries: Iterable<AllowlistEntry>): AllowlistMatcher {
  const compiled: { entryId: string; pattern: CompiledPattern }[] = [];
  for (const entry of entries) {
    compiled.push({ entryId: entry.entryId, pattern: compilePattern(entry.pattern, entry.patternType) });
  }
  return {
    match(url) {
      const normalised = parseUrl(url, { allowHostWildcard: false });
      const matched = compiled.find((entry) => entry.pattern.matches(normalised));
      return { allowed: matched !== undefined, normalizedUrl: normalised.href, matchedEntryId: matched?.entryId ?? null };
    },
  };
}

/** One-off match (admin "test a URL"); the request path should keep a compiled matcher. */
export function matchAllowlist(entries: Iterable<AllowlistEntry>, url: string): AllowlistMatch {
  return compileAllowlist(entries).match(url);
}
