import { describe, expect, it } from '@jest/globals';
import { createSseParser, type SseEvent } from './sse.parser.js';
import { ensureStreamUsage } from './stream-usage.inject.js';
import { createStreamUsageTracker } from './stream-usage.tracker.js';
import { ANTHROPIC_STREAM, OPENAI_CHAT_STREAM, OPENAI_RESPONSES_STREAM } from './stream.fixtures.js';

const bytes = (s: string) => new TextEncoder().encode(s);

function parseAll(chunks: (string | Uint8Array)[]): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = createSseParser((e) => events.push(e));
  for (const c of chunks) parser.push(c);
  parser.end();
  return events;
}

describe('createSseParser', () => {
  it('handles \\n, \\r\\n and \\r line ends, comments, multi-line data, event and id fields', () => {
    const text = '\ufeff: keep-alive\r\nevent: ping\r\ndata: {"a":\r\ndata:1}\r\nid: 7\r\n\r\ndata: plain\n\ndata:x\rdata\r\r: only a comment\n\nevent: empty\n\n';
    expect(parseAll([text])).toEqual([
      { event: 'ping', data: '{"a":\n1}', id: '7' },
      { event: 'message', data: 'plain', id: '7' },
      { event: 'message', data: 'x\n', id: '7' },
    ]);
  });
  it('discards an unterminated last event', () => {
    expect(parseAll(['data: a\n\ndata: b\n'])).toEqual([{ event: 'message', data: 'a', id: undefined }]);
  });
  it('gives the same events whatever the chunking, multi-byte characters included', () => {
    const text = 'event: x\r\ndata: héllo → 世界 🦊\r\n\r\ndata: second\r\ndata: line\n\n';
    const whole = parseAll([bytes(text)]);
    expect(whole).toHaveLength(2);
    expect(whole[0].data).toBe('héllo → 世界 🦊');
    const b = bytes(text);
    for (let i = 0; i <= b.length; i++) expect(parseAll([b.slice(0, i), b.slice(i)])).toEqual(whole);
    expect(parseAll([...b].map((x) => new Uint8Array([x])))).toEqual(whole);
  });
});

describe('ensureStreamUsage', () => {
  it('injects include_usage into streaming chat completions, keeping other options', () => {
    const body = { model: 'gpt-4o', stream: true, stream_options: { include_obfuscation: false }, messages: [] };
    const out = ensureStreamUsage(body) as any;
    expect(out.stream_options).toEqual({ include_obfuscation: false, include_usage: true });
    expect(body.stream_options).toEqual({ include_obfuscation: false });
  });
  it('leaves non-streaming requests, already-set requests and other endpoints alone', () => {
    const plain = { model: 'gpt-4o', messages: [] };
    expect(ensureStreamUsage(plain)).toBe(plain);
    const set = { model: 'gpt-4o', stream: true, stream_options: { include_usage: true } };
    expect(ensureStreamUsage(set)).toBe(set);
    const responses = { model: 'gpt-4o', stream: true, input: 'hi' };
    expect(ensureStreamUsage(responses, 'responses')).toBe(responses);
  });
});

describe('stream usage tracker', () => {
  const cases = [
    ['chat.completions', OPENAI_CHAT_STREAM, { inputTokens: 19, outputTokens: 10, cachedInputTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0 }, 'gpt-4o-mini-2024-07-18'],
    ['responses', OPENAI_RESPONSES_STREAM, { inputTokens: 37, outputTokens: 11, cachedInputTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0 }, 'gpt-4.1-2025-04-14'],
    ['messages', ANTHROPIC_STREAM, { inputTokens: 2497, outputTokens: 15, cachedInputTokens: 2048, cacheWriteTokens: 424, cacheWrite1hTokens: 0 }, 'claude-sonnet-4-20250514'],
  ] as const;

  it.each(cases)('%s: reads the final usage at every chunk boundary', (endpoint, stream, usage, model) => {
    const b = bytes(stream);
    for (let i = 0; i <= b.length; i++) {
      const tracker = createStreamUsageTracker(endpoint);
      tracker.feed(b.slice(0, i));
      tracker.feed(b.slice(i));
      tracker.end();
      expect(tracker.result()).toEqual(usage);
      expect(tracker.model()).toBe(model);
    }
  });

  it.each(cases)('%s: a stream cut before the usage gives null (settle at the hold)', (endpoint, stream, _usage, _model) => {
    const marker = endpoint === 'chat.completions' ? '"usage":{' : endpoint === 'responses' ? 'event: response.completed' : 'event: message_delta';
    const tracker = createStreamUsageTracker(endpoint);
    tracker.feed(bytes(stream.slice(0, stream.indexOf(marker))));
    tracker.end();
    expect(tracker.result()).toBeNull();
  });

  it('ignores malformed JSON and [DONE]', () => {
    const tracker = createStreamUsageTracker('chat.completions');
    tracker.feed('data: {oops\n\ndata: [DONE]\n\n');
    expect(tracker.result()).toBeNull();
  });
});
