import { InvalidUsageError } from './pricing.errors.js';
import { asRecord, tokenCount } from './usage.fields.js';
import type { NormalisedUsage } from './usage.js';

/**
 * Normalises an Anthropic `usage` object. Anthropic's `input_tokens` EXCLUDES cache reads and
 * writes; the normalised `inputTokens` is their sum. A `cache_creation` breakdown, when present,
 * splits writes into 5-minute and 1-hour TTLs (priced differently).
 */
export function normaliseAnthropicUsage(raw: unknown): NormalisedUsage {
  const usage = asRecord(raw);
  if (usage === null) throw new InvalidUsageError('usage', 'expected an object');
  const uncached = tokenCount(usage, 'input_tokens', 'usage', true);
  const outputTokens = tokenCount(usage, 'output_tokens', 'usage');
  const cachedInputTokens = tokenCount(usage, 'cache_read_input_tokens', 'usage');
  const cacheWriteTokens = tokenCount(usage, 'cache_creation_input_tokens', 'usage');
  const breakdown = asRecord(usage.cache_creation);
  const cacheWrite1hTokens = breakdown === null ? 0 : tokenCount(breakdown, 'ephemeral_1h_input_tokens', 'usage.cache_creation');
  if (cacheWrite1hTokens > cacheWriteTokens) {
    throw new InvalidUsageError('usage.cache_creation.ephemeral_1h_input_tokens', 'exceeds cache_creation_input_tokens');
  }
  return { inputTokens: uncached + cachedInputTokens + cacheWriteTokens, outputTokens, cachedInputTokens, cacheWriteTokens, cacheWrite1hTokens };
}

/** Usage of a Messages API response body (`type: "message"`); null when absent. */
export function anthropicMessagesUsage(responseBody: unknown): NormalisedUsage | null {
  const usage = asRecord(responseBody)?.usage;
  return usage === undefined || usage === null ? null : normaliseAnthropicUsage(usage);
}
