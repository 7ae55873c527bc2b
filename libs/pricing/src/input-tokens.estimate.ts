import type { Endpoint } from './endpoint.js';
import type { ModelPrice } from './pricebook.js';
import { UnpricedError } from './pricing.errors.js';

/**
 * Upper bound of the input tokens of a request, without a tokenizer (docs/pricing.md).
 *
 * Every tokenizer of the priced models is a byte-level BPE: a token stands for at least one
 * UTF-8 byte, so a text of B bytes is at most B tokens. That ratio (1 byte per token) is the
 * only one that holds for every input — English averages ~4 bytes per token, but " a a a" is 2,
 * and rare scripts or random bytes reach 1. The text is measured as the UTF-8 length of the
 * request body's JSON (without media parts): JSON escaping only adds bytes, so it bounds every
 * string in it — messages, system prompt, tool schemas — and the keys and punctuation pay for
 * most of the chat template; fixed overheads per request, message and tool add the rest.
 * The result never exceeds the model's context window: a longer prompt is rejected upstream and
 * costs nothing.
 */
export const BYTES_PER_TOKEN = 1;
export const REQUEST_OVERHEAD_TOKENS = 32;
export const MESSAGE_OVERHEAD_TOKENS = 8;
export const TOOL_OVERHEAD_TOKENS = 32;
/** Anthropic-defined client tools (computer, bash, text_editor) add a system prompt of their own. */
export const BUILTIN_TOOL_OVERHEAD_TOKENS = 2_000;

const IMAGE_PARTS = new Set(['image_url', 'input_image', 'image']);
// Parts whose token cost is not a function of anything in the body: a PDF page, an audio clip.
const UNBOUNDED_PARTS = new Set(['file', 'input_file', 'document', 'input_audio', 'audio', 'container_upload', 'search_result']);

export interface InputEstimate {
  readonly tokens: number;
  /** True when some part could not be bounded and the context window was used. */
  readonly boundedByContextWindow: boolean;
}

export function estimateInputTokens(endpoint: Endpoint, body: Record<string, unknown>, price: ModelPrice): InputEstimate {
  if (endpoint === 'embeddings') return estimateEmbeddingInput(body, price);
  rejectHostedTools(endpoint, body, price);

  let images = 0;
  let unbounded = false;
  const json = JSON.stringify(body, (_key, value: unknown) => {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const type = (value as Record<string, unknown>).type;
      if (typeof type === 'string' && IMAGE_PARTS.has(type)) {
        images += 1;
        return null;
      }
      if (typeof type === 'string' && UNBOUNDED_PARTS.has(type)) unbounded = true;
    }
    return value;
  });
  // Earlier turns stored upstream are part of the prompt but not of the body.
  if (body.previous_response_id !== undefined || body.conversation !== undefined) unbounded = true;
  if (images > 0 && price.maxTokensPerImage === undefined) unbounded = true;
  if (unbounded) return { tokens: price.contextWindow, boundedByContextWindow: true };

  const messages = countOf(body.messages) + countOf(body.input) + (body.system === undefined ? 0 : 1) + (body.instructions === undefined ? 0 : 1);
  const tools = Array.isArray(body.tools) ? body.tools : [];
  const builtins = tools.filter((t) => endpoint === 'messages' && isAnthropicBuiltinClientTool(t)).length;
  const tokens =
    Math.ceil(Buffer.byteLength(json, 'utf8') / BYTES_PER_TOKEN) +
    REQUEST_OVERHEAD_TOKENS +
    messages * MESSAGE_OVERHEAD_TOKENS +
    tools.length * TOOL_OVERHEAD_TOKENS +
    builtins * BUILTIN_TOOL_OVERHEAD_TOKENS +
    images * (price.maxTokensPerImage ?? 0);
  return tokens >= price.contextWindow ? { tokens: price.contextWindow, boundedByContextWindow: true } : { tokens, boundedByContextWindow: false };
}

/** Embeddings: each input is bounded by its bytes (or its token-id count) and the model's window. */
function estimateEmbeddingInput(body: Record<string, unknown>, price: ModelPrice): InputEstimate {
  const input = body.input;
  const items: unknown[] = typeof input === 'string' || (Array.isArray(input) && input.every((x) => typeof x === 'number')) ? [input] : Array.isArray(input) ? input : [];
  if (items.length === 0) throw new UnpricedError('invalid_request', price.provider, price.model, 'embeddings: `input` must be a string, an array of strings or an array of token arrays');
  let tokens = 0;
  let capped = false;
  for (const item of items) {
    let n: number;
    if (typeof item === 'string') n = Math.ceil(Buffer.byteLength(item, 'utf8') / BYTES_PER_TOKEN);
    else if (Array.isArray(item)) n = item.length;
    else throw new UnpricedError('invalid_request', price.provider, price.model, 'embeddings: unsupported `input` item');
    if (n >= price.contextWindow) {
      n = price.contextWindow;
      capped = true;
    }
    tokens += n;
  }
  return { tokens, boundedByContextWindow: capped };
}

/**
 * Hosted tools run upstream, bill per call and feed the model input the body does not show
 * (search results, file contents): they cannot be bounded from the request, so fail closed.
 */
function rejectHostedTools(endpoint: Endpoint, body: Record<string, unknown>, price: ModelPrice): void {
  const reject = (what: string): never => {
    throw new UnpricedError('unsupported_option', price.provider, price.model, `${what} cannot be priced before forwarding`);
  };
  if (body.web_search_options !== undefined) reject('web_search_options');
  if (body.mcp_servers !== undefined) reject('mcp_servers');
  if (!Array.isArray(body.tools)) return;
  for (const tool of body.tools) {
    const type = typeof tool === 'object' && tool !== null ? (tool as Record<string, unknown>).type : undefined;
    if (endpoint === 'messages') {
      if (type === undefined || type === 'custom' || isAnthropicBuiltinClientTool(tool)) continue;
    } else if (type === 'function' || type === 'custom') continue;
    reject(`the hosted tool ${JSON.stringify(type)}`);
  }
}

function isAnthropicBuiltinClientTool(tool: unknown): boolean {
  const type = typeof tool === 'object' && tool !== null ? (tool as Record<string, unknown>).type : undefined;
  return typeof type === 'string' && /^(computer|bash|text_editor)_\d{8}$/.test(type);
}

function countOf(value: unknown): number {
  if (Array.isArray(value)) return value.length;
  return value === undefined || value === null ? 0 : 1;
}
