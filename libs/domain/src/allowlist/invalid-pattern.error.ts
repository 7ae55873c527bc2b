import type { PatternType } from './allowlist-pattern.js';

/** A pattern that does not compile. `reason` is what the user needs to fix it. */
export class InvalidPatternError extends Error {
  constructor(
    readonly pattern: string,
    readonly patternType: PatternType,
    readonly reason: string,
  ) {
    super(`Invalid ${patternType} pattern ${JSON.stringify(pattern)}: ${reason}`);
    this.name = 'InvalidPatternError';
  }
}
