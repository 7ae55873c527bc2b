import { normaliseAnthropicUsage } from './anthropic.usage.js';
import type { Endpoint } from './endpoint.js';
import { normaliseOpenAiUsage } from './openai.usage.js';
import { createSseParser, type SseEvent } from './sse.parser.js';
import { asRecord } from './usage.fields.js';
import type { NormalisedUsage } from './usage.js';

export interface StreamUsageTracker {
  /** Feeds a chunk of the upstream's SSE body, as forwarded to the client. */
  feed(chunk: Uint8Array | string): void;
  /** The stream ended (normally or not). */
  end(): void;
  /**
   * The final usage, or null when the stream ended without it (client disconnect, upstream cut
   * or error event): the gateway then settles at the hold.
   */
  result(): NormalisedUsage | null;
  /** The model the upstream reported in the stream, if any. */
  model(): string | undefined;
}

/**
 * Reads usage from a streamed response while it passes through:
 * - OpenAI chat completions: the last chunk's `usage` (needs `stream_options.include_usage`);
 * - OpenAI responses: `response.completed` / `response.incomplete` / `response.failed` → `response.usage`;
 * - Anthropic messages: `message_start` → `message.usage` (input, cache), then `message_delta` →
 *   `usage` (cumulative output; fields it repeats override). Usage counts only once a
 *   `message_delta` arrived: `message_start`'s output count is a placeholder.
 * Malformed JSON in an event is ignored (the bytes still reach the client).
 */
export function createStreamUsageTracker(endpoint: Endpoint): StreamUsageTracker {
  let usage: NormalisedUsage | null = null;
  let model: string | undefined;
  let anthropicStart: Record<string, unknown> | null = null;

  const onEvent = (event: SseEvent): void => {
    if (event.data === '[DONE]') return;
    let payload: Record<string, unknown> | null;
    try {
      payload = asRecord(JSON.parse(event.data));
    } catch {
      return;
    }
    if (payload === null) return;
    try {
      handle(payload);
    } catch {
      // A malformed usage is as good as none: settle at the hold.
    }
  };

  const handle = (payload: Record<string, unknown>): void => {
    switch (endpoint) {
      case 'chat.completions': {
        if (typeof payload.model === 'string') model = payload.model;
        if (asRecord(payload.usage) !== null) usage = normaliseOpenAiUsage(payload.usage);
        return;
      }
      case 'responses': {
        const response = asRecord(payload.response);
        if (typeof response?.model === 'string') model = response.model;
        const type = payload.type;
        if ((type === 'response.completed' || type === 'response.incomplete' || type === 'response.failed') && asRecord(response?.usage) !== null) {
          usage = normaliseOpenAiUsage(response?.usage);
        }
        return;
      }
      case 'messages': {
        if (payload.type === 'message_start') {
          const message = asRecord(payload.message);
          if (typeof message?.model === 'string') model = message.model;
          anthropicStart = asRecord(message?.usage) ?? {};
        } else if (payload.type === 'message_delta') {
          const delta = asRecord(payload.usage);
          if (delta === null) return;
          const merged: Record<string, unknown> = { ...(anthropicStart ?? {}) };
          for (const [k, v] of Object.entries(delta)) if (v !== null && v !== undefined) merged[k] = v;
          usage = normaliseAnthropicUsage(merged);
        }
        return;
      }
      case 'embeddings':
        return;
    }
  };

  const parser = createSseParser(onEvent);
  return {
    feed: (chunk) => parser.push(chunk),
    end: () => parser.end(),
    result: () => usage,
    model: () => model,
  };
}
