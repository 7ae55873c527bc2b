import { anthropicMessagesUsage, normaliseAnthropicUsage } from './anthropic.usage.js';
import type { Endpoint } from './endpoint.js';
import { normaliseOpenAiUsage, openAiChatCompletionUsage, openAiEmbeddingsUsage, openAiResponsesUsage } from './openai.usage.js';
import type { Pricebook } from './pricebook.js';
import { UnpricedError } from './pricing.errors.js';
import type { Provider } from './provider.js';
import { priceUsage, type NormalisedUsage } from './usage.js';

export interface ActualCost {
  readonly amountNanos: bigint;
  readonly usage: NormalisedUsage;
  /** The pricebook entry used (`gpt-4o` for `gpt-4o-2024-08-06`). */
  readonly pricedModel: string;
  readonly pricebookVersion: string;
}

/**
 * The actual cost of a call from the upstream's `usage` object (raw provider shape, or an
 * already normalised usage). Throws `UnpricedError` for a model the pricebook does not know and
 * `InvalidUsageError` for a malformed usage.
 */
export function costFromUsage(pricebook: Pricebook, provider: Provider, model: string, usage: unknown): ActualCost {
  const price = pricebook.priceFor(provider, model);
  if (price === null) throw new UnpricedError('unknown_model', provider, model, `No price for ${provider} model ${JSON.stringify(model)} in pricebook ${pricebook.version}`);
  const normalised = isNormalised(usage) ? usage : provider === 'openai' ? normaliseOpenAiUsage(usage) : normaliseAnthropicUsage(usage);
  return { amountNanos: priceUsage(price, normalised), usage: normalised, pricedModel: price.model, pricebookVersion: pricebook.version };
}

/** The usage of a complete (non-streamed) response body of `endpoint`; null when it has none. */
export function usageFromResponse(endpoint: Endpoint, responseBody: unknown): NormalisedUsage | null {
  switch (endpoint) {
    case 'chat.completions':
      return openAiChatCompletionUsage(responseBody);
    case 'responses':
      return openAiResponsesUsage(responseBody);
    case 'embeddings':
      return openAiEmbeddingsUsage(responseBody);
    case 'messages':
      return anthropicMessagesUsage(responseBody);
  }
}

function isNormalised(usage: unknown): usage is NormalisedUsage {
  if (typeof usage !== 'object' || usage === null) return false;
  const u = usage as Record<string, unknown>;
  return ['inputTokens', 'outputTokens', 'cachedInputTokens', 'cacheWriteTokens', 'cacheWrite1hTokens'].every(
    (k) => typeof u[k] === 'number' && Number.isSafeInteger(u[k]) && (u[k] as number) >= 0,
  );
}
