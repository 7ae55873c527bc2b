import type { Endpoint } from './endpoint.js';
import { providerOf } from './endpoint.js';
import { estimateInputTokens } from './input-tokens.estimate.js';
import { injectMaxTokens } from './max-tokens.inject.js';
import type { ModelPrice, Pricebook } from './pricebook.js';
import { UnpricedError } from './pricing.errors.js';
import type { Provider } from './provider.js';
import { costOf } from './token-cost.js';
import { choicesOf, worstInputRate } from './worst-case.rates.js';

export interface WorstCaseOptions {
  /**
   * What the agent may still spend (the tightest policy). Used only when the request has no
   * output cap: one that fits is injected. Without it, the model's maximum output is assumed.
   */
  readonly remainingNanos?: bigint;
}

export interface WorstCase {
  /** The most this call can cost: the amount to hold. */
  readonly amountNanos: bigint;
  readonly inputTokensUpperBound: number;
  /** Output tokens priced: the cap × the number of choices. */
  readonly maxOutputTokens: number;
  /** The model as requested (`gpt-4o-2024-08-06`). */
  readonly model: string;
  /** The pricebook entry that priced it (`gpt-4o`). */
  readonly pricedModel: string;
  readonly pricebookVersion: string;
  /** Set when the request had no cap and one was injected; `body` then carries it. */
  readonly injectedMaxTokens?: number;
  /** The body to forward: the original object, or a copy with the injected cap. */
  readonly body: unknown;
}

/**
 * Prices a request before it is forwarded, at its worst case: every input token at the dearest
 * input rate that can apply + every output token the cap allows at the output rate, rounded up.
 * Throws `UnpricedError` (unknown model, unsupported endpoint or option) and, when a cap must be
 * injected and none fits, `OutputBudgetExhaustedError`.
 */
export function estimateWorstCase(pricebook: Pricebook, provider: Provider, endpoint: Endpoint, body: unknown, options: WorstCaseOptions = {}): WorstCase {
  if (providerOf(endpoint) !== provider) throw new UnpricedError('unsupported_endpoint', provider, undefined, `${endpoint} is not a ${provider} endpoint`);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new UnpricedError('invalid_request', provider, undefined, 'the request body must be a JSON object');
  const request = body as Record<string, unknown>;
  const model = request.model;
  if (typeof model !== 'string' || model.length === 0) throw new UnpricedError('missing_model', provider, undefined, 'the request names no model');
  const price = pricebook.priceFor(provider, model);
  if (price === null) throw new UnpricedError('unknown_model', provider, model, `No price for ${provider} model ${JSON.stringify(model)} in pricebook ${pricebook.version}`);
  if ((price.kind === 'embedding') !== (endpoint === 'embeddings')) {
    throw new UnpricedError('unsupported_endpoint', provider, model, `${model} is not priced for ${endpoint}`);
  }
  if (request.service_tier === 'priority') throw new UnpricedError('unsupported_option', provider, model, 'the priority service tier is not in the pricebook');

  const input = estimateInputTokens(endpoint, request, price).tokens;
  const inputRate = worstInputRate(endpoint, request, price);
  const common = { inputTokensUpperBound: input, model, pricedModel: price.model, pricebookVersion: pricebook.version };
  if (endpoint === 'embeddings') {
    return { ...common, amountNanos: costOf([{ tokens: input, perMillionNanos: inputRate }]), maxOutputTokens: 0, body };
  }

  const n = choicesOf(endpoint, request);
  if (Number.isNaN(n)) throw new UnpricedError('invalid_request', provider, model, '`n` must be a positive integer');
  let cap = requestedCap(endpoint, request, price);
  let injectedMaxTokens: number | undefined;
  let forwarded: unknown = body;
  if (cap === undefined) {
    if (options.remainingNanos === undefined) {
      cap = price.maxOutputTokens;
    } else {
      const injected = injectMaxTokens(request, endpoint, options.remainingNanos, price, input, price.maxOutputTokens);
      cap = injected.maxTokens;
      injectedMaxTokens = injected.maxTokens;
      forwarded = injected.body;
    }
  }
  const output = cap * n;
  const amountNanos = costOf([
    { tokens: input, perMillionNanos: inputRate },
    { tokens: output, perMillionNanos: price.outputPerMillionNanos },
  ]);
  return { ...common, amountNanos, maxOutputTokens: output, body: forwarded, ...(injectedMaxTokens === undefined ? {} : { injectedMaxTokens }) };
}

/** The output cap the request sets (the largest, if it sets several); undefined when none. */
function requestedCap(endpoint: Endpoint, body: Record<string, unknown>, price: ModelPrice): number | undefined {
  const fields = endpoint === 'chat.completions' ? ['max_completion_tokens', 'max_tokens'] : endpoint === 'responses' ? ['max_output_tokens'] : ['max_tokens'];
  let cap: number | undefined;
  for (const field of fields) {
    const value = body[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      throw new UnpricedError('invalid_request', price.provider, price.model, `\`${field}\` must be a positive integer`);
    }
    cap = cap === undefined || value > cap ? value : cap;
  }
  return cap;
}
