import { describe, expect, it } from '@jest/globals';
import { InvalidTimestampError, canonicalNow, canonicalTimestamp } from './timestamp.js';

describe('canonicalTimestamp', () => {
  it.each([
    ['2024-01-31T12:00:00Z', '2024-01-31T12:00:00.000000Z'],
    ['2024-01-31T12:00:00.5Z', '2024-01-31T12:00:00.500000Z'],
    ['2024-01-31t12:00:00.123456z', '2024-01-31T12:00:00.123456Z'],
    ['2024-01-31 12:00:00.123456+00', '2024-01-31T12:00:00.123456Z'],
    ['2024-01-31T14:30:00.000001+02:30', '2024-01-31T12:00:00.000001Z'],
    ['2024-01-01T01:00:00.25-0100', '2024-01-01T02:00:00.250000Z'],
    ['2024-01-01T00:30:00+01', '2023-12-31T23:30:00.000000Z'],
    ['0050-06-01T00:00:00Z', '0050-06-01T00:00:00.000000Z'],
  ])('writes %s as %s', (input, expected) => {
    expect(canonicalTimestamp(input)).toBe(expected);
  });

  it('writes a Date with its milliseconds and 000 microseconds', () => {
    expect(canonicalTimestamp(new Date('2024-02-29T23:59:59.999Z'))).toBe('2024-02-29T23:59:59.999000Z');
  });

  it.each(['2024-02-30T00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T00:00:60Z', '2024-01-01T00:00:00.1234567Z',
    '2024-01-01T00:00:00', '2024-01-01', '2024-01-01T00:00:00+25:00'])('rejects %s', (input) => {
    expect(() => canonicalTimestamp(input)).toThrow(InvalidTimestampError);
  });

  it('rejects an invalid Date', () => {
    expect(() => canonicalTimestamp(new Date(NaN))).toThrow(InvalidTimestampError);
  });
});

describe('canonicalNow', () => {
  it('is the last microsecond of this millisecond: not before an event recorded earlier in it', () => {
    const recordedEarlierInIt = canonicalTimestamp(new Date()).replace(/000Z$/, '998Z');
    const now = canonicalNow();
    expect(now).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}999Z$/);
    expect(now > recordedEarlierInIt).toBe(true);
    expect(canonicalTimestamp(now)).toBe(now);
  });
});
