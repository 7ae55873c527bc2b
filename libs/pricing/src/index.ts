export { anthropicMessagesUsage, normaliseAnthropicUsage } from './anthropic.usage.js';
export { costFromUsage, usageFromResponse, type ActualCost } from './cost-from-usage.js';
export { endpointFromPath, providerOf, type Endpoint } from './endpoint.js';
export {
  BUILTIN_TOOL_OVERHEAD_TOKENS, BYTES_PER_TOKEN, MESSAGE_OVERHEAD_TOKENS, REQUEST_OVERHEAD_TOKENS, TOOL_OVERHEAD_TOKENS,
  estimateInputTokens, type InputEstimate,
} from './input-tokens.estimate.js';
export { injectMaxTokens, OUTPUT_CAP_FIELD, type InjectedMaxTokens } from './max-tokens.inject.js';
export { normaliseOpenAiUsage, openAiChatCompletionUsage, openAiEmbeddingsUsage, openAiResponsesUsage } from './openai.usage.js';
export { Pricebook, type ModelPrice, type PricebookData, type ResourcePrice } from './pricebook.js';
export { defaultPricebookPath, loadPricebook } from './pricebook.load.js';
export { parsePricebook } from './pricebook.parse.js';
export { InvalidUsageError, OutputBudgetExhaustedError, PricebookValidationError, UnpricedError, type UnpricedReason } from './pricing.errors.js';
export { isProvider, PROVIDERS, type Provider } from './provider.js';
export { compileResourcePattern, InvalidResourcePatternError, type ResourcePattern } from './resource-pattern.js';
export { createSseParser, type SseEvent, type SseParser } from './sse.parser.js';
export { ensureStreamUsage } from './stream-usage.inject.js';
export { createStreamUsageTracker, type StreamUsageTracker } from './stream-usage.tracker.js';
export { ceilDiv, costOf, type TokenCharge } from './token-cost.js';
export { priceUsage, type NormalisedUsage } from './usage.js';
export { estimateWorstCase, type WorstCase, type WorstCaseOptions } from './worst-case.estimate.js';
