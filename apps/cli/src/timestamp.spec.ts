import { describe, expect, it } from '@jest/globals';
import { formatAge } from './output/ops-output.js';
import { checkTimestamp, isIsoDateTime } from './timestamp.js';

describe('isIsoDateTime', () => {
  it.each(['2024-01-01T00:00:00Z', '2024-01-31T23:59:59Z', '2024-01-31T23:59:59.123456Z', '2024-02-29T12:00+01:00', '2024-01-01t00:00:00z', '2023-06-01T10:00:00-05:30'])(
    'accepts %s',
    (text) => expect(isIsoDateTime(text)).toBe(true),
  );

  it.each(['', 'now', 'yesterday', '2024-01-01', '2024-01-01T00:00:00', '2024-01-01 00:00:00Z', '2023-02-29T00:00:00Z', '2024-13-01T00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T00:60:00Z', '2024-01-01T00:00:00+0100', '1704067200'])(
    'rejects %s',
    (text) => expect(isIsoDateTime(text)).toBe(false),
  );

  it('accepts now only where allowed, and returns the value unchanged', () => {
    expect(checkTimestamp('end-time', 'now', { allowNow: true })).toBe('now');
    expect(checkTimestamp('start-time', '2024-01-01T00:00:00.5+02:00')).toBe('2024-01-01T00:00:00.5+02:00');
    expect(() => checkTimestamp('start-time', 'now')).toThrow('--start-time expects an ISO 8601 date-time such as 2024-01-01T00:00:00Z; got "now".');
  });
});

describe('formatAge', () => {
  it('reads as the largest two units', () => {
    expect([null, 0, 59.9, 60, 754, 3600, 7325, 86_400 * 2 + 3600 * 4 + 5].map(formatAge)).toEqual(['-', '0s', '59s', '1m 0s', '12m 34s', '1h 0m', '2h 2m', '2d 4h']);
  });
});
