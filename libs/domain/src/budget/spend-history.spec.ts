import { describe, expect, it } from '@jest/globals';
import { addSpend, emptySpendHistory, MINUTE_DETAIL_MS, spentBetween, type SpendHistory } from './spend-history.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, QUARTER_HOUR_MS, SPEND_RETENTION_MS } from './spend-window.js';

const t0 = Date.parse('2026-03-10T12:00:00Z');

function charged(...charges: [atMs: number, nanos: bigint][]): SpendHistory {
  let history = emptySpendHistory;
  let clockMs = 0;
  for (const [at, nanos] of charges) {
    clockMs = Math.max(clockMs, at);
    history = addSpend(history, at, nanos, clockMs);
  }
  return history;
}

function chargedQuarterCount(quarters: readonly bigint[]): number {
  return quarters.filter((nanos) => nanos !== 0n).length;
}

function quarterCount(history: SpendHistory): number {
  return [...history.days.values()].reduce((n, day) => n + chargedQuarterCount(day.quarters), 0);
}

describe('spend history', () => {
  it('keeps one bucket per quarter-hour and per minute however many charges fall in them', () => {
    let history = emptySpendHistory;
    for (let i = 0; i < 1000; i++) history = addSpend(history, t0 + i * 50, 1n, t0 + i * 50);
    expect(history.totalNanos).toBe(1000n);
    expect(quarterCount(history)).toBe(1);
    expect(history.minutes.size).toBe(1);
  });

  it('is bounded by the time it covers, never by the traffic: 40 days of a charge every minute', () => {
    let history = emptySpendHistory;
    let largestMinutes = 0;
    for (let at = t0; at < t0 + 40 * DAY_MS; at += MINUTE_MS) {
      history = addSpend(history, at, 1n, at);
      largestMinutes = Math.max(largestMinutes, history.minutes.size);
    }
    expect(history.days.size).toBeLessThanOrEqual(34);
    expect(Math.max(...[...history.days.values()].map((day) => chargedQuarterCount(day.quarters)))).toBe(96);
    expect(largestMinutes).toBeLessThanOrEqual(MINUTE_DETAIL_MS / MINUTE_MS + 1);
    expect(history.totalNanos).toBe(BigInt(40 * 24 * 60));
  });

  it('sums whole days, quarter-hours, and minutes where a range starts inside a quarter-hour', () => {
    const now = t0 + 2 * HOUR_MS;
    const history = charged([t0 - DAY_MS, 1n], [t0, 10n], [t0 + 20 * MINUTE_MS, 100n], [now - 50 * MINUTE_MS, 1000n], [now - 5 * MINUTE_MS, 10000n]);
    expect(spentBetween(history, null, null)).toBe(11111n);
    expect(spentBetween(history, t0 - DAY_MS - HOUR_MS, null)).toBe(11111n);
    expect(spentBetween(history, t0, null)).toBe(11110n);
    expect(spentBetween(history, t0 + QUARTER_HOUR_MS, null)).toBe(11100n);
    // Starts at now − 52 min (inside a quarter-hour, within the minute detail): minutes answer it.
    expect(spentBetween(history, now - 52 * MINUTE_MS, null)).toBe(11000n);
    expect(spentBetween(history, now - 49 * MINUTE_MS, null)).toBe(10000n);
    expect(spentBetween(history, t0, t0 + QUARTER_HOUR_MS)).toBe(10n);
  });

  it('counts the whole quarter-hour when a range starts inside one older than the minute detail (fail closed)', () => {
    const now = t0 + 3 * HOUR_MS;
    const history = charged([t0 + MINUTE_MS, 7n], [now, 1n]);
    expect(history.minutesFromMs).toBeGreaterThan(t0 + QUARTER_HOUR_MS);
    expect(spentBetween(history, t0 + 5 * MINUTE_MS, null)).toBe(8n);
  });

  it('does not count a charge from before a rolling hour that starts inside its quarter-hour', () => {
    const history = charged([t0 + 2 * MINUTE_MS, 5n], [t0 + 61 * MINUTE_MS, 1n]);
    expect(spentBetween(history, t0 + 7 * MINUTE_MS, null)).toBe(1n);
  });

  it('prunes days older than the retention but keeps them in the all-time total', () => {
    const later = t0 + SPEND_RETENTION_MS + DAY_MS;
    const history = charged([t0, 5n], [later, 7n]);
    expect(history.days.size).toBe(1);
    expect(spentBetween(history, t0 - DAY_MS, null)).toBe(7n);
    expect(history.totalNanos).toBe(12n);
  });

  it('never mutates the history it is given', () => {
    const history = addSpend(emptySpendHistory, t0, 5n, t0);
    addSpend(history, t0, 5n, t0);
    expect(spentBetween(history, null, null)).toBe(5n);
    expect([...history.days.values()][0].nanos).toBe(5n);
    expect([...history.minutes.values()]).toEqual([5n]);
  });
});
