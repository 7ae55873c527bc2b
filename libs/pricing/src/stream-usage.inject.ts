import type { Endpoint } from './endpoint.js';

/**
 * OpenAI chat completions report usage in a stream only when asked: returns a copy of a
 * streaming request with `stream_options.include_usage: true` (other stream options kept).
 * Non-streaming requests and other endpoints (the Responses API always ends its stream with
 * `response.completed` and usage; Anthropic always sends it) are returned unchanged.
 */
export function ensureStreamUsage<T>(body: T, endpoint: Endpoint = 'chat.completions'): T {
  if (endpoint !== 'chat.completions' || typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const request = body as Record<string, unknown>;
  if (request.stream !== true) return body;
  const options = typeof request.stream_options === 'object' && request.stream_options !== null ? request.stream_options : {};
  if ((options as Record<string, unknown>).include_usage === true) return body;
  return { ...request, stream_options: { ...options, include_usage: true } } as T;
}
