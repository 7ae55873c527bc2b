import { describe, expect, it } from '@jest/globals';
import { addSpend, emptySpendHistory, spentBetween } from './spend-history.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, SPEND_RETENTION_MS } from './spend-window.js';

const t0 = Date.parse('2026-03-10T12:00:00Z');

describe('spend history', () => {
  it('keeps one bucket per minute however many charges fall in it (memory bounded by time, not requests)', () => {
    let history = emptySpendHistory;
    for (let i = 0; i < 1000; i++) history = addSpend(history, t0 + i * 50, 1n, t0 + i * 50);
    expect(history.totalNanos).toBe(1000n);
    expect([...history.hours.values()].reduce((n, hour) => n + hour.minutes.size, 0)).toBe(1);
  });

  it('sums whole hours and partial hours to the minute', () => {
    let history = emptySpendHistory;
    for (const at of [t0, t0 + 30 * MINUTE_MS, t0 + HOUR_MS + 5 * MINUTE_MS]) history = addSpend(history, at, 10n, at);
    expect(spentBetween(history, t0, t0 + 2 * HOUR_MS)).toBe(30n);
    expect(spentBetween(history, t0 + MINUTE_MS, t0 + HOUR_MS + 5 * MINUTE_MS)).toBe(10n);
    expect(spentBetween(history, t0 + 30 * MINUTE_MS, null)).toBe(20n);
    expect(spentBetween(history, null, null)).toBe(30n);
  });

  it('prunes minutes older than the retention but keeps them in the all-time total', () => {
    let history = addSpend(emptySpendHistory, t0, 5n, t0);
    const later = t0 + SPEND_RETENTION_MS + HOUR_MS;
    history = addSpend(history, later, 7n, later);
    expect(history.hours.size).toBe(1);
    expect(spentBetween(history, t0 - DAY_MS, null)).toBe(7n);
    expect(history.totalNanos).toBe(12n);
  });

  it('never mutates the history it is given', () => {
    const history = addSpend(emptySpendHistory, t0, 5n, t0);
    addSpend(history, t0, 5n, t0);
    expect(spentBetween(history, null, null)).toBe(5n);
    expect([...history.hours.values()][0].nanos).toBe(5n);
  });
});
