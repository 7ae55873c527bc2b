import type { Endpoint } from './endpoint.js';
import type { ModelPrice } from './pricebook.js';

/**
 * The per-million rate that bounds every input token of a request. OpenAI cache reads are only
 * cheaper. Anthropic cache WRITES cost more than plain input (1.25× for 5 minutes, 2× for an
 * hour), so a request that asks for caching (`cache_control` anywhere) is bounded by the dearest.
 */
export function worstInputRate(endpoint: Endpoint, body: Record<string, unknown>, price: ModelPrice): bigint {
  if (endpoint !== 'messages' || !JSON.stringify(body).includes('"cache_control"')) return price.inputPerMillionNanos;
  return [price.inputPerMillionNanos, price.cacheWritePerMillionNanos, price.cacheWrite1hPerMillionNanos].reduce((a, b) => (b > a ? b : a));
}

/** Chat completions may ask for `n` choices, each up to the cap; other endpoints produce one. */
export function choicesOf(endpoint: Endpoint, body: Record<string, unknown>): number {
  if (endpoint !== 'chat.completions' || body.n === undefined || body.n === null) return 1;
  return typeof body.n === 'number' && Number.isSafeInteger(body.n) && body.n >= 1 ? body.n : Number.NaN;
}
