import RE2 from 're2';
import type { CompiledPattern } from './allowlist-pattern.js';
import { InvalidPatternError } from './invalid-pattern.error.js';

/**
 * A regular expression matched against the whole normalised URL. The engine is RE2: matching
 * time is linear in the URL's length whatever the pattern (no catastrophic backtracking), at the
 * price of backreferences and lookaround, which RE2 rejects.
 */
export function compileRegex(pattern: string): CompiledPattern {
  // The pattern on its own first: a valid pattern has balanced groups, so wrapping it below
  // cannot change its meaning, and RE2's message names the user's own text.
  compile(pattern, pattern);
  // Always a full match, whether or not the user anchored it: "api\.openai\.com" must not
  // match "https://evil.com/?api.openai.com".
  const anchored = compile(pattern, `^(?:${pattern})$`);
  return { matches: (url) => anchored.test(url.href) };
}

function compile(pattern: string, source: string): RE2 {
  try {
    return new RE2(source);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidPatternError(pattern, 'regex', reason);
  }
}
