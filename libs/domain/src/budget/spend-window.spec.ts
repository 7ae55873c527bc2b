import { describe, expect, it } from '@jest/globals';
import { spendWindow } from './spend-window.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
function window(timeWindow: 'hourly' | 'daily' | 'weekly' | 'monthly' | 'total', windowType: 'calendar' | 'rolling', timezone: string, now: string) {
  const { startMs, endMs } = spendWindow({ timeWindow, windowType, timezone }, Date.parse(now));
  return { start: iso(startMs), end: iso(endMs), hours: startMs === null || endMs === null ? null : (endMs - startMs) / 3_600_000 };
}

describe('calendar windows', () => {
  it('a UTC day is [00:00, 24:00) UTC', () => {
    expect(window('daily', 'calendar', 'UTC', '2026-03-08T23:59:59.999Z')).toEqual({ start: '2026-03-08T00:00:00.000Z', end: '2026-03-09T00:00:00.000Z', hours: 24 });
  });

  it('given America/New_York, the spring-forward day (8 March 2026) lasts 23 hours', () => {
    expect(window('daily', 'calendar', 'America/New_York', '2026-03-08T12:00:00Z')).toEqual({
      start: '2026-03-08T05:00:00.000Z', // 00:00 EST
      end: '2026-03-09T04:00:00.000Z', // 00:00 EDT
      hours: 23,
    });
  });

  it('given America/New_York, the fall-back day (1 November 2026) lasts 25 hours', () => {
    expect(window('daily', 'calendar', 'America/New_York', '2026-11-01T20:00:00Z')).toEqual({
      start: '2026-11-01T04:00:00.000Z',
      end: '2026-11-02T05:00:00.000Z',
      hours: 25,
    });
  });

  it('given America/New_York, the day boundary after spring-forward is 00:00 EDT (04:00Z)', () => {
    expect(window('daily', 'calendar', 'America/New_York', '2026-03-09T03:59:59Z').start).toBe('2026-03-08T05:00:00.000Z');
    expect(window('daily', 'calendar', 'America/New_York', '2026-03-09T04:00:00Z').start).toBe('2026-03-09T04:00:00.000Z');
  });

  it('given America/New_York, the repeated 01:00 hour of the fall-back night is two distinct hourly windows', () => {
    expect(window('hourly', 'calendar', 'America/New_York', '2026-11-01T05:30:00Z')).toEqual({ start: '2026-11-01T05:00:00.000Z', end: '2026-11-01T06:00:00.000Z', hours: 1 });
    expect(window('hourly', 'calendar', 'America/New_York', '2026-11-01T06:30:00Z')).toEqual({ start: '2026-11-01T06:00:00.000Z', end: '2026-11-01T07:00:00.000Z', hours: 1 });
  });

  it('given a zone where midnight is skipped (America/Havana, 8 March 2026), the day starts at the transition', () => {
    const day = window('daily', 'calendar', 'America/Havana', '2026-03-08T12:00:00Z');
    expect(day).toEqual({ start: '2026-03-08T05:00:00.000Z', end: '2026-03-09T04:00:00.000Z', hours: 23 });
  });

  it('hourly windows follow the zone: Asia/Kolkata hours start at :30 UTC', () => {
    expect(window('hourly', 'calendar', 'Asia/Kolkata', '2026-03-08T12:10:00Z')).toEqual({ start: '2026-03-08T11:30:00.000Z', end: '2026-03-08T12:30:00.000Z', hours: 1 });
  });

  it('weekly windows are ISO weeks starting Monday 00:00 local, across the DST change (167 hours)', () => {
    // Sunday 8 March 2026 belongs to the week of Monday 2 March.
    expect(window('weekly', 'calendar', 'America/New_York', '2026-03-08T12:00:00Z')).toEqual({ start: '2026-03-02T05:00:00.000Z', end: '2026-03-09T04:00:00.000Z', hours: 167 });
    expect(window('weekly', 'calendar', 'UTC', '2026-03-09T00:00:00Z').start).toBe('2026-03-09T00:00:00.000Z');
  });

  it('monthly windows are calendar months in the zone, including December → January', () => {
    expect(window('monthly', 'calendar', 'America/New_York', '2026-03-31T12:00:00Z')).toEqual({ start: '2026-03-01T05:00:00.000Z', end: '2026-04-01T04:00:00.000Z', hours: 743 });
    expect(window('monthly', 'calendar', 'UTC', '2026-12-31T23:00:00Z')).toEqual({ start: '2026-12-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z', hours: 744 });
  });

  it('a total window has no bounds', () => {
    expect(window('total', 'calendar', 'UTC', '2026-03-08T12:00:00Z')).toEqual({ start: null, end: null, hours: null });
  });
});

describe('rolling windows', () => {
  it('a rolling hourly window is the last hour, its start floored to the minute', () => {
    const now = '2026-03-08T12:07:30.000Z';
    const result = window('hourly', 'rolling', 'UTC', now);
    expect(result.end).toBe(now);
    expect(result.start).toBe('2026-03-08T11:07:00.000Z');
  });

  it.each([
    ['daily', 24],
    ['weekly', 168],
    ['monthly', 720],
  ] as const)('a rolling %s window is the last %i hours, its start floored to the quarter-hour', (timeWindow, hours) => {
    const now = '2026-03-08T12:07:30.000Z';
    const result = window(timeWindow, 'rolling', 'UTC', now);
    expect(result.end).toBe(now);
    expect(Date.parse(now) - Date.parse(result.start!)).toBe(hours * 3_600_000 + 7 * 60_000 + 30_000);
  });
});
