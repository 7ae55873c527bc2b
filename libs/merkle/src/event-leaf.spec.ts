import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { canonicalLeafBytes, eventLeafHash, InvalidEventLeafError, type EventLeafInput } from './event-leaf.js';

const event: EventLeafInput = {
  merkleIndex: 7n,
  globalPosition: 9_007_199_254_740_993n, // > 2^53: exact only as text
  streamId: 'agent-1',
  streamPosition: 3n,
  eventId: '0b7e7a52-8f3a-4f0e-9d43-3c1c2c0d6c11',
  eventType: 'SpendRecorded',
  schemaVersion: 1,
  data: { amount: '12.50', currency: 'USD', tokens: 1200 },
  metadata: { correlationId: 'c-1', actor: 'gateway' },
  recordedAt: '2024-01-31 12:00:00.123456+00',
};

describe('canonicalLeafBytes', () => {
  it('is JCS of the event fields with positions as decimal strings and a µs UTC timestamp', () => {
    expect(canonicalLeafBytes(event).toString('utf8')).toBe(
      '{"data":{"amount":"12.50","currency":"USD","tokens":1200},"eventId":"0b7e7a52-8f3a-4f0e-9d43-3c1c2c0d6c11",' +
        '"eventType":"SpendRecorded","globalPosition":"9007199254740993","merkleIndex":"7",' +
        '"metadata":{"actor":"gateway","correlationId":"c-1"},"recordedAt":"2024-01-31T12:00:00.123456Z",' +
        '"schemaVersion":1,"streamId":"agent-1","streamPosition":"3"}',
    );
  });

  it('hashes as an RFC 6962 leaf: SHA-256(0x00 ‖ bytes)', () => {
    const expected = createHash('sha256').update(Buffer.from([0])).update(canonicalLeafBytes(event)).digest();
    expect(eventLeafHash(event).equals(expected)).toBe(true);
  });

  it('gives the same bytes for bigint, number and decimal-text positions, and for a Date with 000 µs', () => {
    const same = { ...event, merkleIndex: 7, streamPosition: '3', recordedAt: '2024-01-31T12:00:00.123456Z' };
    expect(canonicalLeafBytes(same)).toEqual(canonicalLeafBytes(event));
    const ms = canonicalLeafBytes({ ...event, recordedAt: new Date('2024-01-31T12:00:00.123Z') }).toString();
    expect(ms).toContain('"recordedAt":"2024-01-31T12:00:00.123000Z"');
  });

  it('changes when any field changes (key order in data does not matter)', () => {
    const base = eventLeafHash(event);
    expect(eventLeafHash({ ...event, data: { tokens: 1200, currency: 'USD', amount: '12.50' } }).equals(base)).toBe(true);
    for (const change of [
      { merkleIndex: 8n }, { globalPosition: 1n }, { streamId: 'agent-2' }, { streamPosition: 4n }, { eventId: 'x' },
      { eventType: 'Other' }, { schemaVersion: 2 }, { data: { ...event.data, tokens: 1201 } }, { metadata: {} },
      { recordedAt: '2024-01-31T12:00:00.123457Z' },
    ]) {
      expect(eventLeafHash({ ...event, ...change }).equals(base)).toBe(false);
    }
  });

  it.each<[string, Partial<EventLeafInput>, string, string]>([
    ['a negative position', { globalPosition: -1n }, 'globalPosition', 'not_a_position'],
    ['a position with a leading zero', { streamPosition: '01' }, 'streamPosition', 'not_a_position'],
    ['an unsafe number position', { merkleIndex: 2 ** 53 }, 'merkleIndex', 'not_a_position'],
    ['a fractional schema version', { schemaVersion: 1.5 }, 'schemaVersion', 'not_a_schema_version'],
    ['a float in data', { data: { price: 0.1 } }, 'data["price"]', 'invalid_json'],
    ['array data', { data: [] as unknown as Record<string, unknown> }, 'data', 'not_an_object'],
    ['an unparseable recordedAt', { recordedAt: 'yesterday' }, 'recordedAt', 'invalid_timestamp'],
    ['a non-string eventId', { eventId: 5 as unknown as string }, 'eventId', 'not_a_string'],
  ])('rejects %s', (_name, change, field, reason) => {
    try {
      canonicalLeafBytes({ ...event, ...change });
      throw new Error('expected InvalidEventLeafError');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidEventLeafError);
      expect((error as InvalidEventLeafError).field).toBe(field);
      expect((error as InvalidEventLeafError).reason).toBe(reason);
    }
  });
});
