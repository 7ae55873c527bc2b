import type { PatternType } from '@caracal/api-contract';
import { canonicalGlob, compileGlob } from './glob-pattern.js';
import { InvalidPatternError } from './invalid-pattern.error.js';
import { compileRegex } from './regex-pattern.js';
import type { NormalisedUrl } from './url.normalise.js';

export type { PatternType };

export const PATTERN_MAX_LENGTH = 2048;

/** A pattern compiled once, matched against every request. */
export interface CompiledPattern {
  matches(url: NormalisedUrl): boolean;
}

/** Compiles a pattern; throws InvalidPatternError with the reason when it cannot. */
export function compilePattern(pattern: string, patternType: PatternType): CompiledPattern {
  if (pattern.length > PATTERN_MAX_LENGTH) {
    throw new InvalidPatternError(pattern, patternType, `must be at most ${PATTERN_MAX_LENGTH} characters (got ${pattern.length})`);
  }
  return patternType === 'glob' ? compileGlob(pattern) : compileRegex(pattern);
}

/**
 * The form two entries are compared in to find duplicates: globs normalised like URLs, regexes
 * as written (regex equivalence is not decidable in general; exact text is honest).
 */
export function canonicalPattern(pattern: string, patternType: PatternType): string {
  return patternType === 'glob' ? canonicalGlob(pattern) : pattern;
}
