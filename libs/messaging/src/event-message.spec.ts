import { describe, expect, it } from '@jest/globals';
import type { RecordedEvent } from '@caracal/event-store';
import { EVENT_HEADERS, fromMessage, headerText, toMessage, UndecodableMessageError } from './event-message.js';

const event: RecordedEvent = {
  eventId: '0c1d2e3f-0000-4000-8000-000000000001',
  type: 'SpendSettled',
  schemaVersion: 2,
  streamId: 'budget-0c1d2e3f-0000-4000-8000-0000000000aa',
  streamPosition: 7n,
  globalPosition: 9_007_199_254_740_993n,
  transactionId: 812n,
  recordedAt: new Date('2026-03-09T17:00:00.123Z'),
  data: { amountNanos: '10000000', agentPath: ['a', 'b'] },
  metadata: { correlationId: 'c' },
};

describe('event messages', () => {
  it('key by stream, headers with id, type, schema version and positions, timestamp = recorded_at', () => {
    const message = toMessage(event);
    expect(message.key).toBe(event.streamId);
    expect(message.timestamp).toBe(String(event.recordedAt.getTime()));
    expect(message.headers).toEqual({
      [EVENT_HEADERS.eventId]: event.eventId,
      [EVENT_HEADERS.type]: 'SpendSettled',
      [EVENT_HEADERS.schemaVersion]: '2',
      [EVENT_HEADERS.globalPosition]: '9007199254740993',
      [EVENT_HEADERS.transactionId]: '812',
    });
    expect(headerText({ [EVENT_HEADERS.type]: Buffer.from('SpendSettled') }, EVENT_HEADERS.type)).toBe('SpendSettled');
  });

  it('round-trips the recorded event, bigints exact', () => {
    const message = toMessage(event);
    expect(fromMessage({ value: Buffer.from(message.value as string) })).toEqual(event);
  });

  it('refuses what is not an event message', () => {
    expect(() => fromMessage({ value: null })).toThrow(UndecodableMessageError);
    expect(() => fromMessage({ value: Buffer.from('{"globalPosition":"x"}') })).toThrow(UndecodableMessageError);
    expect(() => fromMessage({ value: Buffer.from('not json') })).toThrow(UndecodableMessageError);
  });
});
