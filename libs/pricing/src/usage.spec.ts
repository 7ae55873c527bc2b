import { describe, expect, it } from '@jest/globals';
import { anthropicMessagesUsage } from './anthropic.usage.js';
import { costFromUsage, usageFromResponse } from './cost-from-usage.js';
import { openAiChatCompletionUsage, openAiEmbeddingsUsage, openAiResponsesUsage } from './openai.usage.js';
import { loadPricebook } from './pricebook.load.js';
import { parsePricebook } from './pricebook.parse.js';
import { InvalidUsageError, UnpricedError } from './pricing.errors.js';

const chatCompletion = {
  id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG', object: 'chat.completion', created: 1741570283, model: 'gpt-4o-2024-08-06',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!', refusal: null }, logprobs: null, finish_reason: 'stop' }],
  usage: {
    prompt_tokens: 2006, completion_tokens: 300, total_tokens: 2306,
    prompt_tokens_details: { cached_tokens: 1920, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  },
  service_tier: 'default', system_fingerprint: 'fp_fc9f1d7035',
};
const response = {
  id: 'resp_67ccd2bed1ec8190b14f964abc054267', object: 'response', status: 'completed', model: 'o4-mini-2025-04-16',
  output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hi', annotations: [] }] }],
  usage: { input_tokens: 1500, input_tokens_details: { cached_tokens: 1024 }, output_tokens: 2000, output_tokens_details: { reasoning_tokens: 1800 }, total_tokens: 3500 },
};
const embeddings = { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.0023, -0.0093] }], model: 'text-embedding-3-small', usage: { prompt_tokens: 8, total_tokens: 8 } };
const message = {
  id: 'msg_01XFDUDYJgAACzvnptvVoYEL', type: 'message', role: 'assistant', model: 'claude-sonnet-4-20250514',
  content: [{ type: 'text', text: 'Hello!' }], stop_reason: 'end_turn', stop_sequence: null,
  usage: {
    input_tokens: 50, cache_creation_input_tokens: 2000, cache_read_input_tokens: 10000, output_tokens: 400,
    cache_creation: { ephemeral_5m_input_tokens: 1500, ephemeral_1h_input_tokens: 500 }, service_tier: 'standard',
  },
};

describe('usage extraction', () => {
  it('OpenAI chat completions: prompt_tokens include the cached ones', () => {
    expect(openAiChatCompletionUsage(chatCompletion)).toEqual({ inputTokens: 2006, outputTokens: 300, cachedInputTokens: 1920, cacheWriteTokens: 0, cacheWrite1hTokens: 0 });
  });
  it('OpenAI responses', () => {
    expect(openAiResponsesUsage(response)).toEqual({ inputTokens: 1500, outputTokens: 2000, cachedInputTokens: 1024, cacheWriteTokens: 0, cacheWrite1hTokens: 0 });
  });
  it('OpenAI embeddings', () => {
    expect(openAiEmbeddingsUsage(embeddings)).toEqual({ inputTokens: 8, outputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0 });
  });
  it('Anthropic messages: input_tokens exclude cache reads and writes', () => {
    expect(anthropicMessagesUsage(message)).toEqual({ inputTokens: 12050, outputTokens: 400, cachedInputTokens: 10000, cacheWriteTokens: 2000, cacheWrite1hTokens: 500 });
  });
  it('dispatches by endpoint; no usage → null', () => {
    expect(usageFromResponse('chat.completions', chatCompletion)?.inputTokens).toBe(2006);
    expect(usageFromResponse('messages', { type: 'message' })).toBeNull();
    expect(usageFromResponse('responses', { error: { message: 'x' } })).toBeNull();
  });
  it.each([
    [{ prompt_tokens: -1 }],
    [{ prompt_tokens: 1.5 }],
    [{ prompt_tokens: '12' }],
    [{ prompt_tokens: 10, prompt_tokens_details: { cached_tokens: 11 } }],
  ])('rejects malformed usage %j', (usage) => {
    expect(() => openAiChatCompletionUsage({ usage })).toThrow(InvalidUsageError);
  });
});

