import { InvalidUsageError } from './pricing.errors.js';
import type { ModelPrice } from './pricebook.js';
import { costOf } from './token-cost.js';

/**
 * Usage in one shape for every provider. `inputTokens` is the TOTAL prompt size, cached and
 * cache-written tokens included (OpenAI's `prompt_tokens` meaning); `cachedInputTokens` and
 * `cacheWriteTokens` are parts of it, so nothing is counted twice.
 */
export interface NormalisedUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Cache reads, charged at the cached-input rate. */
  readonly cachedInputTokens: number;
  /** Cache writes (Anthropic), charged at the cache-write rate. */
  readonly cacheWriteTokens: number;
  /** The part of `cacheWriteTokens` written with a 1-hour TTL (Anthropic), charged at that rate. */
  readonly cacheWrite1hTokens: number;
}

/** The actual cost of a usage at a model's prices, rounded up to the next nano-unit. */
export function priceUsage(price: ModelPrice, usage: NormalisedUsage): bigint {
  const uncached = usage.inputTokens - usage.cachedInputTokens - usage.cacheWriteTokens;
  if (uncached < 0) throw new InvalidUsageError('usage', 'cached and cache-write tokens exceed the input tokens');
  if (usage.cacheWrite1hTokens > usage.cacheWriteTokens) throw new InvalidUsageError('usage.cacheWrite1hTokens', 'exceeds cacheWriteTokens');
  return costOf([
    { tokens: uncached, perMillionNanos: price.inputPerMillionNanos },
    { tokens: usage.cachedInputTokens, perMillionNanos: price.cachedInputPerMillionNanos },
    { tokens: usage.cacheWriteTokens - usage.cacheWrite1hTokens, perMillionNanos: price.cacheWritePerMillionNanos },
    { tokens: usage.cacheWrite1hTokens, perMillionNanos: price.cacheWrite1hPerMillionNanos },
    { tokens: usage.outputTokens, perMillionNanos: price.outputPerMillionNanos },
  ]);
}
