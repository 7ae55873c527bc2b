import { HOUR_MS, MINUTE_MS, SPEND_RETENTION_MS } from './spend-window.js';

/** Spend in one UTC hour: its sum, and per-minute sums keyed by the minute's epoch ms. */
export interface HourBucket {
  nanos: bigint;
  minutes: ReadonlyMap<number, bigint>;
}

/**
 * The charged spend of one subtree (an agent and its descendants) in one currency. Bounded: the
 * all-time total, plus minute buckets grouped by hour for the last SPEND_RETENTION_MS only, so
 * memory grows with time covered (≤ 33 days × 1440 minutes), never with the number of requests.
 * Minutes are exact for calendar windows (every zone's hour/day boundaries fall on whole minutes).
 */
export interface SpendHistory {
  totalNanos: bigint;
  /** Keyed by the hour's epoch ms. */
  hours: ReadonlyMap<number, HourBucket>;
}

export const emptySpendHistory: SpendHistory = Object.freeze({ totalNanos: 0n, hours: new Map() });

/**
 * Adds a charge attributed to `atMs`, and drops hours older than the retention before `clockMs`
 * (the latest time the stream has seen). Returns a new history; `history` is untouched.
 */
export function addSpend(history: SpendHistory, atMs: number, nanos: bigint, clockMs: number): SpendHistory {
  const horizon = clockMs - SPEND_RETENTION_MS;
  const hours = new Map<number, HourBucket>();
  for (const [hour, bucket] of history.hours) if (hour + HOUR_MS > horizon) hours.set(hour, bucket);
  const hour = atMs - mod(atMs, HOUR_MS);
  if (hour + HOUR_MS > horizon && nanos !== 0n) {
    const minute = atMs - mod(atMs, MINUTE_MS);
    const bucket = hours.get(hour);
    const minutes = new Map(bucket?.minutes ?? []);
    minutes.set(minute, (minutes.get(minute) ?? 0n) + nanos);
    hours.set(hour, { nanos: (bucket?.nanos ?? 0n) + nanos, minutes });
  }
  return { totalNanos: history.totalNanos + nanos, hours };
}

/** Spend charged in [startMs, endMs) (null: unbounded; both null: the all-time total). */
export function spentBetween(history: SpendHistory, startMs: number | null, endMs: number | null): bigint {
  if (startMs === null && endMs === null) return history.totalNanos;
  const from = startMs ?? Number.NEGATIVE_INFINITY;
  const to = endMs ?? Number.POSITIVE_INFINITY;
  let sum = 0n;
  for (const [hour, bucket] of history.hours) {
    const hourEnd = hour + HOUR_MS;
    if (hour >= from && hourEnd <= to) sum += bucket.nanos;
    else if (hourEnd > from && hour < to) {
      for (const [minute, nanos] of bucket.minutes) if (minute >= from && minute < to) sum += nanos;
    }
  }
  return sum;
}

function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}