describe('costFromUsage', () => {
  it('prices cached tokens at the cached rate, once', async () => {
    const book = await loadPricebook();
    // gpt-4o: 86 × 2.50 + 1920 × 1.25 + 300 × 10.00 per million = 215 + 2400 + 3000 = 5615 µ$ = 5 615 000 nanos
    const cost = costFromUsage(book, 'openai', 'gpt-4o-2024-08-06', chatCompletion.usage);
    expect(cost.amountNanos).toBe(5_615_000n);
    expect(cost.pricedModel).toBe('gpt-4o');
    expect(cost.pricebookVersion).toBe(book.version);
  });
  it('responses (o4-mini)', async () => {
    const book = await loadPricebook();
    // 476 × 1.10 + 1024 × 0.275 + 2000 × 4.40 = 523.6 + 281.6 + 8800 = 9605.2 µ$
    expect(costFromUsage(book, 'openai', 'o4-mini', response.usage).amountNanos).toBe(9_605_200n);
  });
  it('Anthropic: reads, 5-minute and 1-hour writes each at their rate', async () => {
    const book = await loadPricebook();
    // sonnet-4: 50 × 3 + 10000 × 0.30 + 1500 × 3.75 + 500 × 6 + 400 × 15 = 150 + 3000 + 5625 + 3000 + 6000 = 17775 µ$
    expect(costFromUsage(book, 'anthropic', 'claude-sonnet-4-20250514', message.usage).amountNanos).toBe(17_775_000n);
  });
  it('rounds up to the next nano-unit, once on the sum', async () => {
    const book = parsePricebook({
      version: 't', effectiveFrom: '2025-01-01', currency: 'USD', source: 't', resources: [],
      models: [{ provider: 'openai', model: 'gpt-4.1-nano', inputPerMillion: '0.0001', outputPerMillion: '0.0003', maxOutputTokens: 10, contextWindow: 100 }],
    });
    // 0.0001 $/M = 0.1 nano per token: 1 token → 1 nano; 7 → 0.7 → 1; 11 → 1.1 → 2
    const u = (n: number) => ({ inputTokens: n, outputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0 });
    expect(costFromUsage(book, 'openai', 'gpt-4.1-nano', u(1)).amountNanos).toBe(1n);
    expect(costFromUsage(book, 'openai', 'gpt-4.1-nano', u(7)).amountNanos).toBe(1n);
    expect(costFromUsage(book, 'openai', 'gpt-4.1-nano', u(11)).amountNanos).toBe(2n);
    expect(costFromUsage(book, 'openai', 'gpt-4.1-nano', u(0)).amountNanos).toBe(0n);
    // 5 input (0.5) + 2 output (0.6) = 1.1 → 2 nanos: one rounding on the sum, not 1 + 1
    expect(costFromUsage(book, 'openai', 'gpt-4.1-nano', { ...u(5), outputTokens: 2 }).amountNanos).toBe(2n);
    expect(costFromUsage(book, 'openai', 'gpt-4.1-nano', { ...u(3), outputTokens: 1 }).amountNanos).toBe(1n);
  });
  it('never drifts like floats would: 10 × 0.1 + 0.2 style sums are exact', async () => {
    const book = await loadPricebook();
    // text-embedding-3-small 0.02/M; 3 calls of 5 000 000 tokens = 0.1 $ each; float 0.1+0.1+0.1 ≠ 0.3
    const one = costFromUsage(book, 'openai', 'text-embedding-3-small', { prompt_tokens: 5_000_000 }).amountNanos;
    expect(one * 3n).toBe(300_000_000n);
  });
  it('unknown model → UnpricedError', async () => {
    const book = await loadPricebook();
    expect(() => costFromUsage(book, 'openai', 'gpt-9', chatCompletion.usage)).toThrow(UnpricedError);
  });
});
