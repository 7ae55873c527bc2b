import type { Readable } from 'node:stream';
import type { Endpoint } from '@caracal/pricing';

/** What the pricing step hands to the reservation and forwarding steps. */
export interface PricedRequest {
  amountNanos: bigint;
  currency: string;
  model: string | null;
  /** Set for LLM calls: where to read usage from in the response. */
  endpoint: Endpoint | null;
  /** The body to forward: a rewritten JSON buffer (LLM calls) or the untouched stream. */
  body: Buffer | Readable | undefined;
  pricebookVersion: string;
}
