import { InvalidUsageError } from './pricing.errors.js';
import { asRecord, tokenCount } from './usage.fields.js';
import type { NormalisedUsage } from './usage.js';

/**
 * Normalises an OpenAI `usage` object of either family:
 * - chat completions / embeddings: `prompt_tokens` (cached included), `completion_tokens`
 *   (reasoning included), `prompt_tokens_details.cached_tokens`;
 * - responses: `input_tokens`, `output_tokens`, `input_tokens_details.cached_tokens`.
 */
export function normaliseOpenAiUsage(raw: unknown): NormalisedUsage {
  const usage = asRecord(raw);
  if (usage === null) throw new InvalidUsageError('usage', 'expected an object');
  let inputTokens: number;
  let outputTokens: number;
  let cachedInputTokens: number;
  if (usage.prompt_tokens !== undefined) {
    inputTokens = tokenCount(usage, 'prompt_tokens', 'usage', true);
    outputTokens = tokenCount(usage, 'completion_tokens', 'usage');
    const details = asRecord(usage.prompt_tokens_details);
    cachedInputTokens = details === null ? 0 : tokenCount(details, 'cached_tokens', 'usage.prompt_tokens_details');
  } else {
    inputTokens = tokenCount(usage, 'input_tokens', 'usage', true);
    outputTokens = tokenCount(usage, 'output_tokens', 'usage');
    const details = asRecord(usage.input_tokens_details);
    cachedInputTokens = details === null ? 0 : tokenCount(details, 'cached_tokens', 'usage.input_tokens_details');
  }
  if (cachedInputTokens > inputTokens) throw new InvalidUsageError('usage.cached_tokens', 'more cached tokens than input tokens');
  return { inputTokens, outputTokens, cachedInputTokens, cacheWriteTokens: 0, cacheWrite1hTokens: 0 };
}

/** Usage of a chat completion response body (`object: "chat.completion"`); null when absent. */
export function openAiChatCompletionUsage(responseBody: unknown): NormalisedUsage | null {
  const usage = asRecord(responseBody)?.usage;
  return usage === undefined || usage === null ? null : normaliseOpenAiUsage(usage);
}

/** Usage of a Responses API body (`object: "response"`); null when absent. */
export function openAiResponsesUsage(responseBody: unknown): NormalisedUsage | null {
  return openAiChatCompletionUsage(responseBody);
}

/** Usage of an embeddings body (`usage.prompt_tokens`, no output); null when absent. */
export function openAiEmbeddingsUsage(responseBody: unknown): NormalisedUsage | null {
  const usage = openAiChatCompletionUsage(responseBody);
  return usage === null ? null : { ...usage, outputTokens: 0 };
}
