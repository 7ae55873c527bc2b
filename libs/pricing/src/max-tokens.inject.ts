import type { Endpoint } from './endpoint.js';
import type { ModelPrice } from './pricebook.js';
import { OutputBudgetExhaustedError, UnpricedError } from './pricing.errors.js';
import { ceilDiv, PER_MILLION } from './token-cost.js';
import { choicesOf, worstInputRate } from './worst-case.rates.js';

/** The request field that caps output, per endpoint (the one injected when absent). */
export const OUTPUT_CAP_FIELD: Record<Exclude<Endpoint, 'embeddings'>, string> = {
  // `max_tokens` is deprecated for chat and refused by reasoning models; this one works for all.
  'chat.completions': 'max_completion_tokens',
  responses: 'max_output_tokens',
  messages: 'max_tokens',
};

export interface InjectedMaxTokens {
  /** A shallow copy of the body with the cap set; the original is not modified. */
  readonly body: Record<string, unknown>;
  readonly maxTokens: number;
}

/**
 * Gives a request without an output cap the largest one that fits the remaining budget:
 *
 *   cap = min(modelMaxOutput, floor((remaining × 10^6 − inputUpperBound × inputRate) / (outputRate × n)))
 *
 * (rates per million tokens, in nanos; n = chat choices), so that input worst case + cap × output
 * price ≤ remaining, exactly, in integers. Throws `OutputBudgetExhaustedError` when not even one
 * token fits (the gateway denies with `budget_exceeded`).
 */
export function injectMaxTokens(
  body: Record<string, unknown>,
  endpoint: Endpoint,
  remainingNanos: bigint,
  price: ModelPrice,
  inputUpperBound: number,
  modelMaxOutput: number,
): InjectedMaxTokens {
  if (endpoint === 'embeddings') throw new UnpricedError('invalid_request', price.provider, price.model, 'embeddings have no output to cap');
  const n = choicesOf(endpoint, body);
  if (Number.isNaN(n)) throw new UnpricedError('invalid_request', price.provider, price.model, '`n` must be a positive integer');
  const inputNumerator = BigInt(inputUpperBound) * worstInputRate(endpoint, body, price);
  const left = (remainingNanos > 0n ? remainingNanos : 0n) * PER_MILLION - inputNumerator;
  const perToken = price.outputPerMillionNanos * BigInt(n);
  const fits = perToken === 0n ? BigInt(modelMaxOutput) : left < 0n ? 0n : left / perToken;
  const cap = fits < BigInt(modelMaxOutput) ? Number(fits) : modelMaxOutput;
  if (cap < 1) throw new OutputBudgetExhaustedError(remainingNanos, ceilDiv(inputNumerator, PER_MILLION));
  return { body: { ...body, [OUTPUT_CAP_FIELD[endpoint]]: cap }, maxTokens: cap };
}
