import { describe, expect, it } from '@jest/globals';
import { costFromUsage } from './cost-from-usage.js';
import { estimateInputTokens } from './input-tokens.estimate.js';
import { injectMaxTokens } from './max-tokens.inject.js';
import { loadPricebook } from './pricebook.load.js';
import { OutputBudgetExhaustedError, UnpricedError } from './pricing.errors.js';
import { estimateWorstCase } from './worst-case.estimate.js';

const book = await loadPricebook();
const gpt4o = book.priceFor('openai', 'gpt-4o')!;

describe('input token upper bound', () => {
  // Known counts: OpenAI reports prompt_tokens for these requests (o200k tokenizer).
  it.each([
    ['Hello', 8],
    ['hello world', 9],
    ['The quick brown fox jumps over the lazy dog', 16],
    ['日本語のテキストはトークンが多い', 20],
  ])('chat %j is over-estimated (prompt_tokens ≈ %d)', (content, known) => {
    const est = estimateInputTokens('chat.completions', { model: 'gpt-4o', messages: [{ role: 'user', content }] }, gpt4o);
    expect(est.tokens).toBeGreaterThanOrEqual(known);
    expect(est.tokens).toBeGreaterThanOrEqual(Buffer.byteLength(content));
  });
  it('is capped by the context window', () => {
    const est = estimateInputTokens('chat.completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'x'.repeat(500_000) }] }, gpt4o);
    expect(est).toEqual({ tokens: 128_000, boundedByContextWindow: true });
  });
  it('bounds images by the model limit, files and stored conversations by the window', () => {
    const img = { type: 'image_url', image_url: { url: 'data:image/png;base64,' + 'A'.repeat(100_000) } };
    const est = estimateInputTokens('chat.completions', { model: 'gpt-4o', messages: [{ role: 'user', content: [{ type: 'text', text: 'what?' }, img] }] }, gpt4o);
    expect(est.tokens).toBeLessThan(2_000);
    expect(est.tokens).toBeGreaterThan(1_500);
    const file = { type: 'input_file', file_id: 'file-1' };
    expect(estimateInputTokens('responses', { model: 'gpt-4o', input: [{ role: 'user', content: [file] }] }, gpt4o).tokens).toBe(128_000);
    expect(estimateInputTokens('responses', { model: 'gpt-4o', input: 'hi', previous_response_id: 'resp_1' }, gpt4o).tokens).toBe(128_000);
  });
  it('embeddings: strings by bytes, token arrays by length', () => {
    const small = book.priceFor('openai', 'text-embedding-3-small')!;
    expect(estimateInputTokens('embeddings', { input: 'hello world' }, small).tokens).toBe(11);
    expect(estimateInputTokens('embeddings', { input: ['ab', 'cde'] }, small).tokens).toBe(5);
    expect(estimateInputTokens('embeddings', { input: [[1, 2, 3], [4]] }, small).tokens).toBe(4);
    expect(estimateInputTokens('embeddings', { input: [1, 2, 3] }, small).tokens).toBe(3);
  });
});

describe('estimateWorstCase', () => {
  const chat = { model: 'gpt-4o-2024-08-06', messages: [{ role: 'user', content: 'Hello' }], max_completion_tokens: 100 };
  it('prices input bound + cap × output rate, rounded up', () => {
    const w = estimateWorstCase(book, 'openai', 'chat.completions', chat);
    expect(w.maxOutputTokens).toBe(100);
    expect(w.pricedModel).toBe('gpt-4o');
    // input × 2500 nanos/token + 100 × 10000 nanos/token
    expect(w.amountNanos).toBe(BigInt(w.inputTokensUpperBound) * 2_500n + 1_000_000n);
    expect(w.body).toBe(chat);
    expect(w.injectedMaxTokens).toBeUndefined();
  });
  it('reads each endpoint’s cap; n multiplies the output', () => {
    expect(estimateWorstCase(book, 'openai', 'chat.completions', { ...chat, max_completion_tokens: undefined, max_tokens: 50, n: 3 }).maxOutputTokens).toBe(150);
    expect(estimateWorstCase(book, 'openai', 'responses', { model: 'o3', input: 'hi', max_output_tokens: 700 }).maxOutputTokens).toBe(700);
    expect(estimateWorstCase(book, 'anthropic', 'messages', { model: 'claude-3-5-haiku-latest', max_tokens: 1024, messages: [] }).maxOutputTokens).toBe(1024);
  });
  it('embeddings are input only', () => {
    const w = estimateWorstCase(book, 'openai', 'embeddings', { model: 'text-embedding-3-large', input: 'x'.repeat(1000) });
    expect(w.maxOutputTokens).toBe(0);
    expect(w.amountNanos).toBe(130_000n); // 1000 × 0.13 $/M
  });
  it('without a cap and without a budget, assumes the model maximum', () => {
    expect(estimateWorstCase(book, 'openai', 'chat.completions', { model: 'gpt-4o', messages: [] }).maxOutputTokens).toBe(16_384);
  });
  it('Anthropic cache_control prices input at the 1-hour write rate', () => {
    const body = { model: 'claude-sonnet-4', max_tokens: 1, system: [{ type: 'text', text: 'x', cache_control: { type: 'ephemeral' } }], messages: [] };
    const w = estimateWorstCase(book, 'anthropic', 'messages', body);
    expect(w.amountNanos).toBe(BigInt(w.inputTokensUpperBound) * 6_000n + 15_000n);
  });
  it.each<[string, unknown, string]>([
    ['unknown model', { model: 'gpt-9', messages: [] }, 'unknown_model'],
    ['no model', { messages: [] }, 'missing_model'],
    ['embedding model on chat', { model: 'text-embedding-3-small', messages: [] }, 'unsupported_endpoint'],
    ['hosted tool', { model: 'gpt-4o', messages: [], tools: [{ type: 'web_search_preview' }] }, 'unsupported_option'],
    ['priority tier', { model: 'gpt-4o', messages: [], service_tier: 'priority' }, 'unsupported_option'],
    ['bad cap', { model: 'gpt-4o', messages: [], max_tokens: -5 }, 'invalid_request'],
    ['not an object', 'hello', 'invalid_request'],
  ])('%s → UnpricedError', (_name, body, reason) => {
    expect(() => estimateWorstCase(book, 'openai', 'chat.completions', body)).toThrow(UnpricedError);
    try {
      estimateWorstCase(book, 'openai', 'chat.completions', body);
    } catch (e) {
      expect((e as UnpricedError).reason).toBe(reason);
    }
  });
});

describe('max_tokens injection', () => {
  const body = { model: 'gpt-4o', messages: [{ role: 'user', content: 'Write a poem' }] };
  it('injects the largest cap that fits the remaining budget', () => {
    const w = estimateWorstCase(book, 'openai', 'chat.completions', body, { remainingNanos: 10_000_000n }); // 0.01 $
    const input = BigInt(w.inputTokensUpperBound) * 2_500n;
    expect(w.injectedMaxTokens).toBe(Number((10_000_000n - input) / 10_000n));
    expect((w.body as any).max_completion_tokens).toBe(w.injectedMaxTokens);
    expect((body as any).max_completion_tokens).toBeUndefined();
    expect(w.amountNanos).toBeLessThanOrEqual(10_000_000n);
    expect(w.amountNanos + 10_000n).toBeGreaterThan(10_000_000n); // one more token would not fit
  });
  it('is capped by the model maximum output', () => {
    const w = estimateWorstCase(book, 'anthropic', 'messages', { model: 'claude-3-5-haiku', messages: [] }, { remainingNanos: 100n * 1_000_000_000n });
    expect(w.injectedMaxTokens).toBe(8192);
    expect((w.body as any).max_tokens).toBe(8192);
    const r = estimateWorstCase(book, 'openai', 'responses', { model: 'o3', input: 'x' }, { remainingNanos: 100n * 1_000_000_000n });
    expect((r.body as any).max_output_tokens).toBe(100_000);
  });
  it('not even one token → OutputBudgetExhaustedError (budget_exceeded)', () => {
    expect(() => estimateWorstCase(book, 'openai', 'chat.completions', body, { remainingNanos: 1_000n })).toThrow(OutputBudgetExhaustedError);
    expect(() => injectMaxTokens(body, 'chat.completions', 0n, gpt4o, 10, 100)).toThrow(OutputBudgetExhaustedError);
  });
  it('divides by n', () => {
    const r = injectMaxTokens({ ...body, n: 4 }, 'chat.completions', 1_000_000n, gpt4o, 0, 16_384);
    expect(r.maxTokens).toBe(25); // 0.001 $ / (4 × 10 $/M)
  });
});

describe('worst case ≥ actual cost for any usage within the caps', () => {
  // A deterministic pseudo-random generator: the property is checked on many shapes, reproducibly.
  let seed = 42;
  const rand = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed % n;
  };
  const words = ['hello', 'world', 'ça', '世界', '🦊', 'the', ' ', '\n', 'function', '{"a":1}'];

  it.each(book.models.filter((m) => m.kind === 'chat').map((m) => [m.provider, m.model] as const))('%s %s', (provider, model) => {
    const price = book.priceFor(provider, model)!;
    for (let i = 0; i < 50; i++) {
      const content = Array.from({ length: rand(200) }, () => words[rand(words.length)]).join('');
      const cap = 1 + rand(4000);
      const cache = provider === 'anthropic' && rand(2) === 0;
      const body =
        provider === 'anthropic'
          ? { model: `${model}-20250101`, max_tokens: cap, messages: [{ role: 'user', content: cache ? [{ type: 'text', text: content, cache_control: { type: 'ephemeral', ttl: '1h' } }] : content }] }
          : { model, max_completion_tokens: cap, messages: [{ role: 'user', content }] };
      const endpoint = provider === 'anthropic' ? 'messages' : 'chat.completions';
      const w = estimateWorstCase(book, provider, endpoint, body);
      // The true prompt has at most one token per byte of content plus a small template.
      const input = Math.min(Buffer.byteLength(content) + 10, w.inputTokensUpperBound);
      const output = rand(cap + 1);
      const cached = rand(input + 1);
      const write = cache ? rand(input - cached + 1) : 0;
      const usage = { inputTokens: input, outputTokens: output, cachedInputTokens: cached, cacheWriteTokens: write, cacheWrite1hTokens: rand(write + 1) };
      expect(w.amountNanos).toBeGreaterThanOrEqual(costFromUsage(book, provider, model, usage).amountNanos);
      // Extremes: everything at the dearest rate, full cap.
      const worst = { inputTokens: w.inputTokensUpperBound, outputTokens: cap, cachedInputTokens: 0, cacheWriteTokens: cache ? w.inputTokensUpperBound : 0, cacheWrite1hTokens: cache ? w.inputTokensUpperBound : 0 };
      expect(w.amountNanos).toBeGreaterThanOrEqual(costFromUsage(book, provider, model, worst).amountNanos);
      expect(price).toBeDefined();
    }
  });
});
