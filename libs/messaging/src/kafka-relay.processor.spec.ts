import { describe, expect, it } from '@jest/globals';
import type { Message } from 'kafkajs';
import { produceRequests } from './kafka-relay.processor.js';

const KB = 'x'.repeat(1_000);
const message = (key: string, i: number): Message => ({ key, value: `${i}:${KB}`, headers: { 'caracal-event-id': String(i) } });
const bytesPerKey = (request: Message[]): Map<string, number> => {
  const out = new Map<string, number>();
  for (const m of request) out.set(String(m.key), (out.get(String(m.key)) ?? 0) + String(m.value).length);
  return out;
};

describe('produceRequests: the relay batch split into produce requests', () => {
  it('keeps the batch in order and one partition under 512 KB per request (a broker refuses a record batch past 1 MB)', () => {
    // 2,000 messages of ~1 KB, all one key: one partition gets everything.
    const messages = Array.from({ length: 2_000 }, (_, i) => message('budget-one', i));
    const requests = produceRequests(messages, 12);
    expect(requests.length).toBeGreaterThanOrEqual(4);
    expect(requests.flat()).toEqual(messages);
    for (const request of requests) expect(bytesPerKey(request).get('budget-one')).toBeLessThanOrEqual(512 * 1024);
  });

  it('sends a batch spread over the partitions in one request', () => {
    const messages = Array.from({ length: 3_000 }, (_, i) => message(`budget-${i % 1_200}`, i));
    expect(produceRequests(messages, 12)).toEqual([messages]);
  });

  it('splits the same batch when the topic has fewer partitions', () => {
    const messages = Array.from({ length: 5_000 }, (_, i) => message(`budget-${i % 1_200}`, i));
    const requests = produceRequests(messages, 2);
    expect(requests.length).toBeGreaterThan(4);
    expect(requests.flat()).toEqual(messages);
  });
});
